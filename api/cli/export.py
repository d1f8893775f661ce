"""``pcf export``: a certified label in the formats read abroad (ILCD+EPD for European EPD programmes and
databases, openEPD for EC3). Thin wrappers over :mod:`registry.interop.ilcd` and :mod:`registry.interop.openepd`;
the same files as ``GET /api/v1/labels/{id}/ilcd.xml`` and ``.../openepd.json``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from api.cli.registry import DB_OPTION, _registry, settings_for

export_app = typer.Typer(help="Export a certified label: ILCD+EPD XML, openEPD JSON.", no_args_is_help=True)


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
