"""The ``pcf`` command line: thin wrappers over library calls; library errors become one-line messages.

It starts at once (``pcf --help`` in well under half a second): at module level only ``typer`` (and click under
it) and the standard library are imported; every command imports the libraries it needs (rich, the settings, the
factor database, the engine, the registry) inside its body. ``bench/cli_bench.py`` measures the start.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

# A constants-only module: naming the default release loads no factor data.
from factors_db.published import DEFAULT_RELEASE

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from api.settings import Settings

app = typer.Typer(help="pcf-registry: product carbon footprints, factor database and labels.", no_args_is_help=True)
factors_app = typer.Typer(help="The factor database: search, show, import, export, releases.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded database.", no_args_is_help=True)
app.add_typer(factors_app, name="factors")
app.add_typer(db_app, name="db")


def _add_registry_commands() -> None:
    from api.cli.accounts import person_app
    from api.cli.export import export_app
    from api.cli.registry import demo_app, label_app, registry_app, verify

    for sub in (registry_app, demo_app, label_app, person_app, export_app):
        for info in sub.registered_commands:
            info.callback = clean_errors(info.callback)  # type: ignore[type-var]
    registry_app.add_typer(person_app, name="person")
    app.add_typer(registry_app, name="registry")
    app.add_typer(demo_app, name="demo")
    app.add_typer(label_app, name="label")
    from api.cli.log import log_app

    app.add_typer(log_app, name="log")
    app.add_typer(export_app, name="export")
    from api.cli.pact import pact_app  # makes its own one-line errors

    app.add_typer(pact_app, name="pact")
    app.command("verify")(clean_errors(verify))

F = TypeVar("F", bound=Callable[..., Any])
_console: list[Console] = []


def console() -> Console:
    """The one rich console of the command line (made on first use: rich loads only for a command that prints)."""
    if not _console:
        from rich.console import Console

        _console.append(Console())
    return _console[0]


def _library_errors() -> tuple[type[Exception], ...]:
    """The base error of every library, each with a stable ``code`` (imported when one is raised, not before)."""
    from factors_db.errors import FactorDbError
    from footprint.errors import FootprintError
    from label.errors import LabelError
    from registry.errors import RegistryError

    return (FactorDbError, FootprintError, RegistryError, LabelError)


def clean_errors(fn: F) -> F:
    """Turn a library error into ``error [code]: message`` on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _library_errors() as exc:  # (evaluated only when an exception reaches it)
            typer.echo(f"error [{getattr(exc, 'code', 'error')}]: {exc}", err=True)
            raise typer.Exit(2) from None
        except FileNotFoundError as exc:
            typer.echo(f"error [file-not-found]: {exc.filename}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _table(*columns: str, title: str | None = None) -> Table:
    """A rich table (rich is imported by the commands that print one)."""
    from rich.table import Table

    return Table(*columns, title=title)


def _settings() -> Settings:
    """The settings from ``PCF_*`` (pydantic-settings loads with the first command that needs them)."""
    from api.settings import Settings

    return Settings()


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from factors_db.store import load_bundled, make_engine

    engine = make_engine(settings.db_url)
    load_bundled(engine)
    return engine


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


# ---------------------------------------------------------------------------------------------- database
@db_app.command("load")
@clean_errors
def db_load() -> None:
    """Create the database (registry schema migrated, master key file created if missing) and load every bundled
    factor release not loaded yet."""
    from api.runtime import open_registry
    from factors_db.store import releases
    from registry.keys.custody import write_key_file

    settings = _settings()
    created = write_key_file(settings.key_path)
    reg = open_registry(settings)  # migrates the registry and loads every bundled release not loaded yet
    typer.echo(f"database {settings.db_url}: factor releases {', '.join(r.id for r in releases(reg.engine))}"
               + (f"; master key created in {settings.key_path}" if created else ""))


# ----------------------------------------------------------------------------------------------- factors
@factors_app.command("search")
@clean_errors
def factors_search(
    words: list[str] = typer.Argument(None, help="Words to match (Chinese or English), all of them"),
    geo: str | None = typer.Option(None, "--geo", help="Geography code, e.g. CN-SC"),
    year: int | None = typer.Option(None, "--year"),
    category: str | None = typer.Option(None, "--category"),
    unit: str | None = typer.Option(None, "--unit"),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Search factors by name, id, series or geography, with filters."""
    from factors_db.store import SearchQuery, search

    query = SearchQuery(" ".join(words or []), geo, year, category, unit, limit=limit)
    found = search(_engine(_settings()), query)
    if as_json:
        _print_json([f.public() for f in found])
        return
    table = _table("id", "name", "value kg CO2e", "unit", "geo", "year")
    for f in found:
        table.add_row(f.id, f.name_zh + (f" / {f.name_en}" if f.name_en else ""), str(f.value_kg_co2e), f.unit,
                      f.geography, str(f.year))
    console().print(table)


@factors_app.command("show")
@clean_errors
def factors_show(factor_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one factor with its source, licence and data quality."""
    from factors_db.store import get_factor

    f = get_factor(_engine(_settings()), factor_id)
    if as_json:
        _print_json(f.public())
        return
    for key, value in f.public().items():
        console().print(f"[bold]{key}[/bold]: {value}")


@factors_app.command("import")
@clean_errors
def factors_import(
    file: Path,
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx or cpcd (default: by suffix)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report every row; write nothing"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import factors (own CSV/XLSX columns, or the CPCD list); one transaction, all or nothing."""
    from factors_db.importers import read_cpcd, read_table
    from factors_db.store import import_report

    report = read_cpcd(file) if fmt == "cpcd" else read_table(file, fmt)
    written = 0 if dry_run else import_report(_engine(_settings()), report)
    if as_json:
        _print_json({**report.as_dict(), "written": written, "dry_run": dry_run})
        return
    table = _table("row", "status", "id", "name", "reason")
    for r in report.rows:
        if r.status != "accepted" or len(report.rows) <= 40:
            table.add_row(str(r.row), r.status, r.id, r.name, r.reason)
    console().print(table)
    s = report.summary()
    typer.echo(f"{s['rows']} rows: {s['accepted']} accepted, {s['flagged']} flagged, {s['rejected']} rejected; "
               + ("dry run, nothing written" if dry_run else f"{written} written"))


@factors_app.command("export")
@clean_errors
def factors_export(
    output: Path = typer.Option(..., "-o", "--output"),
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx"),
    release: str | None = typer.Option(None, "--release"),
) -> None:
    """Export a release's factors (own format) to CSV or XLSX."""
    from factors_db.importers import write_table
    from factors_db.store import all_factors, latest_bundled

    engine = _engine(_settings())
    factors = all_factors(engine, release or latest_bundled(engine))
    target = output if output.suffix.lower() == f".{fmt}" else output.with_suffix(f".{fmt}")
    write_table(factors, target)
    typer.echo(f"{len(factors)} factors written to {target}")


@factors_app.command("releases")
@clean_errors
def factors_releases(as_json: bool = typer.Option(False, "--json")) -> None:
    """List loaded releases with their content hashes."""
    from factors_db.store import releases

    rows = releases(_engine(_settings()))
    if as_json:
        _print_json([r.model_dump() for r in rows])
        return
    table = _table("id", "title", "published", "factors", "sha256")
    for r in rows:
        table.add_row(r.id, r.title, r.published, str(r.factor_count), r.sha256)
    console().print(table)


# --------------------------------------------------------------------------------------------- footprint
@app.command("footprint")
@clean_errors
def footprint_cmd(
    file: Path,
    as_json: bool = typer.Option(False, "--json"),
    mc: int = typer.Option(0, "--mc", min=0, max=100_000, help="Monte Carlo iterations"),
    seed: int | None = typer.Option(None, "--seed"),
    release: str = typer.Option(DEFAULT_RELEASE, "--release", help="Factor release to compute with"),
    top: int = typer.Option(10, "--top", min=1),
) -> None:
    """Compute the footprint of a product file (YAML or JSON)."""
    from api.documents import read_document
    from factors_db.release import factor_set
    from footprint.calculate import calculate
    from footprint.products import to_spec

    factors = factor_set(release)
    result = calculate(to_spec(read_document(file), factors), factors, top_n=top, iterations=mc, seed=seed)
    if as_json:
        _print_json(result.to_json())
        return
    console().print(f"[bold]{result.product}[/bold]: {result.total_kg_co2e:,.2f} kg CO2e per {result.declared_unit} "
                  f"({result.boundary}; {result.method['name']}; release {result.factor_release['id']})")
    for key, label in (("per_kwp_kg_co2e", "kg CO2e/kWp"), ("per_kwh_g_co2e", "g CO2e/kWh")):
        if key in result.extra:
            console().print(f"  {result.extra[key]:,.2f} {label}")
    stages = _table("stage", "kg CO2e", title="Stages")
    for stage, value in result.stages.items():
        stages.add_row(stage, f"{value:,.3f}")
    console().print(stages)
    top_table = _table("process", "stage", "kg CO2e", "share", title="Top processes")
    for c in result.contributions:
        top_table.add_row(c.name, c.stage, f"{c.kg_co2e:,.3f}", f"{c.share:.1%}")
    console().print(top_table)
    gases = _table("gas", "kg", "kg CO2e", title="Gases")
    for gas, g in result.gases.items():
        gases.add_row(gas, f"{g.kg:,.4g}", f"{g.kg_co2e:,.3f}")
    console().print(gases)
    e = result.electricity
    console().print(f"Electricity {e.kwh:,.1f} kWh: location-based {e.location_based_kg_co2e:,.2f} kg "
                  f"({e.series_label}); market-based {e.market_based_kg_co2e:,.2f} kg")
    for mode, m in e.modes.items():
        shown = "n/a" if m["total_kg_co2e"] is None else f"{m['total_kg_co2e']:,.2f} kg CO2e"
        console().print(f"  {'*' if m['used'] else ' '} mode {mode}: total {shown} ({m['method'].split(' (')[0]})")
    if result.uncertainty:
        u = result.uncertainty
        console().print(f"Monte Carlo ({u.iterations}): median {u.median:,.2f}, 95 % interval "
                      f"{u.p2_5:,.2f} - {u.p97_5:,.2f} kg CO2e")
    for gap in result.data_gaps:
        console().print(f"[yellow]data gap[/yellow]: {gap}")


@app.command("variants")
@clean_errors
def variants_cmd(
    file: Path,
    vary: list[str] = typer.Option(..., "--vary", help="FIELD=V1,V2,... (repeat to cross several fields)"),
    as_json: bool = typer.Option(False, "--json"),
    rows: int = typer.Option(10, "--rows", min=0, help="Lowest variants to list (JSON: -1 for all)"),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write every variant to this CSV file"),
    release: str = typer.Option(DEFAULT_RELEASE, "--release", help="Factor release to compute with"),
) -> None:
    """Cross values of fields of a product file and compute every variant (e.g. the region of each step)."""
    import time

    from api.cli.variants import parse_vary, write_csv
    from api.documents import read_document
    from factors_db.release import factor_set
    from footprint.variants.axes import axes_from
    from footprint.variants.run import run_variants

    factors = factor_set(release)
    started = time.perf_counter()
    result = run_variants(read_document(file), axes_from(parse_vary(vary)), factors)
    seconds = time.perf_counter() - started
    if csv_out is not None:
        write_csv(result, csv_out)
    if as_json:
        _print_json({**result.to_json(rows=rows), "seconds": seconds})
        return
    summary = result.to_json(rows=rows)
    console().print(f"{len(result):,} variants in {seconds:.2f} s, kg CO2e per {result.declared_unit}: "
                  f"lowest {summary['min_kg_co2e']:,.2f}, median {summary['median_kg_co2e']:,.2f}, "
                  f"highest {summary['max_kg_co2e']:,.2f} (the file as given: {result.base_total:,.2f})")
    effects = _table("field", "value", "mean", "lowest", "highest", title="Effect of each value (kg CO2e)")
    for e in summary["effects"]:
        effects.add_row(e["axis"], e["value"], f"{e['mean_kg_co2e']:,.2f}", f"{e['min_kg_co2e']:,.2f}",
                        f"{e['max_kg_co2e']:,.2f}")
    console().print(effects)
    if rows:
        lowest = _table("#", *(a.name for a in result.axes), "kg CO2e", title=f"Lowest {min(rows, len(result))}")
        for r in summary["rows"]:
            lowest.add_row(str(r["variant"]), *r["values"].values(), f"{r['total_kg_co2e']:,.2f}")
        console().print(lowest)
    console().print(f"checked one by one with bw2calc: variants {', '.join(map(str, result.checked))}")
    for note in result.notes:
        console().print(f"[yellow]note[/yellow]: {note}")


@app.command("serve")
@clean_errors
def serve(
    host: str | None = typer.Option(None, "--host", help="Default PCF_HOST or 127.0.0.1"),
    port: int | None = typer.Option(None, "--port", help="Default PCF_PORT or 8000"),
    db: str | None = typer.Option(None, "--db", help="Database URL (default PCF_DATABASE_URL or the SQLite file)"),
    workers: int | None = typer.Option(None, "--workers", min=1, max=64, help="Worker processes"),
) -> None:
    """Serve the API and pages with uvicorn (several workers: use PostgreSQL or the SQLite file)."""
    import uvicorn

    from api.runtime import open_registry

    for name, value in (("PCF_HOST", host), ("PCF_PORT", port), ("PCF_DATABASE_URL", db), ("PCF_WORKERS", workers)):
        if value is not None:
            os.environ[name] = str(value)  # the workers build their own Settings from the environment
    settings = _settings()
    registry = open_registry(settings)  # refuses to start (one line) without a readable master key; migrates once
    overdue = registry.surveillance.suspend_overdue()  # the schedule also runs daily: `pcf registry surveillance`
    if overdue:
        typer.echo(f"{len(overdue)} label(s) suspended as surveillance overdue: {', '.join(overdue)}")
    typer.echo(f"serving http://{settings.host}:{settings.port}/ (API docs /schema, database {settings.db_url})")
    typer.echo(f"public base URL {settings.base_url} (label QR codes, links and feeds are built on it)")
    if settings.loopback:
        typer.echo("warning: the base URL names this machine only: labels printed now carry QR codes that no phone "
                   "can open; set PCF_BASE_URL to the registry's public address", err=True)
    uvicorn.run("api.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level="warning", access_log=False,
                proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.trusted_proxies or "")


_add_registry_commands()


def main() -> None:
    """Entry point of the ``pcf`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover (python -m api.cli runs api/cli/__main__.py)
    main()
