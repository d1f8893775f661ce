"""Property: no input, however wrong, makes the API answer 500; every error is RFC 9457 problem details."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from api.app import create_app
from tests.services import app_settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BASES: list[dict[str, Any]] = [
    yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))
] + [{
    "kind": "custom", "identity": {"name": "toy"}, "electricity": {"series": "co2_average", "year": 2023},
    "processes": [{"id": "p", "stage": "production", "location": "CN-SC",
                   "inputs": [{"factor": "cpcd.41431X0102018C", "amount": 1, "unit": "kg"},
                              {"electricity": True, "amount": 3, "unit": "kWh"}]}],
}]

scalars = (st.none() | st.booleans() | st.integers(-(10**15), 10**15)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
           | st.sampled_from(["CN-SC", "CN-ZZ", "kg", "kWh", "m2", "piece", "t*km", "bananas", "1e400", "", "-1"]))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """An example product file with one to three fields replaced, removed or added."""
    doc = json.loads(json.dumps(draw(st.sampled_from(BASES))))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(doc) or [("name",)]))
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            parent.pop(where[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
        else:
            parent[where[-1]] = draw(json_values)
    return draw(st.sampled_from([doc, doc, doc, [doc], "text", None]))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with TestClient(create_app(app_settings(tmp_path_factory.mktemp("fuzz")))) as c:
        yield c


def check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == response.status_code and body["detail"] and "Traceback" not in response.text


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


@FUZZ
@given(doc=mutated_documents(), mc=st.integers(-5, 300), seed=st.integers(-(2**40), 2**40) | st.none())
def test_footprint_never_answers_500(client, doc, mc, seed):
    params = {"mc": mc} if seed is None else {"mc": mc, "seed": seed}
    check(client.post("/api/v1/footprints", json=doc, params=params))


@FUZZ
@given(doc=mutated_documents(), vary=st.dictionaries(
    st.sampled_from(["regions.cell", "area_m2", "use_region", "processes[0].location", "processes[id=p].location",
                     "x[", "a..b", "materials_g_per_m2.glass", "boundary"]),
    st.lists(json_values, max_size=4) | json_values, max_size=3), rows=st.integers(-3, 20_000))
def test_variants_never_answer_500(client, doc, vary, rows):
    check(client.post("/api/v1/variants", json={"product": doc, "vary": vary, "rows": rows}))


@FUZZ
@given(q=st.text(max_size=30), year=st.text(max_size=6), limit=st.text(max_size=6), factor_id=st.text(max_size=40))
def test_factor_queries_never_answer_500(client, q, year, limit, factor_id):
    check(client.get("/api/v1/factors", params={"q": q, "year": year, "limit": limit}))
    check(client.get(f"/api/v1/factors/{quote(factor_id, safe='')}"))


@FUZZ
@given(body=st.binary(max_size=200))
def test_raw_bodies_never_answer_500(client, body):
    check(client.post("/api/v1/footprints", content=body, headers={"content-type": "application/json"}))
