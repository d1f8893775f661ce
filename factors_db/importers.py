"""Importers: the project's own CSV/XLSX columns, and the CPCD list with its free-text Chinese units.

Each import returns an :class:`ImportReport` with one entry per row (accepted, flagged or rejected, with
the reason). Reading never writes: :mod:`factors_db.store` writes the accepted factors in one transaction.

Own format columns (``factors.csv`` of a release uses the same):
``id, name_zh, name_en, category, unit, value_kg_co2e, gases, boundary, geography, year, series, source,
licence, pedigree, gsd, min, max, exchanges, is_removal, notes`` where ``gases`` reads ``CO2=0.5;CH4=0.01``
(kg of gas per unit), ``pedigree`` reads ``2;1;1;1;1`` and ``exchanges`` reads
``electricity=66.5 kWh;pv.mg_silicon.arc_furnace=1 kg``; an exchange whose source gives a range adds its law:
``electricity=70 kWh triangular(66.5,72)`` (minimum, maximum; the amount is the mode), ``uniform(6.03,17.7)`` or
``lognormal(1.2)`` (geometric standard deviation; the amount is the median).
"""

from __future__ import annotations

import csv
import re
import statistics
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from factors_db.errors import InvalidFactor
from factors_db.schema import Exchange, Factor, Pedigree, Uncertainty
from factors_db.units import parse_cpcd_value
from footprint.errors import UnitMismatch

COLUMNS = ("id", "name_zh", "name_en", "category", "unit", "value_kg_co2e", "gases", "boundary", "geography",
           "year", "series", "source", "licence", "pedigree", "gsd", "min", "max", "exchanges", "is_removal",
           "notes")
REQUIRED = ("id", "name_zh", "category", "unit", "value_kg_co2e", "boundary", "geography", "year", "source",
            "licence")

#: Limits of one import file (the bundled release has ~600 factors): rows, bytes on disk, and bytes an XLSX
#: (a zip) may expand to. Checked before the file is parsed, so a bomb costs milliseconds, not minutes.
MAX_ROWS = 50_000
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_XLSX_EXPANDED_BYTES = 100 * 1024 * 1024

Status = Literal["accepted", "flagged", "rejected"]


@dataclass
class RowOutcome:
    """What happened to one row."""

    row: int
    status: Status
    reason: str = ""
    id: str = ""
    name: str = ""


@dataclass
class ImportReport:
    """Outcome of every row of one file."""

    file: str
    format: str
    rows: list[RowOutcome] = field(default_factory=list)
    factors: list[Factor] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def summary(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "rows": len(self.rows),
                "accepted": self.count("accepted"), "flagged": self.count("flagged"),
                "rejected": self.count("rejected")}

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "outcomes": [r.__dict__ for r in self.rows]}


# ------------------------------------------------------------------------------------------ own format
def _cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value):  # a NaN: an empty XLSX cell
        return ""
    return str(value).strip()


def _pairs(text: str) -> list[tuple[str, str]]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, val = part.partition("=")
        if not sep:
            raise ValueError(f"expected key=value, got {part!r}")
        out.append((key.strip(), val.strip()))
    return out


_LAW = re.compile(r"^(?P<unit>\S+)\s+(?P<kind>triangular|uniform|lognormal)\((?P<args>[^)]*)\)$")


def _exchange_law(text: str) -> tuple[str, dict[str, Any]]:
    """Split ``kWh triangular(66.5,72)`` into the unit and the law's fields (none when no law is written)."""
    found = _LAW.match(text)
    if not found:
        return text, {}
    args = [float(a) for a in found["args"].split(",")]
    if found["kind"] == "lognormal":
        if len(args) != 1:
            raise ValueError(f"lognormal(gsd) takes one number, got {text!r}")
        return found["unit"], {"distribution": "lognormal", "gsd": args[0]}
    if len(args) != 2:
        raise ValueError(f"{found['kind']}(minimum,maximum) takes two numbers, got {text!r}")
    return found["unit"], {"distribution": found["kind"], "minimum": args[0], "maximum": args[1]}


def _exchange_text(e: Exchange) -> str:
    law = e.law()
    return (f"{'electricity' if e.electricity else e.factor}={e.amount:g} {e.unit}"
            + ("" if law is None else f" {law.text()}"))


def factor_from_row(row: dict[str, Any], *, file: str, line: int) -> Factor:
    """Validate one row of the own format into a :class:`Factor`.

    Raises:
        InvalidFactor: naming the file, row and column at fault.
    """
    for col in REQUIRED:
        if not _cell(row, col):
            raise InvalidFactor("missing value", file=file, row=line, column=col)
    data: dict[str, Any] = {k: _cell(row, k) for k in ("id", "name_zh", "name_en", "category", "unit",
                                                         "boundary", "geography", "source", "licence",
                                                         "notes")}
    column = "value_kg_co2e"
    try:
        data["value_kg_co2e"] = Decimal(_cell(row, "value_kg_co2e"))
        column = "year"
        data["year"] = int(float(_cell(row, "year")))
        column = "series"
        data["series"] = _cell(row, "series") or None
        column = "gases"
        data["gases"] = {k: Decimal(v) for k, v in _pairs(_cell(row, "gases"))}
        column = "pedigree"
        data["pedigree"] = Pedigree.parse(_cell(row, "pedigree")) if _cell(row, "pedigree") else None
        column = "gsd"
        data["uncertainty"] = Uncertainty(
            gsd=float(_cell(row, "gsd")) if _cell(row, "gsd") else None,
            minimum=Decimal(_cell(row, "min")) if _cell(row, "min") else None,
            maximum=Decimal(_cell(row, "max")) if _cell(row, "max") else None,
        )
        column = "exchanges"
        exchanges = []
        for key, val in _pairs(_cell(row, "exchanges")):
            amount, _, unit = val.partition(" ")
            unit, law = _exchange_law(unit.strip())
            exchanges.append(Exchange(factor=None if key == "electricity" else key,
                                      electricity=key == "electricity", amount=float(amount), unit=unit, **law))
        data["exchanges"] = tuple(exchanges)
        column = "is_removal"
        data["is_removal"] = _cell(row, "is_removal").lower() in ("1", "true", "yes")
    except (InvalidOperation, ValueError, ArithmeticError, ValidationError) as exc:  # incl. int(float("inf"))
        raise InvalidFactor(str(exc).splitlines()[0] or "invalid value", file=file, row=line, column=column) from None
    try:
        return Factor.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        col = str(err["loc"][0]) if err["loc"] else ""
        raise InvalidFactor(err["msg"], file=file, row=line, column=col) from None


def _check_size(path: Path, fmt: str) -> None:
    """Refuse a file too large on disk, or an XLSX whose parts expand beyond :data:`MAX_XLSX_EXPANDED_BYTES`
    (read from the zip's directory, before anything is decompressed)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidFactor(f"cannot be read ({type(exc).__name__})", file=path.name) from None
    if size > MAX_FILE_BYTES:
        raise InvalidFactor(f"{size:,} bytes: at most {MAX_FILE_BYTES:,}", file=path.name)
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(path) as z:
                expanded = sum(i.file_size for i in z.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise InvalidFactor(f"cannot be read as XLSX ({type(exc).__name__})", file=path.name) from None
        if expanded > MAX_XLSX_EXPANDED_BYTES:
            raise InvalidFactor(f"expands to {expanded:,} bytes: at most {MAX_XLSX_EXPANDED_BYTES:,}", file=path.name)


def _read_xlsx(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of the first sheet (pandas and openpyxl: imported here, only for XLSX)."""
    import pandas as pd

    frame = pd.read_excel(path, dtype=str, nrows=MAX_ROWS + 1)
    return [str(c) for c in frame.columns], frame.to_dict("records")


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and up to ``MAX_ROWS + 1`` rows of a CSV file, every cell a string.

    The standard library's reader, not pandas: loading a factor release (the command line's ``pcf footprint``)
    then needs no pandas import (about 0.3 s). Read the way ``pandas.read_csv(dtype=str, keep_default_na=False)``
    read it before: blank lines are skipped, a short row's missing cells are empty, a row longer than the header
    makes the file unreadable, and of two columns with the same name the first counts.

    Raises:
        InvalidFactor: a required column is missing from the header (the rows are then not read).
        csv.Error: a row has more cells than the header.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        missing_header = [c for c in REQUIRED if c not in header]
        if missing_header:  # the header first: a file that is not a factor table is not parsed further
            raise InvalidFactor(f"missing columns {missing_header}", file=path.name)
        first = {name: i for i, name in reversed(list(enumerate(header)))}
        records: list[dict[str, Any]] = []
        for cells in reader:
            if not cells:
                continue
            if len(cells) > len(header):
                raise csv.Error(f"line {reader.line_num}: {len(cells)} fields, the header has {len(header)}")
            records.append({name: cells[i] if i < len(cells) else "" for name, i in first.items()})
            if len(records) > MAX_ROWS:
                break
    return header, records


def read_table(path: Path, fmt: str | None = None) -> ImportReport:
    """Read a CSV or XLSX file in the own format. Every row is checked; duplicates are rejected."""
    fmt = fmt or ("xlsx" if path.suffix.lower() in (".xlsx", ".xls") else "csv")
    if fmt not in ("csv", "xlsx"):
        raise InvalidFactor(f"unknown format {fmt!r}: use csv, xlsx or cpcd", file=path.name)
    _check_size(path, fmt)
    try:
        columns, records = _read_xlsx(path) if fmt == "xlsx" else _read_csv(path)
    except (UnicodeDecodeError, ValueError, LookupError, ArithmeticError, zlib.error,
            zipfile.BadZipFile, csv.Error) as exc:  # what csv, pandas, openpyxl and zipfile raise on damaged files
        raise InvalidFactor(f"cannot be read as {fmt.upper()} ({type(exc).__name__})", file=path.name) from None
    if len(records) > MAX_ROWS:
        raise InvalidFactor(f"more than {MAX_ROWS:,} rows: split the file", file=path.name)
    missing = [c for c in REQUIRED if c not in columns]
    report = ImportReport(file=str(path), format=fmt)
    if missing:
        raise InvalidFactor(f"missing columns {missing}", file=str(path))
    seen: dict[str, int] = {}
    for i, row in enumerate(records, start=2):  # row 1 is the header
        try:
            factor = factor_from_row(row, file=path.name, line=i)
        except InvalidFactor as exc:
            report.rows.append(RowOutcome(i, "rejected", exc.message, _cell(row, "id")))
            continue
        if factor.id in seen:
            report.rows.append(RowOutcome(i, "rejected", f"duplicate id (first at row {seen[factor.id]})",
                                          factor.id))
            continue
        seen[factor.id] = i
        report.rows.append(RowOutcome(i, "accepted", "", factor.id, factor.name_zh))
        report.factors.append(factor)
    return report


def factor_to_row(f: Factor) -> dict[str, str]:
    """The own-format row of a factor (the inverse of :func:`factor_from_row`)."""
    return {
        "id": f.id, "name_zh": f.name_zh, "name_en": f.name_en, "category": f.category, "unit": f.unit,
        "value_kg_co2e": str(f.value_kg_co2e),
        "gases": ";".join(f"{k}={v}" for k, v in f.gases.items()),
        "boundary": f.boundary, "geography": f.geography, "year": str(f.year), "series": f.series or "",
        "source": f.source, "licence": f.licence, "pedigree": str(f.pedigree) if f.pedigree else "",
        "gsd": "" if f.uncertainty.gsd is None else repr(f.uncertainty.gsd),
        "min": "" if f.uncertainty.minimum is None else str(f.uncertainty.minimum),
        "max": "" if f.uncertainty.maximum is None else str(f.uncertainty.maximum),
        "exchanges": ";".join(_exchange_text(e) for e in f.exchanges),
        "is_removal": "true" if f.is_removal else "", "notes": f.notes,
    }


def write_table(factors: list[Factor], path: Path) -> None:
    """Write factors in the own format (CSV, or XLSX by suffix)."""
    rows = [factor_to_row(f) for f in factors]
    if path.suffix.lower() == ".xlsx":
        import pandas as pd

        pd.DataFrame(rows, columns=list(COLUMNS)).to_excel(path, index=False)
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# ------------------------------------------------------------------------------------------------- CPCD
CPCD_BOUNDARIES = {"摇篮到大门": "cradle-to-gate", "摇篮到坟墓": "cradle-to-grave", "大门到大门": "gate-to-gate",
                   "大门到坟墓": "gate-to-grave"}
CPCD_LICENCE = "CPCD public list (CAEP and partners); openly published, reuse terms not stated"
#: A value this many times above or below the median of the other rows of the same material is flagged.
OUTLIER_RATIO = 200
_FUEL = re.compile(r"煤|柴油|汽油|天然气|燃料|氢|煤油|石油气|油$|煤气")
_WASTE = re.compile(r"填埋|焚烧|垃圾|废弃物|污泥|回收|处置")


def _prefix_mismatch(value: Any) -> bool:
    """A t-CO2e numerator over a kg-or-smaller unit: the 1,000x error the CPCD list is known for."""
    return bool(value.numerator == "tCO2e" and value.source_unit in ("千克", "克", "升", "毫升"))


def material_key(name: str) -> str:
    """Group name of a CPCD product: the name up to its first bracket, dash or space."""
    return re.split(r"[（(\-—－,，\s]", name.strip(), maxsplit=1)[0]


def cpcd_category(name: str, unit: str) -> str:
    """Best category for a CPCD row from its unit and name."""
    if unit == "kWh" and ("电" in name or "发电" in name):
        return "electricity"
    if unit in ("t*km", "person*km", "km", "m3*km", "piece*km", "GJ*km") or "运输" in name:
        return "transport"
    if _WASTE.search(name):
        return "waste"
    if _FUEL.search(name) and unit in ("kg", "m3", "kWh"):
        return "fuel"
    if unit in ("piece", "kW"):
        return "component"
    return "material"


@dataclass
class CpcdRow:
    line: int
    cpcd_id: str
    name: str
    boundary: str
    value_text: str
    year: str
    data_type: str
    short: bool = False  # fewer cells than the header (a cut-off line)


def read_cpcd_rows(path: Path) -> list[CpcdRow]:
    """The raw rows of a CPCD list (columns: 产品ID, 产品名称, 核算边界, 碳足迹, 企业名称, 数据年份, 数据类型)."""
    need = {"产品ID", "产品名称", "核算边界", "碳足迹", "数据年份", "数据类型"}
    _check_size(path, "csv")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not need <= set(reader.fieldnames):
                raise InvalidFactor(f"not a CPCD list: needs columns {sorted(need)}", file=path.name)
            rows = []
            for i, r in enumerate(reader, start=2):
                if i - 1 > MAX_ROWS:
                    raise InvalidFactor(f"more than {MAX_ROWS:,} rows: split the file", file=path.name)
                # a short row (a cut-off last line) gives None for its missing cells
                c = [(r.get(k) or "").strip() for k in ("产品ID", "产品名称", "核算边界", "碳足迹", "数据年份", "数据类型")]
                rows.append(CpcdRow(i, c[0], c[1], c[2], c[3], c[4], c[5], short=None in r.values()))
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidFactor(f"cannot be read as a UTF-8 CSV ({type(exc).__name__})", file=path.name) from None


def read_cpcd(path: Path, *, names_en: dict[str, str] | None = None) -> ImportReport:
    """Parse a CPCD list: units to pint, duplicates and 1,000x unit errors flagged, nothing trusted blindly.

    A row is *rejected* when it cannot be read (unit, number, year, boundary) and *flagged* (held back, not
    imported) when it reads but is suspect: a t-CO2e value per kg or smaller unit, a value ``OUTLIER_RATIO``
    times off the median of the other rows of the same material and unit, a negative value (removals
    must be declared explicitly), or an id seen before with other content.
    """
    names_en = names_en or {}
    report = ImportReport(file=str(path), format="cpcd")
    raw = read_cpcd_rows(path)
    parsed: list[tuple[CpcdRow, Any]] = []
    first_seen: dict[str, CpcdRow] = {}
    for row in raw:
        if row.short:
            report.rows.append(RowOutcome(row.line, "rejected", "the row has fewer cells than the header (cut off?)",
                                          f"cpcd.{row.cpcd_id}", row.name))
            continue
        prev = first_seen.get(row.cpcd_id)
        if prev is not None:
            same = (prev.name, prev.value_text, prev.boundary, prev.year) == (row.name, row.value_text,
                                                                                row.boundary, row.year)
            status: Status = "rejected" if same else "flagged"
            why = "exact duplicate of" if same else "duplicate id with different content than"
            report.rows.append(RowOutcome(row.line, status, f"{why} row {prev.line}", f"cpcd.{row.cpcd_id}", row.name))
            continue
        first_seen[row.cpcd_id] = row
        try:
            value = parse_cpcd_value(row.value_text)
        except (UnitMismatch, ValueError) as exc:
            reason = exc.message if isinstance(exc, UnitMismatch) else str(exc)
            report.rows.append(RowOutcome(row.line, "rejected", f"column 碳足迹: {reason}", f"cpcd.{row.cpcd_id}",
                                          row.name))
            continue
        if row.boundary not in CPCD_BOUNDARIES:
            report.rows.append(RowOutcome(row.line, "rejected", f"column 核算边界: unknown boundary "
                                          f"{row.boundary!r}", f"cpcd.{row.cpcd_id}", row.name))
            continue
        if not (row.year.isascii() and row.year.isdigit()):
            report.rows.append(RowOutcome(row.line, "rejected", f"column 数据年份: not a year {row.year!r}",
                                          f"cpcd.{row.cpcd_id}", row.name))
            continue
        parsed.append((row, value))

    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row, value in parsed:
        if not _prefix_mismatch(value):  # a known unit error must not drag the median
            groups[(material_key(row.name), value.unit)].append(float(value.value_kg_co2e))

    for row, value in parsed:
        v = float(value.value_kg_co2e)
        reason = ""
        if v < 0:
            reason = "negative value: removals or credits must be declared explicitly (is_removal)"
        elif _prefix_mismatch(value):
            reason = (f"unit error suspected: tCO2e per {value.source_unit} gives {v:g} kg CO2e/{value.unit}; "
                      "numerator and denominator disagree by 1,000")
        else:
            group = groups[(material_key(row.name), value.unit)]
            if len(group) >= 3 and v > 0:
                median = statistics.median(group)
                if median > 0 and not (1 / OUTLIER_RATIO <= v / median <= OUTLIER_RATIO):
                    reason = (f"implausible: {v:g} kg CO2e/{value.unit} is {v / median:.3g}x the median "
                              f"({median:.4g}) of the {len(group)} {material_key(row.name)!r} rows")
        factor_id = f"cpcd.{row.cpcd_id}"
        if reason:
            report.rows.append(RowOutcome(row.line, "flagged", reason, factor_id, row.name))
            continue
        core = row.data_type == "核心数据库"
        try:
            factor = Factor(
                id=factor_id,
                name_zh=row.name,
                name_en=names_en.get(row.cpcd_id, ""),
                category=cpcd_category(row.name, value.unit),  # type: ignore[arg-type]
                unit=value.unit,
                value_kg_co2e=value.value_kg_co2e,
                boundary=CPCD_BOUNDARIES[row.boundary],  # type: ignore[arg-type]
                geography="CN",
                year=int(row.year),
                series="cpcd_literature" if value.unit == "kWh" and "电" in row.name else None,
                source=f"CPCD China Products Carbon Footprint Factors Database, row {row.cpcd_id} "
                f"({row.data_type}; value as published: {row.value_text})",
                licence=CPCD_LICENCE,
                pedigree=Pedigree.parse("3;3;2;2;2" if core else "4;3;3;3;3"),
                notes="" if core else "literature value collected by CPCD; study not named in the list",
            )
        except ValidationError as exc:
            report.rows.append(RowOutcome(row.line, "rejected", exc.errors()[0]["msg"], factor_id, row.name))
            continue
        report.rows.append(RowOutcome(row.line, "accepted", "", factor_id, row.name))
        report.factors.append(factor)
    report.rows.sort(key=lambda r: r.row)
    return report
