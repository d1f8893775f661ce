"""The bundled release, the importers and the database."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from factors_db.errors import ImportFailed, InvalidFactor, ReleaseTampered
from factors_db.grid import grid_factor
from factors_db.importers import factor_from_row, read_cpcd, read_table, write_table
from factors_db.release import DATA_DIR, bundled_releases, content_hash, load_release, open_release_folder
from factors_db.store import SearchQuery, get_factor, import_report, load_bundled, make_engine, search
from factors_db.units import parse_cpcd_value
from footprint.errors import GridFactorMissing

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference not beside the repo")


@pytest.fixture
def engine():
    e = make_engine("sqlite://")
    load_bundled(e)
    return e


@pytest.mark.parametrize("release_id", bundled_releases())
def test_release_has_300_sourced_factors_and_matching_hash(release_id):
    release = load_release(release_id)
    assert len(release.factors) >= 300
    assert all(f.source and f.licence for f in release.factors)
    assert content_hash(release.path) == release.sha256


def test_newer_release_changes_only_what_its_notes_say():
    import re

    old = {f.id: f for f in load_release("2026.1").factors}
    release = load_release("2026.2")
    new = {f.id: f for f in release.factors}
    notes = (release.path / "RELEASE_NOTES.md").read_text(encoding="utf-8").splitlines()
    added = next(line for line in notes if line.startswith("- Added factors"))
    assert set(new) - set(old) == set(re.findall(r"`([^`]+)`", added))
    assert set(old) <= set(new) and all(new[k] == old[k] for k in old)


@needs_reference
def test_every_official_electricity_row_is_in_the_release():
    release = {f.id: f for f in load_release().factors}
    with (REFERENCE / "cn_electricity_factors.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 142
    for row in rows:
        f = release[f"cn.grid.{row['series']}.{row['region']}.{row['year']}"]
        assert f.value_kg_co2e == Decimal(row["kg_per_kwh"]) and f.source == row["source"]


def test_newer_release_leaves_old_result_unchanged(tmp_path):
    from factors_db.release import write_manifest
    from footprint.calculate import calculate
    from footprint.model import Identity, Input, Process, ProductSpec

    newer = tmp_path / "2099.1"
    shutil.copytree(DATA_DIR / "2026.1", newer)
    text = (newer / "factors.csv").read_text(encoding="utf-8")
    # Primary aluminium 20.3 -> 10.15 kg CO2e/kg in the newer release only.
    (newer / "factors.csv").write_text(text.replace(",kg,20.3,", ",kg,10.15,"), encoding="utf-8")
    write_manifest(newer, "2099.1", "test", "2099-01-01")
    spec = ProductSpec(identity=Identity(name="frame"), processes=(Process(
        id="p", stage="production", inputs=(Input(factor="cpcd.41431X0102018C", amount=2, unit="kg"),)),))
    old = calculate(spec, load_release("2026.1").factor_set())
    new = calculate(spec, open_release_folder(newer).factor_set())
    again = calculate(spec, load_release("2026.1").factor_set())
    assert old.total_kg_co2e == pytest.approx(2 * 20.3) == pytest.approx(again.total_kg_co2e)
    assert new.total_kg_co2e == pytest.approx(2 * 10.15)
    assert old.factor_release != new.factor_release and old.input_sha256 == new.input_sha256


def test_tampered_release_is_refused(tmp_path):
    copy = tmp_path / "2026.1"
    shutil.copytree(DATA_DIR / "2026.1", copy)
    with (copy / "factors.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n")
    with pytest.raises(ReleaseTampered):
        open_release_folder(copy)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("7.4tCO2e / 公吨", "7.4", "kg"),
    ("0.1564kgCO2e / 千瓦时", "0.1564", "kWh"),
    ("75gCO2e / 公吨·公里", "0.075", "t*km"),
    ("98tCO2e / 兆瓦时", "98", "kWh"),      # 98 t/MWh = 98 kg/kWh
    ("5tCO2e / 兆瓦", "5", "kW"),
    ("16kgCO2e / 峰值千瓦", "16", "kW"),
    ("25kgCO2e / 升", "25000", "m3"),
])
def test_cpcd_units(text, value, unit):
    parsed = parse_cpcd_value(text)
    assert parsed.value_kg_co2e == Decimal(value) and parsed.unit == unit


@needs_reference
def test_cpcd_import_reports_every_row_and_flags_thousandfold_errors():
    report = read_cpcd(REFERENCE / "cpcd_factors_copy.csv")
    assert len(report.rows) == 3983
    by_id = {r.id: r for r in report.rows}
    for cpcd_id in ("41431X0012011A", "41431X0032011A", "41431X0052016A", "15200X0402022A"):
        outcome = by_id[f"cpcd.{cpcd_id}"]
        assert outcome.status == "flagged" and ("1,000" in outcome.reason or "implausible" in outcome.reason)
    assert by_id["cpcd.41431X0102018C"].status == "accepted"  # 20300 kg/t primary aluminium reads fine
    assert report.count("rejected") > 0 and all(r.reason for r in report.rows if r.status != "accepted")


def test_own_format_errors_name_file_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    good = (DATA_DIR / "curated" / "curated.csv").read_text(encoding="utf-8").splitlines()
    header, first = good[0], good[1]
    bad.write_text("\n".join([header, first, first.replace("pv.mg_silicon", "pv.mg2"),
                              first.replace("pv.mg_silicon", "pv.x").replace(",kg,", ",bananas,")]) + "\n",
                   encoding="utf-8")
    report = read_table(bad)
    statuses = [r.status for r in report.rows]
    assert statuses == ["accepted", "accepted", "rejected"]
    assert "unit" in report.rows[2].reason
    with pytest.raises(InvalidFactor, match=r"x.csv, row 3, column 'value_kg_co2e'"):
        factor_from_row({"id": "a.b", "name_zh": "x", "category": "material", "unit": "kg", "value_kg_co2e": "12..5",
                         "boundary": "cradle-to-gate", "geography": "CN", "year": "2020", "source": "s s",
                         "licence": "public"}, file="x.csv", line=3)


def test_failed_import_writes_nothing(engine, tmp_path):
    path = tmp_path / "mine.csv"
    shutil.copy(DATA_DIR / "curated" / "curated.csv", path)
    report = read_table(path)
    assert import_report(engine, report, release_id="mine") == len(report.factors)
    with pytest.raises(ImportFailed):
        import_report(engine, report, release_id="mine")  # every id exists already: refused whole
    assert len(search(engine, SearchQuery("", release="mine", limit=500))) == len(report.factors)


def test_search_sichuan_2023_and_national_lifecycle_2024(engine):
    found = search(engine, SearchQuery("四川", year=2023))
    assert next((f.id, f.value_kg_co2e) for f in found) == ("cn.grid.co2_average.CN-SC.2023", Decimal("0.1564"))
    national = search(engine, SearchQuery("全国 电力碳足迹", year=2024))[0]
    assert national.value_kg_co2e == Decimal("0.5777") and national.series == "cfp_grid_average"
    english = search(engine, SearchQuery("national grid life cycle", year=2024, category="electricity"))
    assert english[0].id == "cn.grid.cfp_grid_average.CN.2024"
    assert get_factor(engine, "cn.grid.co2_average.CN-SC.2023").geography == "CN-SC"


def test_grid_factor_lookup_and_fallback():
    assert grid_factor("CN-SC", 2023).value_kg_co2e == pytest.approx(0.1564)
    assert grid_factor("CN-GRID-SOUTHWEST", 2023).value_kg_co2e == pytest.approx(0.2472)
    with pytest.raises(GridFactorMissing, match="co2_average 2023"):
        grid_factor("CN-SC", 2024)
    lookup = grid_factor("CN-SC", 2024, "cfp_grid_average", fallback_to_national=True)
    assert lookup.value_kg_co2e == pytest.approx(0.5777) and lookup.fallback and "CN-SC" in lookup.fallback


def test_xlsx_round_trip_gives_the_same_factors(tmp_path):
    # export the curated rows as XLSX, read them back: every field of every factor survives
    csv_report = read_table(DATA_DIR / "curated" / "curated.csv")
    write_table(csv_report.factors, tmp_path / "curated.xlsx")
    xlsx_report = read_table(tmp_path / "curated.xlsx")
    assert [r.status for r in xlsx_report.rows] == ["accepted"] * len(csv_report.factors)
    assert xlsx_report.factors == csv_report.factors


def test_an_exchange_law_round_trips_through_the_table(tmp_path):
    from factors_db.importers import factor_to_row, read_table, write_table
    from factors_db.release import load_release

    siemens = next(f for f in load_release("2026.3").factors if f.id == "pv.polysilicon.siemens.v2")
    row = factor_to_row(siemens)
    assert row["exchanges"].startswith("electricity=70 kWh triangular(66.5,72);heat.cn.purchased.gbt32150=70 MJ ")
    write_table([siemens], tmp_path / "f.csv")
    back = read_table(tmp_path / "f.csv").factors[0]
    assert back == siemens and back.to_engine().exchanges[0].law is not None
