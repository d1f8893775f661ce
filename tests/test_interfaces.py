"""The command line, the API and the package boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from tests.services import app_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PCF_DATA_DIR", str(tmp_path))
    return app_settings(tmp_path)


def test_cli_search_json_and_footprint_json(settings):
    runner = CliRunner()
    out = runner.invoke(cli, ["factors", "search", "四川", "--year", "2023", "--json"])
    assert out.exit_code == 0, out.output
    first = json.loads(out.output)[0]
    assert first["value_kg_co2e"] == "0.1564" and first["source"].startswith("MEE/NBS")
    out = runner.invoke(cli, ["footprint", str(ROOT / "examples" / "pv_topcon_china_average.yaml"), "--json",
                              "--mc", "200", "--seed", "3"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    for key in ("total_kg_co2e", "declared_unit", "per_kwp_kg_co2e", "per_kwh_g_co2e", "stages", "gases",
                "contributions", "factor_release", "input_sha256", "method"):
        assert key in data
    assert set(data["stages"]) == {"raw_materials", "production", "distribution", "use", "end_of_life"}


def test_cli_errors_are_one_line(settings, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: pv_module\nname: x\nrated_power_wp: 400\narea_m2: 2000000\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["footprint", str(bad)])
    assert out.exit_code == 2 and out.output.count("\n") == 1 and "area_m2" in out.output


@pytest.mark.parametrize("command", [[], ["factors"], ["db"], ["factors", "search"], ["factors", "show"],
                                     ["factors", "import"], ["factors", "export"], ["factors", "releases"],
                                     ["footprint"], ["variants"], ["serve"], ["db", "load"], ["registry"],
                                     ["registry", "init"], ["registry", "org"], ["registry", "token"],
                                     ["registry", "revoke-token"], ["registry", "rotate-key"], ["registry", "revoke-key"],
                                     ["registry", "verify-log"], ["registry", "proof"], ["registry", "trust-list"],
                                     ["demo"], ["demo", "seed"], ["label"], ["label", "render"], ["verify"],
                                     ["pact"], ["pact", "client", "add"], ["pact", "client", "revoke"],
                                     ["pact", "partner", "add"], ["pact", "events"], ["registry", "person"],
                                     ["registry", "person", "add"]])
def test_every_command_has_help(command):
    out = CliRunner().invoke(cli, [*command, "--help"])
    assert out.exit_code == 0 and "Usage" in out.output


def test_api_search_footprint_and_problem_details(settings):
    with TestClient(create_app(settings)) as client:
        r = client.get("/api/v1/factors", params={"q": "四川", "year": 2023})
        assert r.status_code == 200 and r.json()[0]["id"] == "cn.grid.co2_average.CN-SC.2023"
        r = client.get("/api/v1/factors/nope.nothing")
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
        doc = {"kind": "monitor", "name": "m", "screen_diagonal_inch": 23.8, "mass_kg": 6.7,
               "annual_energy_kwh": 35.8, "lifetime_years": 6, "use_region": "CN-SC"}
        r = client.post("/api/v1/footprints", json=doc)
        assert r.status_code == 200 and r.json()["stages"]["use"] == pytest.approx(35.8 * 6 * 0.1564, rel=1e-6)
        r = client.post("/api/v1/footprints", json=doc, params={"mc": 10, "seed": -1})
        assert r.status_code == 400 and r.json()["field"] == "seed"  # documented range: 0 <= seed < 2**32
        r = client.post("/api/v1/footprints", json={**doc, "mass_kg": -1})
        body = r.json()
        assert r.status_code == 422 and body["path"] == "mass_kg" and "Traceback" not in r.text


def test_unexpected_error_is_a_bare_500(settings):
    from litestar import get

    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    app = create_app(settings)
    app.register(boom)
    with TestClient(app) as client:
        r = client.get("/boom")
    assert r.status_code == 500 and "secret" not in r.text and r.json()["code"] == "internal-error"


def test_unreadable_files_are_one_line_errors(settings, tmp_path):
    garbage = bytes(range(128, 256)) * 3
    runner = CliRunner()
    for name, args, code in [
        ("x.csv", ["factors", "import"], "invalid-factor"),
        ("x.xlsx", ["factors", "import"], "invalid-factor"),
        ("x.csv", ["factors", "import", "--format", "cpcd"], "invalid-factor"),
        ("x.csv", ["factors", "import", "--format", "json"], "invalid-factor"),
        ("x.yaml", ["footprint"], "invalid-specification"),
    ]:
        path = tmp_path / name
        path.write_bytes(garbage)
        out = runner.invoke(cli, [*args[:2], str(path), *args[2:]] if args[0] == "factors" else [*args, str(path)])
        assert out.exit_code == 2, (name, args, out.output)
        assert out.output.startswith(f"error [{code}]: ") and out.output.count("\n") == 1, out.output
    (tmp_path / "broken.yaml").write_text("x: [1\n", encoding="utf-8")
    out = runner.invoke(cli, ["footprint", str(tmp_path / "broken.yaml")])
    assert out.exit_code == 2 and out.output.count("\n") == 1 and "line 2" in out.output


def test_missing_factor_hint_lists_each_close_id_once(settings):
    from factors_db.errors import FactorNotFound
    from factors_db.store import get_factor, load_bundled, make_engine

    engine = make_engine("sqlite://")
    load_bundled(engine)  # two bundled releases hold the same grid ids
    with pytest.raises(FactorNotFound) as err:
        get_factor(engine, "cn.grid.co2_average.CN-SC.2099")
    hint = err.value.message.split("similar: ")[1].split(", ")
    assert hint == sorted(set(hint)) and "cn.grid.co2_average.CN-SC.2023" in hint


def test_release_ids_sort_as_versions():
    from factors_db.release import release_order

    assert sorted(["2026.10", "2026.2", "2027.1", "2026.2a"], key=release_order) == [
        "2026.2", "2026.10", "2026.2a", "2027.1"]


def test_every_command_in_the_readme_exists():
    import re

    import click
    import typer.main

    root = typer.main.get_command(cli)
    lines = [ln.strip() for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
             if ln.strip().startswith("pcf ")]
    assert len(lines) >= 15
    for line in lines:
        cmd: Any = root
        for word in line.split()[1:]:
            if not isinstance(cmd, click.Group) or not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            sub = cmd.get_command(click.Context(cmd), word)
            assert sub is not None, f"README names `{line}`, but `{word}` is not a command"
            cmd = sub
        assert not isinstance(cmd, click.Group), f"README line `{line}` names a group, not a command"
