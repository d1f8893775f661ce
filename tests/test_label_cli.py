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
