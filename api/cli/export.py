"""``pcf export``: a certified label in the formats read abroad (ILCD+EPD for European EPD programmes and
databases, openEPD for EC3, and for batteries the EU Annex II carbon-footprint declaration and the battery
passport's carbon-footprint part). Thin wrappers over :mod:`registry.interop.ilcd`, :mod:`registry.interop.openepd`
and :mod:`registry.interop.batterypass`; the same files as ``GET /api/v1/labels/{id}/ilcd.xml``, ``.../openepd.json``,
``.../eu-declaration.json`` and ``.../battery-pass.json``. The battery commands also take a battery product file,
computed on the spot and marked as not certified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from api.cli.registry import DB_OPTION, _registry, settings_for
from factors_db.release import DEFAULT_RELEASE

if TYPE_CHECKING:
    from registry.interop.batterypass import BatteryFacts

export_app = typer.Typer(help="Export a certified label: ILCD+EPD XML, openEPD JSON, battery declarations (JSON).",
                         no_args_is_help=True)


def _done(label_id: str, output: Path, status: str) -> None:
    note = "" if status == "active" else f" (label {status}: the file says so)"
    typer.echo(f"{label_id} written to {output}{note}")


@export_app.command("ilcd")
def export_ilcd(
    label_id: str,
    output: Path = typer.Option(..., "-o", "--output", help="The XML file to write"),
    db: str | None = DB_OPTION,
) -> None:
    """Write a label as an ILCD+EPD v1.3 process data set (XML, valid against the official schemas)."""
    from registry.interop.ilcd import process_xml

    certified = _registry(db).exports.certified_label(label_id, settings_for(db).base_url)
    output.write_bytes(process_xml(certified))
    _done(label_id, output, certified.status)


@export_app.command("openepd")
def export_openepd(
    label_id: str,
    output: Path = typer.Option(..., "-o", "--output", help="The JSON file to write"),
    db: str | None = DB_OPTION,
) -> None:
    """Write a label as an openEPD document (JSON that loads in the openepd package's models)."""
    from registry.interop.openepd import epd_document

    certified = _registry(db).exports.certified_label(label_id, settings_for(db).base_url)
    output.write_text(json.dumps(epd_document(certified), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _done(label_id, output, certified.status)


RELEASE_OPTION = typer.Option(DEFAULT_RELEASE, "--release", help="Factor release for a product file")


def _battery(target: str, db: str | None, release: str) -> BatteryFacts:
    """A certified label's battery facts, or those of a battery product file computed now (not certified)."""
    from registry.interop.batterypass import BatteryFacts

    path = Path(target)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.is_file():
        from api.documents import read_document
        from factors_db.release import factor_set
        from footprint.calculate import calculate
        from footprint.products import to_spec

        document = read_document(path)
        factors = factor_set(release)
        return BatteryFacts.of_file(calculate(to_spec(document, factors), factors), document)
    return BatteryFacts.of_label(_registry(db).exports.certified_label(target, settings_for(db).base_url))


def _write_battery(facts: BatteryFacts, doc: dict[str, Any], target: str, output: Path) -> None:
    output.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not facts.certified:
        typer.echo(f"{target} computed and written to {output} (NOT CERTIFIED: no label, no public study)")
    else:
        _done(target, output, str(facts.status))


@export_app.command("battery-pass")
def export_battery_pass(
    target: str = typer.Argument(..., metavar="LABEL_ID|FILE", help="A battery label id, or a battery product file"),
    output: Path = typer.Option(..., "-o", "--output", help="The JSON file to write"),
    db: str | None = DB_OPTION,
    release: str = RELEASE_OPTION,
) -> None:
    """Write a battery's carbon-footprint part of the battery passport (Battery Pass CarbonFootprintForBatteries
    1.2.0). A product file gives an uncertified preview without carbonFootprintStudy (not a valid passport part)."""
    from registry.interop.batterypass import battery_pass

    facts = _battery(target, db, release)
    _write_battery(facts, battery_pass(facts), target, output)


@export_app.command("eu-declaration")
def export_eu_declaration(
    target: str = typer.Argument(..., metavar="LABEL_ID|FILE", help="A battery label id, or a battery product file"),
    output: Path = typer.Option(..., "-o", "--output", help="The JSON file to write"),
    db: str | None = DB_OPTION,
    release: str = RELEASE_OPTION,
) -> None:
    """Write a battery's EU carbon-footprint declaration (Regulation (EU) 2023/1542 Annex II) as JSON, with what
    the registry does not hold and did not check."""
    from registry.interop.batterypass import eu_declaration

    facts = _battery(target, db, release)
    _write_battery(facts, eu_declaration(facts), target, output)
