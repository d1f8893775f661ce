"""A label as a person uses it: render a PNG from the registry, read its QR code with zxing-cpp, verify offline."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.demo import seed_demo
from api.runtime import open_registry
from label import decode_qr_image
from tests.services import app_settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labels")
    settings = app_settings(folder, base_url="https://pcf.example.cn")
    reg = open_registry(settings)
    credentials = seed_demo(reg)
    trust = folder / "trust.json"
    trust.write_text(json.dumps(reg.keys.trust_list()), encoding="utf-8")
    env = {"PCF_DATA_DIR": str(folder), "PCF_BASE_URL": "https://pcf.example.cn"}
    return folder, env, credentials["labels"], trust


def run(env, *args):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize(("which", "path"), [("active", "/01/06901234567892#PCF2."),
                                             ("supplier", "/l/CD-PCF-2026-"),
                                             ("active_monitor", "/01/06901234567908#PCF2.")])
def test_png_decodes_to_a_registry_url_whose_payload_verifies_offline(demo, which, path):
    folder, env, labels, trust = demo
    png = folder / f"{which}.png"
    out = run(env, "label", "render", labels[which], "--format", "png", "-o", str(png))
    assert out.exit_code == 0, out.output
    (content,) = decode_qr_image(png)
    assert content.startswith("https://pcf.example.cn" + path)
    out = run(env, "verify", str(png), "--trust-list", str(trust), "--json")
    assert out.exit_code == 0, out.output
    verdict = json.loads(out.output)
    assert verdict["valid"] and verdict["claim"]["label_id"] == labels[which]
    # one changed digit of the payload: invalid, with a reason, exit 1
    head, digits = content.split("#PCF2.")
    flipped = head + "#PCF2." + digits[:40] + str((int(digits[40]) + 1) % 10) + digits[41:]
    out = run(env, "verify", flipped, "--trust-list", str(trust))
    assert out.exit_code == 1 and out.output.startswith("INVALID: ")


def test_svg_and_pdf_render_and_a_revoked_label_still_renders_with_its_status(demo):
    folder, env, labels, _ = demo
    out = run(env, "label", "render", labels["revoked"], "--format", "svg", "-o", str(folder / "r.svg"))
    assert out.exit_code == 0, out.output
    svg = (folder / "r.svg").read_text(encoding="utf-8")
    assert labels["revoked"] in svg and "<svg" in svg
    out = run(env, "label", "render", labels["active"], "--format", "pdf", "-o", str(folder / "a.pdf"))
    assert out.exit_code == 0 and (folder / "a.pdf").read_bytes().startswith(b"%PDF")
    out = run(env, "label", "render", "CD-PCF-2026-999999", "--format", "pdf", "-o", str(folder / "x.pdf"))
    assert out.exit_code == 2 and out.output.count("\n") == 1 and "not-found" in out.output


def test_proof_bundle_verifies_offline_and_a_tampered_one_does_not(demo):
    folder, env, labels, trust = demo
    bundle = folder / "proof.json"
    assert run(env, "registry", "proof", labels["active"], "-o", str(bundle)).exit_code == 0
    out = run(env, "verify", str(bundle), "--trust-list", str(trust))
    assert out.exit_code == 0 and out.output.startswith("VALID"), out.output
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["log"]["leaf_index"] += 1
    bundle.write_text(json.dumps(data), encoding="utf-8")
    out = run(env, "verify", str(bundle), "--trust-list", str(trust))
    assert out.exit_code == 1 and out.output.startswith("INVALID")


# ------------------------------------------------------------------------------ honest offline verification (#16)
def payload_of(demo, which: str) -> str:
    folder, env, labels, _ = demo
    png = folder / f"{which}-honest.png"
    assert run(env, "label", "render", labels[which], "--format", "png", "-o", str(png)).exit_code == 0
    (content,) = decode_qr_image(png)
    return str(content)


@pytest.fixture(scope="module")
def status_list(demo):
    folder, _env, _, _ = demo
    path = folder / "status.json"
    reg = open_registry(app_settings(folder, base_url="https://pcf.example.cn"))
    path.write_text(json.dumps(reg.log.status_list()), encoding="utf-8")
    return path


@pytest.mark.parametrize(("which", "with_list", "verdict", "checked", "code"), [
    ("active", True, "valid", True, 0),
    ("active", False, "valid", False, 0),
    ("revoked", True, "revoked", True, 1),
    ("revoked", False, "valid", False, 0),  # genuine and in its validity: but it says status was not checked
    ("suspended", True, "suspended", True, 1),
    ("superseded", True, "superseded", True, 1),
])
def test_verify_says_what_it_checked(demo, status_list, which, with_list, verdict, checked, code):
    _folder, env, labels, trust = demo
    args = ["verify", payload_of(demo, which), "--trust-list", str(trust), "--json"]
    out = run(env, *args, *(["--status-list", str(status_list)] if with_list else []))
    assert out.exit_code == code, out.output
    got = json.loads(out.output)
    assert (got["signature"], got["verdict"], got["status_checked"]) == ("genuine", verdict, checked)
    if with_list:
        assert got["status_list_date"] == json.loads(status_list.read_text())["date"]
    else:
        assert got["status_list_date"] is None and "status not checked" in got["reason"]
    assert got["claim"]["label_id"] == labels[which]


def test_verify_on_a_date_after_the_validity_says_expired_and_a_bad_payload_invalid(demo, status_list):
    _folder, env, _labels, trust = demo
    text = payload_of(demo, "active")
    out = run(env, "verify", text, "--trust-list", str(trust), "--status-list", str(status_list), "--at", "2099-01-01",
              "--json")
    got = json.loads(out.output)
    assert out.exit_code == 1 and got["verdict"] == "expired" and got["signature"] == "genuine"
    out = run(env, "verify", text, "--trust-list", str(trust), "--at", "2020-01-01", "--json")
    assert out.exit_code == 1 and json.loads(out.output)["verdict"] == "not-yet-valid"
    head, digits = text.split("#PCF2.")
    flipped = head + "#PCF2." + digits[:40] + str((int(digits[40]) + 1) % 10) + digits[41:]
    got = json.loads(run(env, "verify", flipped, "--trust-list", str(trust), "--json").output)
    assert (got["signature"], got["verdict"], got["status_checked"]) == ("invalid", "invalid", False)
    out = run(env, "verify", text, "--at", "not-a-date", "--trust-list", str(trust))
    assert out.exit_code == 2 and "invalid-date" in out.output


def test_a_payload_of_any_length_is_an_argument_not_a_file_name(demo):
    _folder, env, _, trust = demo
    text = payload_of(demo, "active").split("#", 1)[1]  # the bare payload, as the README shows it
    assert len(text) > 255
    out = run(env, "verify", text, "--trust-list", str(trust))
    assert out.exit_code == 0 and out.output.startswith("VALID"), out.output
    assert "status not checked" in out.output


def test_a_forged_status_list_is_not_used(demo, status_list):
    folder, env, labels, trust = demo
    forged = json.loads(status_list.read_text())
    forged["labels"].pop(labels["revoked"])
    path = folder / "forged-status.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    out = run(env, "verify", payload_of(demo, "revoked"), "--trust-list", str(trust), "--status-list", str(path),
              "--json")
    got = json.loads(out.output)
    assert got["status_checked"] is False and "bad-signature" in got["reason"], got


def test_the_api_serves_the_signed_status_list(demo):
    from litestar.testing import TestClient

    from api.app import create_app
    from registry.trust import statuslist
    from registry.trust.payload import TrustList

    folder, _, labels, _ = demo
    with TestClient(create_app(app_settings(folder, base_url="https://pcf.example.cn"))) as client:
        doc = client.get("/api/v1/status-list").json()
        trust = TrustList.from_json(client.get("/api/v1/trust-list").json())
    opened = statuslist.open_list(doc, trust)
    assert opened.valid, opened.reason
    assert {labels[k]: opened.status_of(labels[k]) for k in ("active", "revoked", "suspended", "superseded")} == {
        labels["active"]: "active", labels["revoked"]: "revoked", labels["suspended"]: "suspended",
        labels["superseded"]: "superseded"}
