"""The trust chain against a determined attacker (issue 16): each attack that once got through is repeated here
and must be refused or detected, with its reason and without a 5xx."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.testing import TestClient

from api.app import create_app
from api.demo import record_demo_verification
from factors_db.errors import ReleaseNotFound, ReleaseTampered
from factors_db.release import DATA_DIR, PUBLISHED, content_hash, load_release, write_manifest
from registry.accounts.actors import SYSTEM
from tests.services import app_settings

ROOT = Path(__file__).resolve().parents[1]
PV = yaml.safe_load((ROOT / "examples" / "pv_perc_sichuan.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    app = create_app(app_settings(tmp_path_factory.mktemp("trust")))
    reg = app.state.registry
    tokens = {}
    for org_id, role, extra in (("m1", "manufacturer", {}), ("c1", "certifier", {"accreditation_no": "CNCA-T-1"})):
        reg.organisations.create_organisation(SYSTEM, role=role, name_zh=org_id, name_en=org_id, org_id=org_id, **extra)
        tokens[role] = {"Authorization": f"Bearer {reg.organisations.create_token(SYSTEM, org_id)[1]}"}
    with TestClient(app) as client:
        client.tokens = tokens  # type: ignore[attr-defined]
        yield client


def product(api: Any) -> str:
    r = api.post("/api/v1/products", json={"name": "Module", "model": "M-1", "category": "pv_module"},
                 headers=api.tokens["manufacturer"])
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# ------------------------------------------------------------------------------------------ 1. releases by id only
def planted_release(tmp_path: Path, cut: float = 100.0) -> Path:
    """A copy of the default release with every factor cut ``cut`` times and a recomputed, self-consistent
    ``release.json``: what an attacker who can write a folder on the server plants."""
    folder = tmp_path / "2026.3"
    shutil.copytree(DATA_DIR / "2026.3", folder)
    rows = list(csv.DictReader((folder / "factors.csv").open(encoding="utf-8")))
    for row in rows:
        row["value_kg_co2e"] = str(float(row["value_kg_co2e"]) / cut)
    with (folder / "factors.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_manifest(folder, "2026.3", "planted", "2026-12-03")
    return folder


def test_a_planted_release_folder_is_refused_by_the_api_naming_the_field_and_no_path(api, tmp_path):
    folder = planted_release(tmp_path)
    before = api.get("/api/v1/declarations", headers=api.tokens["manufacturer"]).json()
    for release in (str(folder), str(folder) + "/", "../../" + str(folder), "2026.3/../2026.3", "2099.1", ""):
        r = api.post("/api/v1/declarations", json={"product_id": product(api), "spec": PV, "factor_release": release},
                     headers=api.tokens["manufacturer"])
        if release == "":  # empty means the default release
            assert r.status_code == 201, r.text
            continue
        assert r.status_code in (400, 422), (release, r.text)  # 400: the schema (length), 422: the registry
        body = r.json()
        assert body["field"] == "factor_release" and str(tmp_path) not in r.text and "/work" not in r.text
        assert r.status_code == 400 or "published: 2026.1, 2026.2, 2026.3" in body["detail"]
    after = api.get("/api/v1/declarations", headers=api.tokens["manufacturer"]).json()
    assert len(after) == len(before) + 1  # only the default-release declaration was stored


def test_load_release_takes_ids_only_and_checks_the_pinned_hash(tmp_path, monkeypatch):
    folder = planted_release(tmp_path)
    assert content_hash(folder) != PUBLISHED["2026.3"]  # the planted copy is self-consistent, but not published
    with pytest.raises(ReleaseNotFound) as exc:
        load_release(str(folder))
    assert exc.value.field == "factor_release" and str(tmp_path) not in exc.value.message
    # the same copy in place of the bundled folder: its own release.json vouches for it, the pinned hash does not
    monkeypatch.setattr("factors_db.release.DATA_DIR", tmp_path)
    from factors_db.release import _load

    _load.cache_clear()
    try:
        with pytest.raises(ReleaseTampered, match="published content hash"):
            load_release("2026.3")
    finally:
        _load.cache_clear()


def test_every_bundled_release_matches_its_pinned_hash():
    for release_id, sha in PUBLISHED.items():
        manifest = json.loads((DATA_DIR / release_id / "release.json").read_text(encoding="utf-8"))
        assert manifest["sha256"] == sha == content_hash(DATA_DIR / release_id)


# ------------------------------------------------------------------------------------------ 2. what was signed and logged
@pytest.fixture
def issued(tmp_path):
    """A fresh registry with one certified PV label (function scope: each test tampers with its own copy)."""
    app = create_app(app_settings(tmp_path))
    reg = app.state.registry
    from registry.accounts.actors import Actor

    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m1")
    reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="c", name_en="c", org_id="c1",
                                          accreditation_no="CNCA-T-1")
    mk, cert = Actor("m1", "manufacturer", "t"), Actor("c1", "certifier", "t")
    prod = reg.products.create_product(mk, name="Module 410", model="M-410", category="pv_module",
                                       gtin="6901234567892")
    dec = reg.declarations.create_declaration(mk, product_id=prod.id, spec=PV)
    reg.declarations.submit(mk, dec.id)
    record_demo_verification(reg, cert, dec.id)
    label = reg.review.approve(cert, dec.id)
    with TestClient(app) as client:
        yield {"reg": reg, "client": client, "label": label, "cert": cert, "product": prod}


def tamper(reg: Any, sql: str, **params: Any) -> None:
    from sqlalchemy import text
    from sqlmodel import Session

    with Session(reg.engine) as s, s.begin():
        s.execute(text(sql), params)


TAMPERS = {
    "value": ("UPDATE label SET value = '1', value_num = 1 WHERE label_id = :id", "stored value"),
    "revoked-set-active": (None, "status"),
    "validity-extended": ("UPDATE label SET valid_until = '2096-01-01' WHERE label_id = :id", "validity"),
    "product-renamed": ("UPDATE product SET name = 'Greenest module' WHERE id = :pid", "name or model"),
    "gtin-changed": ("UPDATE product SET gtin = '06901234567908' WHERE id = :pid", "GTIN"),
}


@pytest.mark.parametrize("attack", sorted(TAMPERS))
def test_a_tampered_row_is_shown_as_damaged_and_named_by_verify_log(issued, attack):
    reg, client, label = issued["reg"], issued["client"], issued["label"]
    sql, reason = TAMPERS[attack]
    if attack == "revoked-set-active":
        reg.status.revoke(issued["cert"], label.label_id, "test: withdrawn")
        sql = "UPDATE label SET status = 'active', status_reason = '' WHERE label_id = :id"
    assert reg.log.verify_log()["ok"] and sql is not None
    tamper(reg, sql, id=label.label_id, pid=issued["product"].id)
    body = client.get(f"/api/v1/labels/{label.label_id}").json()
    assert body["status"] == "damaged" and body["integrity"]["ok"] is False, body["integrity"]
    assert reason in body["integrity"]["reason"]
    assert body["value"] == label.value  # what was signed, not the edited row
    page = client.get(f"/l/{label.label_id}", headers={"Accept-Language": "en"}).text
    assert "RECORD DAMAGED" in page and ">VALID<" not in page
    report = reg.log.verify_log()
    assert not report["ok"] and any(label.label_id in p and reason in p for p in report["problems"]), report


def test_a_log_cut_back_consistently_is_caught_against_a_checkpoint_seen_earlier(issued):
    from sqlmodel import Session

    from registry.log import store as tlog_store

    reg, label = issued["reg"], issued["label"]
    with Session(reg.engine) as s:
        before_revocation = tlog_store.latest_checkpoint(s)
    assert before_revocation is not None
    reg.status.revoke(issued["cert"], label.label_id, "test: withdrawn")
    seen = reg.log.checkpoint()["note"]  # a witness or a buyer kept this one
    k = before_revocation.size
    # the attacker cuts the revocation off the log (leaves, checkpoints, head) and sets the label active again
    tamper(reg, 'DELETE FROM log_entry WHERE "index" >= :k', k=k)
    tamper(reg, "DELETE FROM checkpoint WHERE size > :k", k=k)
    tamper(reg, "UPDATE log_head SET size = :k, root = :root", k=k, root=before_revocation.root)
    tamper(reg, "UPDATE label SET status = 'active', status_reason = '' WHERE label_id = :id", id=label.label_id)
    # consistent on its own: the replay and the row agree, every checkpoint left verifies
    assert reg.log.verify_log()["ok"]
    report = reg.log.verify_log([seen])
    assert not report["ok"] and any("cut back" in p for p in report["problems"]), report


# ------------------------------------------------------------------------------------------ 7. bad input refused cleanly
@pytest.mark.parametrize("path", ["/api/v1/footprints", "/api/v1/variants", "/api/v1/declarations", "/api/v1/products"])
def test_json_nested_tens_of_thousands_deep_is_a_400_naming_the_body(api, path):
    for body in ("[" * 50_000 + "]" * 50_000, '{"a":' * 30_000 + "1" + "}" * 30_000):
        r = api.post(path, content=body, headers={**api.tokens["manufacturer"], "Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["code"] == "too-deep" and r.json()["field"] == "body", r.text


def test_an_overflowing_footprint_is_refused_before_anything_is_stored(api):
    huge = {"kind": "custom", "category": "component", "identity": {"name": "x"},
            "processes": [{"id": p, "stage": "production", "emissions": {"CO2": 1.7e308}} for p in ("p", "q")]}
    r = api.post("/api/v1/footprints", json=huge)
    assert r.status_code == 422 and r.json()["code"] == "implausible-value", r.text
    pid = api.post("/api/v1/products", json={"name": "Part", "category": "component"},
                   headers=api.tokens["manufacturer"]).json()["id"]
    before = len(api.get("/api/v1/declarations", headers=api.tokens["manufacturer"]).json())
    r = api.post("/api/v1/declarations", json={"product_id": pid, "spec": huge}, headers=api.tokens["manufacturer"])
    assert r.status_code == 422 and r.json()["field"] == "processes", r.text
    assert len(api.get("/api/v1/declarations", headers=api.tokens["manufacturer"]).json()) == before


@pytest.mark.parametrize(("field", "value"), [("model", "M" * 61), ("name", "N" * 121), ("name", "tab\there"),
                                              ("model", " padded")])
def test_product_texts_follow_the_labels_own_limits(api, field, value):
    body = {"name": "Module", "model": "M-1", "category": "pv_module", field: value}
    r = api.post("/api/v1/products", json=body, headers=api.tokens["manufacturer"])
    assert r.status_code in (400, 422) and r.json()["field"] == field, r.text


def test_csv_cells_are_neutralised_and_feed_texts_are_xml(api):
    from api.controllers.public import csv_cell
    from api.pages.feeds import xml_text

    assert [csv_cell(v) for v in ("=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "ok", 3)] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "ok", 3]
    assert xml_text("a\x00b\x1bc\td") == "abc\td"


def test_a_reason_with_control_characters_is_refused(issued):
    from registry.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        issued["reg"].status.suspend(issued["cert"], issued["label"].label_id, "bad\x1b[31m reason")
    assert exc.value.field == "reason"
    issued["reg"].status.suspend(issued["cert"], issued["label"].label_id, "line one\nline two")
    feed = issued["client"].get("/feeds/labels.atom")
    assert feed.status_code == 200
    from xml.etree import ElementTree as ET

    ET.fromstring(feed.content)  # parses


# ------------------------------------------------------------------------------------------ 5. only what is signed
def test_the_printed_label_names_no_other_programme(issued):
    svg = issued["client"].get(f"/api/v1/labels/{issued['label'].label_id}/label.svg").text
    assert "<svg" in svg and "EPEAT" not in svg and "Low carbon solar" not in svg and "低碳光伏" not in svg


# ------------------------------------------------------------------------------------------ 7. sign-in throttling
def test_concurrent_wrong_passwords_are_counted_before_the_hash(tmp_path):
    import threading

    from argon2 import PasswordHasher

    from registry.accounts.people import SignInFailed, TooManyAttempts
    from registry.services import Registry
    from registry.store.db import make_engine

    class Counting(PasswordHasher):
        calls = 0
        lock = threading.Lock()

        def verify(self, hash: Any, password: Any) -> Any:
            with self.lock:
                Counting.calls += 1
            return super().verify(hash, password)

    reg = Registry(make_engine(f"sqlite:///{tmp_path / 'r.db'}"), b"k" * 32,
                   hasher=Counting(time_cost=1, memory_cost=8, parallelism=1))
    reg.init()
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m1")
    reg.accounts.add_person(SYSTEM, org_id="m1", email="a@example.com", password="correct horse battery")
    Counting.calls = 0
    outcomes: list[str] = []

    def guess(i: int) -> None:
        try:
            reg.accounts.sign_in("a@example.com", f"wrong {i}", address=f"10.0.0.{i}")
        except TooManyAttempts:
            outcomes.append("throttled")
        except SignInFailed:
            outcomes.append("failed")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counting.calls == 5 and outcomes.count("failed") == 5 and outcomes.count("throttled") == 15


def test_one_access_line_per_request_with_secrets_redacted(api, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="pcf.access"):
        api.get("/api/v1/labels", params={"q": "module", "access_token": "s3cr3t-t0ken", "client_secret": "xyz"},
                headers={"X-Forwarded-For": "203.0.113.9"})
    lines = [r.getMessage() for r in caplog.records if r.name == "pcf.access"]
    assert len(lines) == 1, lines
    assert "s3cr3t-t0ken" not in lines[0] and "xyz" not in lines[0] and "access_token=[redacted]" in lines[0]
    assert "q=module" in lines[0] and " 200 " in lines[0] and "203.0.113.9" not in lines[0]


def test_the_database_file_is_private(tmp_path):
    import stat

    from registry.store.db import make_engine

    make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}").dispose()
    assert stat.S_IMODE((tmp_path / "p.sqlite").stat().st_mode) == 0o600


def test_opening_the_database_again_never_opens_and_closes_its_file(tmp_path, monkeypatch):
    # Closing any descriptor of a file drops every POSIX lock this process holds on it: a second engine over a
    # database in use (pcf serve opens one, then the app another) must not open the file itself, or SQLite's
    # locks go and another process may delete the WAL under the server (seen with make run).
    import os

    from registry.store.db import make_engine

    url = f"sqlite:///{tmp_path / 'q.sqlite'}"
    first = make_engine(url)
    opened: list[str] = []
    real_open = os.open
    def recording_open(path: Any, *a: Any, **kw: Any) -> int:
        opened.append(str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "open", recording_open)
    make_engine(url, migrate=False).dispose()
    first.dispose()
    assert str(tmp_path / "q.sqlite") not in opened


@pytest.mark.parametrize(("proxies", "headers", "allowed"), [("", False, ""), ("10.0.0.5", True, "10.0.0.5")])
def test_x_forwarded_for_is_believed_only_from_configured_proxies(tmp_path, monkeypatch, proxies, headers, allowed):
    import uvicorn
    from typer.testing import CliRunner

    from api.cli import app as cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    app_settings(tmp_path)  # the key file
    env = {"PCF_DATA_DIR": str(tmp_path), "PCF_TRUSTED_PROXIES": proxies}
    out = CliRunner().invoke(cli, ["serve", "--port", "8123"], env=env)
    assert out.exit_code == 0, out.output
    assert (seen["proxy_headers"], seen["forwarded_allow_ips"]) == (headers, allowed)
    assert "public base URL http://127.0.0.1:8123" in out.output and "names this machine only" in out.output


# ------------------------------------------------------------------------------------------ 7. factor imports bounded
def test_a_huge_csv_and_an_xlsx_bomb_are_refused_before_parsing(tmp_path):
    import zipfile

    from factors_db.errors import InvalidFactor
    from factors_db.importers import COLUMNS, MAX_ROWS, read_table

    big = tmp_path / "big.csv"
    row = "f{},name,component,kg,1,,cradle-to-gate,CN,2024,,src,CC0,,,,,,,\n"
    big.write_text(",".join(COLUMNS) + "\n" + "".join(row.format(i) for i in range(MAX_ROWS + 10)), encoding="utf-8")
    with pytest.raises(InvalidFactor, match="more than 50,000 rows"):
        read_table(big)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z, \
            z.open("xl/worksheets/sheet1.xml", "w") as member:
        for _ in range(120):
            member.write(b"0" * (1 << 20))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(InvalidFactor, match="expands to"):
        read_table(bomb)
    not_a_table = tmp_path / "other.csv"
    not_a_table.write_text("a,b\n" + "1,2\n" * 1000, encoding="utf-8")
    with pytest.raises(InvalidFactor, match="missing columns"):
        read_table(not_a_table)


# ------------------------------------------------------------------------------------------ 3. witnesses
def test_a_witness_cosigns_what_extends_its_view_and_catches_a_rewritten_log(issued, tmp_path):
    from typer.testing import CliRunner

    from api.cli import app as cli
    from tests.services import serve_in_thread

    reg, client, cert = issued["reg"], issued["client"], issued["cert"]
    state = tmp_path / "witness"

    def witness(base: str) -> Any:
        return CliRunner().invoke(cli, ["log", "witness", "--registry", base, "--state", str(state),
                                        "--name", "witness.example/w1"])

    with serve_in_thread(client.app) as base:
        first = witness(base)
        assert first.exit_code == 3 and "pcf log add-witness witness.example/w1+" in first.output, first.output
        vkey = first.output.split("pcf log add-witness ", 1)[1].split()[0].rstrip("`")
        reg.witnesses.add_witness(SYSTEM, vkey)
        again = witness(base)
        assert again.exit_code == 0 and "cosigned (new)" in again.output, again.output
        cp = client.get("/api/v1/log/checkpoint").json()
        assert len(cp["cosignatures"]) == 1 and cp["cosigned_note"].endswith(cp["cosignatures"][0] + "\n")
        label_id = issued["label"].label_id
        assert client.get(f"/api/v1/labels/{label_id}/proof").json()["witnesses"] == 1
        assert client.get(f"/api/v1/labels/{label_id}").json()["log"]["witnesses"] == 1

        # the log grows: the witness checks the consistency proof and cosigns again
        reg.status.suspend(cert, label_id, "survey due")
        assert witness(base).exit_code == 0
        seen_size = client.get("/api/v1/log/checkpoint").json()["tree_size"]

        # the registry rewrites its history (cut back, then new leaves past the old size): refused, with evidence
        from sqlmodel import Session

        from registry.log import store as tlog_store

        with Session(reg.engine) as s:
            keep = tlog_store.checkpoint_at(s, seen_size - 1)
        assert keep is not None
        tamper(reg, 'DELETE FROM log_entry WHERE "index" >= :k', k=seen_size - 1)
        tamper(reg, "DELETE FROM log_node", k=0)
        tamper(reg, "DELETE FROM cosignature WHERE size >= :k", k=seen_size - 1)
        tamper(reg, "DELETE FROM checkpoint WHERE size >= :k", k=seen_size - 1)
        from sqlmodel import col, select

        from registry.store.tables import LogEntry, LogHead, LogNode
        from registry.trust import tlog

        with Session(reg.engine) as s, s.begin():  # the nodes and head of the shortened log, made consistent
            mem = tlog.MemoryNodes()
            for e in s.exec(select(LogEntry).order_by(col(LogEntry.index))):
                for level, index, h in tlog.nodes_to_store(e.index, e.leaf_hash, mem):
                    s.add(LogNode(level=level, index=index, hash=h))
                mem.put_nodes(tlog.nodes_to_store(e.index, e.leaf_hash, mem))
            head = s.get(LogHead, 1)
            assert head is not None
            head.size, head.root = seen_size - 1, tlog.root_hash(seen_size - 1, mem)
            s.add(head)
        tamper(reg, "UPDATE label SET status = 'active', status_reason = '' WHERE label_id = :id", id=label_id)
        reg.status.suspend(cert, label_id, "a different history")  # a new leaf where the seen tree had another
        refused = witness(base)
        assert refused.exit_code == 1 and "REFUSED: the registry shows another tree of the same size" in refused.output
        reg.status.reinstate(cert, label_id, "and more")  # the rewritten log grows past what the witness saw
        refused = witness(base)
        assert refused.exit_code == 1 and "does not extend the tree" in refused.output, refused.output
        assert (state / "split-view.json").exists()


def test_cosignatures_from_unknown_witnesses_or_that_do_not_verify_are_refused(issued):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.log.witnesses import checkpoint_body
    from registry.trust.tlog import cosign

    reg, client = issued["reg"], issued["client"]
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cp = client.get("/api/v1/log/checkpoint").json()
    line = cosign.cosign(checkpoint_body(cp["note"]), "w.example/2", key, 1_796_000_000)
    body = {"witness": "w.example/2", "size": cp["tree_size"], "cosignature": line}
    r = client.post("/api/v1/log/cosignatures", json=body)
    assert r.status_code == 404 and r.json()["field"] == "witness"
    reg.witnesses.add_witness(SYSTEM, cosign.witness_vkey("w.example/2", cosign.raw_public(key.public_key())))
    forged = cosign.cosign(checkpoint_body(cp["note"]), "w.example/2", other, 1_796_000_000)
    r = client.post("/api/v1/log/cosignatures", json={**body, "cosignature": forged})
    assert r.status_code == 422 and r.json()["field"] == "cosignature"
    r = client.post("/api/v1/log/cosignatures", json={**body, "size": cp["tree_size"] + 5})
    assert r.status_code == 404 and r.json()["field"] == "size"
    assert client.post("/api/v1/log/cosignatures", json=body).json()["accepted"] == "new"
    assert client.get("/api/v1/log/checkpoint").json()["cosignatures"] == [line]


def test_a_custom_product_file_on_the_calculator_gives_its_result(api):
    custom = ("kind: custom\ncategory: component\nidentity: {name: x}\nprocesses:\n  - id: p\n    stage: production\n"
              "    emissions: {CO2: 1}\n")
    r = api.post("/calculate", files={"product_file": ("p.yaml", custom)}, headers={"Accept-Language": "en"})
    assert r.status_code == 200 and "1.00 kg CO₂e" in " ".join(r.text.split()), r.text[-500:]


def test_open_data_exports_show_the_signed_value_and_a_damaged_row(issued):
    import csv
    import io

    reg, client, label = issued["reg"], issued["client"], issued["label"]
    tamper(reg, "UPDATE label SET value = '1', value_num = 1 WHERE label_id = :id", id=label.label_id)
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/labels.csv").text)))
    row = next(r for r in rows if r["label_id"] == label.label_id)
    assert (row["value"], row["status"]) == (label.value, "damaged")
    line = json.loads(client.get("/open-data/labels.jsonl").text.splitlines()[0])
    assert (line["value"], line["status"]) == (label.value, "damaged")


@pytest.mark.parametrize("category", ["\r", " ", "\t"])
def test_a_blank_category_in_compare_is_a_clean_4xx_not_a_hang(api, category):
    r = api.get("/api/v1/compare", params={"category": category})
    assert r.status_code in (400, 422) and r.json()["field"] == "category", r.text


def test_the_log_keeps_its_origin_when_the_base_url_changes(tmp_path):
    # make run on another port, or a new PCF_BASE_URL: the log keeps the name its checkpoints were signed with
    from api.runtime import open_registry
    from registry.accounts.actors import Actor

    first = open_registry(app_settings(tmp_path, base_url="https://first.example"))
    first.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m1")
    first.products.create_product(Actor("m1", "manufacturer", "t"), name="P", category="pv_module")
    assert first.log.checkpoint()["origin"] == "first.example/log"
    again = open_registry(app_settings(tmp_path, base_url="https://second.example"))
    assert again.ctx.origin == "first.example/log" and again.log.checkpoint()["origin"] == "first.example/log"
    report = again.log.verify_log()
    assert report["ok"], report["problems"]
