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
