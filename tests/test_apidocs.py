"""The API documentation page works with no internet access, and the document says what the code checks."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.openapi import PUBLIC_KEY_PATTERN
from api.operations import REQUEST_EXAMPLES
from tests.services import app_settings

ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    with TestClient(create_app(app_settings(Path(tmp_path_factory.mktemp("apidocs"))))) as c:
        yield c


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger"])
def test_docs_page_loads_only_same_origin_assets(client: TestClient, page: str):
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "http://" not in r.text.split("<body")[0] and "https://" not in r.text.split("<body")[0]
    urls = ASSET.findall(r.text)
    # a style sheet, the two scripts of Swagger UI and its icon
    assert len(urls) == 4, urls
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for url in urls:
        assert url.startswith("/schema/assets/"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith(types[Path(url).suffix]), url
        assert len(answer.content) > 100, url


def test_every_api_operation_has_a_summary_and_a_description(client: TestClient):
    doc = client.get("/schema/openapi.json").json()
    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in item.items():
            assert op.get("summary") and " " in op["summary"], (method, path)  # words, not a function name
            assert op.get("description"), (method, path)
    for path, method in REQUEST_EXAMPLES:
        assert doc["paths"][path][method]["requestBody"]["content"]["application/json"]["example"]


def test_compare_category_is_the_registrys_categories(client: TestClient):
    from registry.rules import categories

    doc = client.get("/schema/openapi.json").json()
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/compare"]["get"]["parameters"]}
    assert params["category"]["enum"] == categories()
    assert params["min_mass_kg"]["minimum"] == 0 and params["quantity"]["minimum"] == 0
    for value in ("", "solar"):
        r = client.get("/api/v1/compare", params={"category": value})
        assert r.status_code == 422 and r.json()["field"] == "category"


def test_variants_vary_is_an_object(client: TestClient):
    doc = client.get("/schema/openapi.json").json()
    vary = doc["components"]["schemas"]["VariantsRequest"]["properties"]["vary"]
    assert vary["type"] == "object" and vary["additionalProperties"]["type"] == "array"


@pytest.mark.parametrize(("key", "matches"), [
    (base64.b64encode(bytes(range(32))).decode(), True),  # 44 characters with one "="
    (base64.urlsafe_b64encode(bytes(range(200, 232))).decode().rstrip("="), True),  # base64url, no padding
    (base64.b64encode(bytes(31)).decode(), False),  # 31 bytes
    (base64.b64encode(bytes(33)).decode(), False),  # 33 bytes
    ("not base64 at all!", False),
])
def test_public_key_pattern_is_what_the_code_reads(key: str, matches: bool):
    from registry.errors import InvalidInput
    from registry.trust.external_signing import decode_b64

    assert bool(re.search(PUBLIC_KEY_PATTERN, key)) is matches
    if matches:
        assert len(decode_b64(key, "public_key", 32)) == 32
    else:
        with pytest.raises(InvalidInput):
            decode_b64(key, "public_key", 32)
