"""Bad-input corpus (issue 12, part 3): no input, however wrong, gives a 500, stores anything, or fails without a reason.

Five corpora, each a hypothesis search plus exhaustive loops where the input space is small enough to walk:

1. product files: random text, mutated example files and hostile YAML through ``read_document`` + ``to_spec``,
   and mutated documents through ``POST /api/v1/declarations``;
2. factor imports: random and mutated CSV, XLSX and CPCD files through the readers and ``import_report``;
3. QR payloads: random bytes and text, every truncation of every demo payload, every single-digit substitution
   of one payload, every bit flip of its COSE bytes, re-signed with an unknown key and with a retired key after
   its window, and a replayed older version (a valid signature that the registry says is superseded);
4. PACT events: random JSON objects and mutated valid events through ``parse_event`` (v2 and v3) and, with a PACT
   client's token, ``POST /2/events`` and ``/3/events``;
5. API bodies: random JSON and bytes to every POST route of the app (found from its routes, so a new one is
   covered) with each role's token, a PACT token, a bogus one and none.

"Nothing stored" compares the row count of every table before and after each refused request or import.

``test_fuzz.py`` checks the footprint and variants endpoints for 500s; this file reuses its strategies and adds
the rest. Each corpus counts its cases and reports ``corpus <name>: N cases (...)`` three ways: printed (``-s``),
as a :class:`CorpusCases` warning (shown in the warnings summary of a normal run, also under xdist, whose workers'
prints are not shown), and in ``tests/artifacts/corpus_counts.json``.

Bugs the corpora found are reproduced by the tests at the end of this file (all fixed now). A newly found bug
can be tolerated while it is being fixed, in its exact form only (:data:`KNOWN_BUGS`), with an
``xfail(strict=True)`` reproduction.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import logging
import re
import traceback
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlalchemy import func, inspect, select, text
from sqlmodel import Session

from api.app import create_app
from api.demo import record_demo_verification, seed_demo
from api.documents import read_document
from factors_db.errors import FactorDbError
from factors_db.importers import read_cpcd, read_table, write_table
from factors_db.release import load_release
from factors_db.store import import_report, make_engine
from factors_db.tables import FactorRow
from footprint.errors import FootprintError
from footprint.products import to_spec
from footprint.units import parse_unit
from registry.accounts.actors import SYSTEM, Actor
from registry.errors import RegistryError
from registry.interop.pact import events as pact_event_kit
from registry.interop.pact import terms as pact_terms
from registry.keys import custody as keys
from registry.store.tables import Label
from registry.trust import signing
from registry.trust.payload import TrustList, cose_to_text, encode_payload, text_to_cose, verify_payload
from tests.services import app_settings
from tests.test_fuzz import json_values, mutated_documents, paths

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CPCD_SAMPLE = HERE / "corpus" / "cpcd_sample.csv"  # 18 rows of the CPCD list: every unit form, 1 flagged, 1 rejected
CORPUS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                        HealthCheck.filter_too_much])


class CorpusCases(UserWarning):
    """How many cases a corpus tried (a warning so that a normal ``make test`` run shows it)."""


def report(name: str, seen: Counter[str], note: str = "") -> None:
    """Print, warn and record ``corpus <name>: N cases (outcome counts)``."""
    total = seen.total()
    line = f"corpus {name}: {total} cases ({', '.join(f'{k} {v}' for k, v in sorted(seen.items()))}){note}"
    print(line)
    warnings.warn(line, CorpusCases, stacklevel=2)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "corpus_counts.json"
    with open(path, "a+", encoding="utf-8") as fh:  # two xdist workers may write at once: lock, read, rewrite
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        try:
            counts = json.loads(fh.read() or "{}")
        except json.JSONDecodeError:
            counts = {}
        counts[name] = {"cases": total, **dict(seen), **({"note": note.strip("; ")} if note else {})}
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(counts, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------------------------------- known bugs
#: Bugs found by this corpus, in the exact form the corpora tolerate: (exception type, message pattern, a file of
#: the traceback). Each has an xfail(strict=True) reproduction at the end; delete the entry with the mark once fixed.
KNOWN_BUGS: dict[str, tuple[type[BaseException], str, str]] = {}  # all fixed; the reproductions below pass


def known_bug(exc: BaseException | None, *ids: str) -> str | None:
    """The id of the known bug among ``ids`` that ``exc`` is, or None."""
    if exc is None or isinstance(exc, FootprintError | FactorDbError | RegistryError):
        return None
    files = [frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for bug in ids:
        if bug not in KNOWN_BUGS:
            continue
        kind, pattern, where = KNOWN_BUGS[bug]
        if isinstance(exc, kind) and re.search(pattern, str(exc)) and any(f.endswith(where) for f in files):
            return bug
    return None


def one_line(message: str) -> bool:
    return bool(message.strip()) and "\n" not in message and "Traceback" not in message


# ------------------------------------------------------------------------------------------- the demo app
class ServerErrors(logging.Handler):
    """The exceptions behind the app's 500 answers (``api/errors.py`` and ``api/controllers/pact.py`` log them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = record.exc_info[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The app over a fresh database with the demo seeded (labels in every status), a draft and a submitted
    declaration, and a PACT client's access token; the QR corpus (below) rotates the certifier's key."""
    app = create_app(app_settings(tmp_path_factory.mktemp("corpus"), public_rate_limit=0))
    registry = app.state.registry
    creds = seed_demo(registry)
    maker = Actor("demo_manufacturer", "manufacturer", "corpus")
    with Session(registry.engine) as s:
        monitor = s.get(Label, creds["labels"]["active_monitor"])
        assert monitor is not None
    product_ids = [p.id for p in registry.products.products(maker)]  # not inside the session: SQLite BEGIN IMMEDIATE
    doc = yaml.safe_load((HERE.parent / "examples" / "registry" / "monitor_certifiable.yaml").read_text(encoding="utf-8"))
    draft = registry.declarations.create_declaration(maker, product_id=monitor.product_id,
                                                     spec=doc | {"annual_energy_kwh": 45})
    submitted = registry.declarations.create_declaration(maker, product_id=monitor.product_id,
                                                         spec=doc | {"annual_energy_kwh": 44})
    registry.declarations.submit(maker, submitted.id)
    pact_token, _ = registry.pact_clients.token_for("corpus", registry.pact_clients.create_client(SYSTEM, "corpus"))
    errors = ServerErrors()
    logging.getLogger("pcf.api").addHandler(errors)
    try:
        with TestClient(app) as client:
            yield {"app": app, "client": client, "registry": registry, "errors": errors,
                   "tokens": {**{k: v for k, v in creds.items() if k.endswith("_token")}, "pact_token": pact_token},
                   "labels": creds["labels"], "product_ids": product_ids,
                   "declarations": [draft.id, submitted.id, monitor.declaration_id]}
    finally:
        logging.getLogger("pcf.api").removeHandler(errors)


def stored(engine: Any) -> dict[str, int]:
    """Rows in every table: what "nothing stored" compares. A refused PACT event is recorded on purpose
    (``PactExchange.receive_event``: status ``refused: <code>``), so only the other PACT events are counted."""
    with engine.connect() as conn:
        counts = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                  for name in sorted(inspect(engine).get_table_names()) if name != "pact_event"}
        counts["pact_event (not refused)"] = conn.execute(
            text("SELECT count(*) FROM pact_event WHERE status NOT LIKE 'refused%'")).scalar_one()
    return counts


def error_code(path: str, response: Any) -> str:
    """The code of an error answer in its route's format: OAuth 2 on /auth/token, PACT's {code, message} on
    /2/ and /3/, RFC 9457 problem details elsewhere."""
    body = response.json()
    if path.startswith("/auth/"):
        assert body["error"] and one_line(body["error_description"]), body
        return str(body["error"])
    if path.startswith(("/2/", "/3/")):
        assert body["code"] in pact_terms.ERROR_HTTP_STATUS and one_line(body["message"]), body
        return str(body["code"])
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    assert body["status"] == response.status_code and body["code"] and one_line(body["detail"]), body
    return str(body["code"])


def post(demo: dict[str, Any], seen: Counter[str], path: str, bugs: tuple[str, ...] = (), **kw: Any) -> Any:
    """POST and check: no 5xx (a known bug is counted), an error answer with a code, nothing stored after one."""
    engine = demo["registry"].engine
    before = stored(engine)
    demo["errors"].last = None
    response = demo["client"].post(path, **kw)
    status = response.status_code
    if status >= 500:
        bug = known_bug(demo["errors"].last, *bugs)
        assert bug, f"{status} from POST {path} {kw}: {demo['errors'].last!r}"
        seen[f"known bug {bug} ({status})"] += 1
    elif status < 400:
        seen[f"accepted {status}"] += 1
        return response
    else:
        seen[f"refused {status} {error_code(path, response)}"] += 1
    assert stored(engine) == before, (path, kw, response.text)
    return response


# ------------------------------------------------------------------------------------------- 1 product files
HOSTILE_YAML = [
    "kind: monitor\nname: 2026-02-30\n", "a: 2026-13-01\n", "a: " + "1" * 5000 + "\n", "[" * 3000 + "]" * 3000,
    "a: &a [*a]\nkind: custom\n", "&a [*a]", "a: !!python/object/apply:os.system ['true']\n", "a: !!binary aGk=\n",
    "a: !!set {x}\n", "a: .nan\nkind: custom\n", "{1: 2, kind: custom}\n", "kind: [custom]\n", "kind: {a: 1}\n",
    "---\n---\n", "\t", "\x00", "a: b: c", "- - -", "kind: pv_module\n" + "x: 1\n" * 2, "%YAML 9.9\n---\na: 1\n",
    "a: 1e400\nkind: custom\n", "? [a, b]\n: c\n",
]
HOSTILE_JSON = ['{"a": ' + "1" * 5000 + "}", "[" * 100_000 + "]" * 100_000, '{"kind": "custom", "a": NaN}',
                '{"kind": "custom", "a": 1e400}', '{"a": 1, "a": 2}', "\ufeff{}", '"\\ud800"', "{}", "null"]


@st.composite
def product_files(draw: st.DrawFn) -> tuple[str, str]:
    """(suffix, text): a mutated example file as YAML or JSON, perhaps cut or spliced, random text, or a hostile one."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "cut", "random", "hostile"]))
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    if kind == "random":
        return suffix, draw(st.text(max_size=200))
    if kind == "hostile":
        return (".yaml", draw(st.sampled_from(HOSTILE_YAML))) if draw(st.booleans()) else \
            (".json", draw(st.sampled_from(HOSTILE_JSON)))
    doc = draw(mutated_documents())
    body = json.dumps(doc, ensure_ascii=False) if suffix == ".json" else yaml.safe_dump(doc, allow_unicode=True)
    if kind == "cut":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.text(max_size=8)) + body[at + draw(st.integers(0, 8)):]
    return suffix, body


def test_product_files_are_refused_with_a_coded_reason(tmp_path, release_factors):
    seen: Counter[str] = Counter()

    @settings(CORPUS, max_examples=400)
    @given(case=product_files())
    def run(case: tuple[str, str]) -> None:
        suffix, body = case
        path = tmp_path / f"product{suffix}"
        path.write_text(body, encoding="utf-8", errors="surrogatepass")
        try:
            data = read_document(path)
        except FootprintError as exc:
            assert exc.code and one_line(exc.message), exc
            seen["refused on reading"] += 1
            return
        except (ValueError, RecursionError) as exc:
            bug = known_bug(exc, "yaml-bad-date", "int-max-str-digits", "deep-nesting")
            if bug is None:
                raise
            seen[f"known bug {bug}"] += 1
            return
        try:
            to_spec(data, release_factors)
        except Exception as exc:
            if not isinstance(exc, FootprintError):
                bug = known_bug(exc, "unit-tokenize", "unit-zero-division")
                if bug is None:
                    raise
                seen[f"known bug {bug}"] += 1
                return
            assert exc.code and one_line(exc.message), (exc.code, exc.path, exc.message)
            if exc.path:
                seen["refused with a field"] += 1
            else:  # a model validator's error has no path: listed in the report (test_a_missing_screen_...)
                seen["refused without a field"] += 1
                fieldless.add(re.sub(r"\d+(\.\d+)?", "N", exc.message)[:80])
            return
        seen["accepted"] += 1

    fieldless: set[str] = set()
    run()
    report("product-files", seen, f"; refused without a field: {sorted(fieldless)}" if fieldless else "")
    assert seen["refused with a field"] and seen["refused on reading"]


def test_product_files_through_the_api_store_nothing_when_refused(demo):
    auth = {"Authorization": f"Bearer {demo['tokens']['manufacturer_token']}"}
    seen: Counter[str] = Counter()

    @settings(CORPUS, max_examples=150)
    @given(doc=mutated_documents(), product_id=st.sampled_from(demo["product_ids"]) | st.text(max_size=12),
           result=st.none() | st.dictionaries(st.sampled_from(["total_kg_co2e", "stages"]), json_values, max_size=2))
    def run(doc: Any, product_id: str, result: dict[str, Any] | None) -> None:
        body = {"product_id": product_id, "spec": doc} | ({"result": result} if result is not None else {})
        post(demo, seen, "/api/v1/declarations", ("category-unhashable-kind", "unit-tokenize", "unit-zero-division"),
             json=body, headers=auth)

    run()
    report("product-files-api", seen)


# ------------------------------------------------------------------------------------------- 2 factor imports
BAD_CELLS = ["", " ", "inf", "-inf", "nan", "1e400", "-1", "0", "1e-400", "²⁰²²", "٢٠٢٣", "2023.5", "99999999999",
             "x=y", "CO2=abc", "CO2", ";;;", "1;2;3", "6;6;6;6;6", "electricity=abc kWh", "a=1 bananas", "true", "是",
             "kg", "kWh", "piece", "t*km", "cradle-to-gate", "moon", "CN-ZZ", "\x00", "=1+1", "摇篮到大门",
             "1kgCO2e / 千克", "7.4tCO2e / 公吨", "1e999kgCO2e / 千克", "-3kgCO2e / 千克", "1gCO2e / 万元", "1kgCO2e /",
             "1kgCO2e / 年", "1 kgCO2e / 千瓦时", "0.1tCO2e / 克", "核心数据库"]


@pytest.fixture(scope="module")
def factor_files(tmp_path_factory):
    """The genuine files the mutations start from, and a database that already holds their factors, so that most
    mutated imports collide with them (a collision refuses the whole import)."""
    folder = tmp_path_factory.mktemp("factors")
    factors = list(load_release("2026.2").factors[:6])
    write_table(factors, folder / "own.csv")
    write_table(factors, folder / "own.xlsx")
    engine = make_engine(f"sqlite:///{folder / 'factors.sqlite'}")
    for report_ in (read_table(folder / "own.csv"), read_cpcd(CPCD_SAMPLE)):
        import_report(engine, report_)
    rows = {name: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))))
            for name, p in (("csv", folder / "own.csv"), ("cpcd", CPCD_SAMPLE))}
    return {"folder": folder, "engine": engine, "rows": rows, "xlsx": (folder / "own.xlsx").read_bytes()}


def _mutate_rows(draw: st.DrawFn, rows: list[list[str]]) -> list[list[Any]]:
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cell", "cell", "cell", "drop_cells", "add_cells", "dup_row", "drop_row",
                                       "header"]))
        if len(rows) < 2:
            action = "header"
        i = draw(st.integers(0 if action == "header" else 1, len(rows) - 1))
        row = rows[0] if action == "header" else rows[i]
        if action in ("cell", "header") and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(BAD_CELLS) | st.text(max_size=10))
        elif action == "drop_cells":
            del row[draw(st.integers(0, len(row))):]
        elif action == "add_cells":
            row += draw(st.lists(st.text(max_size=5), min_size=1, max_size=3))
        elif action == "dup_row":
            rows.append(list(row))
        elif action == "drop_row" and len(rows) > 1:
            rows.pop(i)
    return rows


def _csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@st.composite
def factor_files_cases(draw: st.DrawFn, base: dict[str, Any]) -> tuple[str, bytes]:
    """(format, file bytes): mutated rows of a genuine file, byte damage to it, or random bytes."""
    fmt = draw(st.sampled_from(["csv", "xlsx", "cpcd"]))
    how = draw(st.sampled_from(["rows", "rows", "rows", "bytes", "random"]))
    if how == "random":
        return fmt, draw(st.binary(max_size=300))
    rows = base["rows"]["cpcd" if fmt == "cpcd" else "csv"]
    if how == "rows":
        rows = _mutate_rows(draw, rows)
        if fmt == "xlsx":
            cells = st.sampled_from(BAD_CELLS) | st.none() | st.floats() | st.integers(-(10**20), 10**20) | st.booleans()
            rows = [[draw(cells) if draw(st.integers(0, 9)) == 0 else c for c in r] for r in rows]
            return fmt, _xlsx_bytes(rows)
        return fmt, _csv_bytes(rows, draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "utf-16"])))
    data = bytearray(base["xlsx"] if fmt == "xlsx" else _csv_bytes(rows, "utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        else:
            del data[draw(st.integers(0, len(data) - 1)):]
        if not data:
            break
    return fmt, bytes(data)


def factor_count(engine: Any) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(FactorRow)).scalar_one()


def test_factor_imports_are_refused_whole_with_a_coded_reason(factor_files):
    engine, folder = factor_files["engine"], factor_files["folder"]
    seen: Counter[str] = Counter()

    @settings(CORPUS, max_examples=300)
    @given(case=factor_files_cases(factor_files))
    def run(case: tuple[str, bytes]) -> None:
        fmt, data = case
        path = folder / f"import.{'xlsx' if fmt == 'xlsx' else 'csv'}"
        path.write_bytes(data)
        before = factor_count(engine)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl and pandas warn about odd files; the outcome is what counts
                result = read_cpcd(path) if fmt == "cpcd" else read_table(path, fmt)
        except FactorDbError as exc:
            assert exc.code and one_line(exc.message), exc
            seen[f"{fmt} refused: {exc.code}"] += 1
            return
        except Exception as exc:
            bug = known_bug(exc, "year-overflow", "cpcd-short-row", "cpcd-unicode-year", "xlsx-zlib", "xlsx-keyerror",
                            "unit-tokenize", "unit-zero-division")
            if bug is None:
                raise
            seen[f"{fmt} known bug {bug}"] += 1
            return
        for outcome in result.rows:
            assert outcome.status == "accepted" or one_line(outcome.reason), outcome
        try:
            written = import_report(engine, result)
        except FactorDbError as exc:
            assert exc.code == "import-failed" and one_line(exc.message), exc
            assert factor_count(engine) == before
            seen[f"{fmt} import refused whole"] += 1
            return
        assert factor_count(engine) == before + written == before + len(result.factors)
        seen[f"{fmt} imported"] += 1

    run()
    report("factor-imports", seen)
    assert any("import refused whole" in k for k in seen)


# ------------------------------------------------------------------------------------------- 3 QR payloads
@pytest.fixture(scope="module")
def qr(demo):
    """Genuine payloads, forgeries (unknown key, retired key after its window) and the trust list after a rotation."""
    registry = demo["registry"]
    certifier = Actor("demo_certifier", "certifier", "corpus")
    with Session(registry.engine) as s:
        found = {name: s.get(Label, label_id) for name, label_id in demo["labels"].items()}
        labels = {name: label for name, label in found.items() if label is not None}
        assert len(labels) == len(found)
        old_row = keys.current_key(s, "demo_certifier")
    old_private = keys.private_key(old_row, registry.ctx.secret)
    # Rotate one second later than now: a label issued in the same second as a rotation fails as key-retired
    # (test_a_label_issued_in_the_second_of_a_rotation_still_verifies below).
    real_clock = registry.clock
    registry.clock = lambda: real_clock() + timedelta(seconds=1)
    try:
        registry.keys.rotate_key(certifier, "demo_certifier")
    finally:
        registry.clock = real_clock
    trust = TrustList.from_json(registry.keys.trust_list())
    retired = trust.key(old_row.key_id)
    assert retired is not None and retired.status == "retired" and retired.not_after is not None
    claim = json.loads(labels["active"].claim)
    unknown = signing.generate_key()
    forged_unknown = encode_payload(claim | {"key_id": signing.key_id(signing.public_raw(unknown))}, unknown)
    forged_retired = encode_payload(claim | {"issued_at": retired.not_after + 60}, old_private)
    return {"trust": trust, "labels": labels, "forgeries": {"unknown-key": forged_unknown, "key-retired": forged_retired},
            "registry": registry}


def verdict(seen: Counter[str], text_: Any, trust: TrustList) -> bool:
    """verify_payload never raises and gives a reason; count the reason."""
    result = verify_payload(text_, trust)
    assert result.reason and (result.valid == (result.reason == "ok")) and (result.claim is not None) == result.valid
    assert result.valid or result.detail
    seen[result.reason] += 1
    return result.valid


def test_qr_payloads_verify_only_when_genuine(qr):
    trust, labels = qr["trust"], qr["labels"]
    seen: Counter[str] = Counter()
    genuine = {label.payload for label in labels.values()}
    for label in labels.values():  # every demo label, in every status, carries a genuinely signed payload
        assert verdict(seen, label.payload, trust), label.label_id
    for reason, forged in qr["forgeries"].items():
        result = verify_payload(forged, trust)
        assert (result.valid, result.reason) == (False, reason)
        seen[reason] += 1
    active, other = labels["active"], labels["active_coal_grid"]
    for url, valid in ((f"https://label.example/l/{active.label_id}#", True), ("https://label.example/01/06901234567892#",
                       True), (f"https://label.example/l/{other.label_id}#", False),
                       ("https://label.example/01/06901234567908#", False)):  # a payload behind another label's URL
        assert verdict(seen, url + active.payload, trust) is valid, url
    for label in labels.values():  # every truncation of every payload
        for n in range(len(label.payload)):
            assert not verdict(seen, label.payload[:n], trust)
    one = labels["active"].payload
    head, digits = one[:5], one[5:]
    for i, d in enumerate(digits):  # every single-digit substitution of one payload
        for other in "0123456789".replace(d, ""):
            assert not verdict(seen, head + digits[:i] + other + digits[i + 1:], trust)
    cose = text_to_cose(one)
    for bit in range(len(cose) * 8):  # every bit flip of its COSE bytes
        flipped = bytearray(cose)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert not verdict(seen, cose_to_text(bytes(flipped)), trust)

    @settings(CORPUS, max_examples=400)
    @given(case=st.binary(max_size=300) | st.text(max_size=300) | st.builds(
        lambda p, s: "PCF2." + s if p else s, st.booleans(), st.text("0123456789 #/PCFpcf.", max_size=600)))
    def run(case: str | bytes) -> None:
        if case in genuine:
            return
        assert not verdict(seen, case, trust)

    run()

    @settings(CORPUS, max_examples=100)
    @given(doc=json_values | st.fixed_dictionaries({"format": st.just("pcf-trust-list/1"), "registry": st.text(),
                                                     "issued_at": st.integers(), "keys": st.lists(json_values)}))
    def bad_trust_lists(doc: Any) -> None:
        result = verify_payload(one, doc)
        assert not result.valid and result.reason and result.detail
        seen[f"trust list: {result.reason}"] += 1

    bad_trust_lists()
    report("qr-payloads", seen)


def test_a_replayed_old_version_verifies_as_a_signature_but_the_registry_says_superseded(qr):
    old, new = qr["labels"]["superseded"], qr["labels"]["active_monitor"]
    result = verify_payload(old.payload, qr["trust"])
    assert result.valid and result.claim is not None and result.claim["label_id"] == old.label_id
    view = qr["registry"].public.label_view(old.label_id)
    assert view.status == "superseded" and view.label.superseded_by == new.label_id
    assert result.claim["version"] < new.version and old.product_id == new.product_id


# ------------------------------------------------------------------------------------------- 4 PACT events
SOURCE = "https://webhook.example.com"
VALID_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("3", {"specversion": "1.0", "id": "run-1/12", "source": SOURCE, "time": "2026-11-22T10:30:00Z",
           "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
           "data": {"productId": ["urn:gtin:06901234567892"], "comment": "Please send PCF data for this year."}}),
    ("2", {"specversion": "1.0", "id": "run-1/12", "source": SOURCE, "time": "2026-11-22T10:30:00Z",
           "type": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
           "data": {"pf": {"productIds": ["urn:gtin:06901234567892"]}, "comment": "Please send PCF data."}}),
    ("3", pact_event_kit.published_event(["3a6c14a7-4deb-498a-b5ea-16ce2535b576"], "3", SOURCE)),
    ("2", pact_event_kit.published_event(["3a6c14a7-4deb-498a-b5ea-16ce2535b576"], "2", SOURCE)),
    ("3", json.loads((HERE / "pact_schemas" / "spec-v3-pf-response-event.json").read_text(encoding="utf-8"))),
]
EVENT_VALUES = (json_values | st.sampled_from([*pact_terms.EVENT_TYPES["2"].values(),
                                               *pact_terms.EVENT_TYPES["3"].values(), "1.0",
                                                "2026-11-22T10:30:00Z", "2026-02-30T10:30:00Z", "urn:gtin:1",
                                                "3a6c14a7-4deb-498a-b5ea-16ce2535b576"]))


@st.composite
def pact_events(draw: st.DrawFn) -> tuple[str, Any]:
    """(version, body): a valid event with one to three fields replaced, removed or added, or a random object."""
    version = draw(st.sampled_from(["2", "3"]))
    if draw(st.integers(0, 4)) == 0:
        return version, draw(st.dictionaries(st.sampled_from(["specversion", "id", "source", "type", "time", "data"])
                                             | st.text(max_size=6), EVENT_VALUES, max_size=7))
    body = json.loads(json.dumps(draw(st.sampled_from(VALID_EVENTS))[1]))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(body)))
        parent = body
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[where[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(EVENT_VALUES)
        else:
            parent[where[-1]] = draw(EVENT_VALUES)
    return version, body


def test_pact_events_are_refused_naming_the_field(demo):
    """parse_event, and the same body posted to /{version}/events with a PACT client's token."""
    for version, body in VALID_EVENTS:
        assert pact_event_kit.parse_event(body, version)  # type: ignore[arg-type]
    routes = {r.path for r in demo["app"].routes if isinstance(r, HTTPRoute)}
    wired = {"/2/events", "/3/events"} <= routes
    auth = {"Authorization": f"Bearer {demo['tokens']['pact_token']}", "content-type": "application/cloudevents+json"}
    seen: Counter[str] = Counter()
    over_http: Counter[str] = Counter()

    @settings(CORPUS, max_examples=400)
    @given(case=pact_events())
    def run(case: tuple[str, Any]) -> None:
        version, body = case
        try:
            pact_event_kit.parse_event(body, version)  # type: ignore[arg-type]
        except pact_terms.PactError as exc:
            assert exc.code == "pact-bad-request" and exc.field and one_line(exc.message), exc
            seen[f"v{version} refused"] += 1
        except TypeError as exc:
            bug = known_bug(exc, "pact-unhashable-type")
            if bug is None:
                raise
            seen[f"v{version} known bug {bug}"] += 1
        else:
            seen[f"v{version} accepted"] += 1
        if wired:
            post(demo, over_http, f"/{version}/events", ("pact-unhashable-type",), content=json.dumps(body),
                 headers=auth)

    run()
    report("pact-events", seen, "" if wired else "; POST /2|3/events not routed: parse_event only")
    if wired:
        report("pact-events-http", over_http)
    assert seen["v3 refused"] and seen["v2 refused"]


# ------------------------------------------------------------------------------------------- 5 API bodies
BODY_KEYS = ["name", "model", "category", "gtin", "product_id", "spec", "result", "factor_release", "reason",
             "comment", "product", "vary", "rows"]
BODY_VALUES = json_values | st.sampled_from(["pv_module", "monitor", "06901234567892", "12345678", "x" * 2001, "",
                                             "CD-PCF-2026-000001", "原因"])


def post_routes(app: Any) -> list[str]:
    """The JSON API's POST routes (the console's HTML forms answer pages: tests/test_console.py covers them)."""
    return sorted({r.path for r in app.routes if isinstance(r, HTTPRoute) and "POST" in r.methods
                   and r.path.startswith(("/api/", "/2/", "/3/", "/auth/"))})


def test_api_bodies_never_answer_500_and_store_nothing_when_refused(demo):
    routes = post_routes(demo["app"])
    assert "/api/v1/declarations" in routes and "/api/v1/labels/{label_id:str}/revoke" in routes
    ids = {"declaration_id": st.sampled_from(demo["declarations"]) | st.sampled_from(["dec_0", "", "..", "%00"]),
           "label_id": st.sampled_from(sorted(demo["labels"].values())) | st.sampled_from(["CD-PCF-2026-999999", "x"])}
    tokens = demo["tokens"]
    seen: Counter[str] = Counter()

    @settings(CORPUS, max_examples=300)
    @given(route=st.sampled_from(routes), role=st.sampled_from([*sorted(tokens), None, "pcf_tok_0000_bogus"]),
           data=st.data(), body=json_values | st.binary(max_size=60) | st.dictionaries(
               st.sampled_from(BODY_KEYS) | st.text(max_size=6), BODY_VALUES, max_size=4))
    def run(route: str, role: str | None, data: st.DataObject, body: Any) -> None:
        path = route
        for name, values in ids.items():
            if "{" + name in path:
                path = path.replace("{" + name + ":str}", data.draw(values, label=name).replace("/", "%2F"))
        headers = {"Authorization": f"Bearer {tokens.get(role, role)}"} if role else {}
        if isinstance(body, bytes):
            post(demo, seen, path, content=body, headers=headers | {"content-type": "application/json"})
        else:
            post(demo, seen, path, ("pact-unhashable-type", "category-unhashable-kind"), json=body, headers=headers)

    run()
    report("api-bodies", seen, f"; routes: {', '.join(routes)}")


# ------------------------------------------------------------------------------------------- the bugs found
def _read(tmp_path: Path, name: str, body: str | bytes, reader: Callable[[Path], Any]) -> Any:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return reader(path)


@pytest.mark.parametrize(("name", "body"), [
    ("date.yaml", "kind: monitor\nname: 2026-02-30\n"), ("int.yaml", "a: " + "1" * 5000 + "\n"),
    ("int.json", '{"a": ' + "1" * 5000 + "}"), ("deep.yaml", "[" * 3000 + "]" * 3000),
    ("deep.json", "[" * 100_000 + "]" * 100_000),
], ids=["yaml-bad-date", "yaml-int-digits", "json-int-digits", "yaml-deep", "json-deep"])
def test_hostile_product_files_give_a_specification_error(tmp_path, name, body):
    with pytest.raises(FootprintError):
        _read(tmp_path, name, body, read_document)


def test_a_missing_screen_diagonal_names_its_field(release_factors):
    doc = yaml.safe_load((HERE.parent / "examples" / "registry" / "laptop_certifiable.yaml").read_text(encoding="utf-8"))
    doc.pop("screen_diagonal_inch")
    with pytest.raises(FootprintError) as info:
        to_spec(doc, release_factors)
    assert info.value.path == "screen_diagonal_inch", info.value.message


OWN_HEADER = ("id,name_zh,category,unit,value_kg_co2e,boundary,geography,year,source,licence\n"
              "x.1,钢,material,kg,1,cradle-to-gate,CN,{year},s,l\n")
CPCD_HEADER = "产品ID,产品名称,核算边界,碳足迹,企业名称,数据年份,数据类型\n"


@pytest.mark.parametrize(("fmt", "body"), [
    ("csv", OWN_HEADER.format(year="inf")), ("csv", OWN_HEADER.format(year="1e400")),
    ("cpcd", CPCD_HEADER + "1,钢,摇篮到大门,1kgCO2e / 千克,-,2022\n"),
    ("cpcd", CPCD_HEADER + "1,钢,摇篮到大门,1kgCO2e / 千克,-,²⁰²²,核心数据库\n"),
], ids=["year-inf", "year-1e400", "cpcd-short-row", "cpcd-unicode-year"])
def test_malformed_factor_rows_are_rejected_rows(tmp_path, fmt, body):
    report_ = _read(tmp_path, "f.csv", body, read_cpcd if fmt == "cpcd" else read_table)
    assert [r.status for r in report_.rows] == ["rejected"]


def _damaged_xlsx(kind: str) -> bytes:
    """A zip that is no workbook, or a genuine workbook whose sheet's deflate stream is broken by one changed byte."""
    out = io.BytesIO()
    if kind == "other-zip":
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("a.txt", "not a workbook")
        return out.getvalue()
    good = _xlsx_bytes([["id", "name_zh"], *[["a", "b"]] * 40])
    sheet = "xl/worksheets/sheet1.xml"
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo(sheet)
    name_len, extra_len = (int.from_bytes(good[info.header_offset + i:info.header_offset + i + 2], "little")
                           for i in (26, 28))  # the local file header: 30 bytes, then the name and the extra field
    start = info.header_offset + 30 + name_len + extra_len
    for at in range(start, start + info.compress_size):  # the first byte whose change breaks the stream
        data = bytearray(good)
        data[at] ^= 0xFF
        try:
            zipfile.ZipFile(io.BytesIO(bytes(data))).read(sheet)
        except zlib.error:
            return bytes(data)
        except zipfile.BadZipFile:  # a CRC mismatch: the stream still inflates
            continue
    raise AssertionError("no byte of the sheet breaks its deflate stream")


@pytest.mark.parametrize("kind", ["other-zip", "bad-deflate"])
def test_damaged_xlsx_is_refused_with_invalid_factor(tmp_path, kind):
    with pytest.raises(FactorDbError):
        _read(tmp_path, "f.xlsx", _damaged_xlsx(kind), read_table)


@pytest.mark.parametrize("value", [["x"], {"a": 1}], ids=["list", "object"])
def test_an_unhashable_event_type_is_a_pact_error(value):
    with pytest.raises(pact_terms.PactError) as info:
        pact_event_kit.parse_event(VALID_EVENTS[0][1] | {"type": value}, "3")
    assert info.value.field == "type"


@pytest.mark.parametrize("unit", ["kg(", "kWh)", "1/0"])
def test_a_unit_pint_cannot_tokenise_is_a_unit_mismatch(unit):
    with pytest.raises(FootprintError) as info:
        parse_unit(unit)
    assert info.value.code == "unit-mismatch"


TOY = {"kind": "custom", "identity": {"name": "toy"}, "electricity": {"series": "co2_average", "year": 2023},
       "processes": [{"id": "p", "stage": "production", "location": "CN-SC",
                      "inputs": [{"factor": "cpcd.41431X0102018C", "amount": 1, "unit": "kg("}]}]}


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/footprints", TOY), ("/api/v1/declarations", {"spec": TOY | {"category": "component"}}),
    ("/api/v1/declarations", {"spec": {"kind": ["monitor"]}}),
], ids=["footprint-unit", "declaration-unit", "declaration-list-kind"])
def test_bad_units_and_kinds_answer_422_and_store_nothing(demo, path, body):
    maker = Actor("demo_manufacturer", "manufacturer", "corpus")
    product = demo["registry"].products.create_product(maker, name="toy", category="component")
    before = stored(demo["registry"].engine)
    body = body | ({"product_id": product.id} if "declarations" in path else {})
    response = demo["client"].post(path, json=body, headers={
        "Authorization": f"Bearer {demo['tokens']['manufacturer_token']}"})
    assert stored(demo["registry"].engine) == before
    assert response.status_code == 422, response.text


def test_an_unhashable_event_type_answers_400_over_http(demo):
    response = demo["client"].post("/3/events", content=json.dumps(VALID_EVENTS[0][1] | {"type": ["x"]}), headers={
        "Authorization": f"Bearer {demo['tokens']['pact_token']}", "content-type": "application/cloudevents+json"})
    assert response.status_code == 400, response.text


def test_a_label_issued_in_the_second_of_a_rotation_still_verifies(tmp_path):
    from api.runtime import open_registry

    registry = open_registry(app_settings(tmp_path), create_key=True)
    creds = seed_demo(registry)
    maker, certifier = Actor("demo_manufacturer", "manufacturer", "t"), Actor("demo_certifier", "certifier", "t")
    with Session(registry.engine) as s:
        monitor = s.get(Label, creds["labels"]["active_monitor"])
        assert monitor is not None
    doc = yaml.safe_load((HERE.parent / "examples" / "registry" / "monitor_certifiable.yaml").read_text(encoding="utf-8"))
    start = registry.clock().replace(microsecond=700_000) + timedelta(seconds=5)
    registry.clock = lambda: start  # issued at .7 s
    dec = registry.declarations.create_declaration(maker, product_id=monitor.product_id,
                                                   spec=doc | {"annual_energy_kwh": 41})
    registry.declarations.submit(maker, dec.id)
    record_demo_verification(registry, certifier, dec.id)
    label = registry.review.approve(certifier, dec.id)
    registry.clock = lambda: start + timedelta(milliseconds=200)  # rotated at .9 s: the label was signed before
    registry.keys.rotate_key(certifier, "demo_certifier")
    result = verify_payload(label.payload, registry.keys.trust_list())
    assert result.valid, result.detail
