"""Electronics source family: spec-only class factors refitted from manufacturers' declared footprints.

The source rows (``data/sources/boavizta_electronics_pcf.csv``) are extracted once from Boavizta's
``boavizta-data-us.csv`` (:func:`write_electronics_rows`, run as
``python -m factors_db.build_release --boavizta boavizta-data-us.csv``); each release build refits them
(:func:`electronics_factors`) and writes their validation into the release notes (:func:`electronics_notes`).
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from factors_db.schema import Factor, Pedigree
from footprint.products.electronics import (
    ANY_FORM,
    DISPLAY_LCD,
    FORM_FACTORS,
    LAPTOP_CLASSES,
    MONITOR_CLASSES,
    fit_factor_id,
    screen_area_m2,
    size_class,
)


def _linear_fit(x: list[float], y: list[float]) -> tuple[float, float, float, float]:
    """Ordinary least squares ``y = a + b x``: (a, b, R2, geometric SD of the residual ratios y / fit)."""
    import numpy as np

    xs, ys = np.asarray(x), np.asarray(y)
    design = np.column_stack([np.ones(len(xs)), xs])
    (a, b), *_ = np.linalg.lstsq(design, ys, rcond=None)
    fitted = a + b * xs
    r2 = 1 - float(((ys - fitted) ** 2).sum() / ((ys - ys.mean()) ** 2).sum())
    return float(a), float(b), r2, float(np.exp(np.log(ys / fitted).std(ddof=2)))


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"
ELECTRONICS_PCFS = SOURCES / "boavizta_electronics_pcf.csv"
BOAVIZTA_DATA = ("Boavizta environmental-footprint-data, boavizta-data-us.csv at commit "
                 "61323eb5c3bb63b0703e7a9c6456482ccbaac3a6 (github.com/Boavizta/environmental-footprint-data)")
BOAVIZTA_DATA_LICENCE = ("Open Database License 1.0 (the database) and Database Contents License 1.0 (its contents), per "
                         "the Boavizta environmental-footprint-data README; figures published by the manufacturers")
SOURCE_COLUMNS = ("manufacturer", "model", "kind", "form_factor", "year", "total_kg_co2e", "manufacturing_share",
                  "mass_kg", "screen_inch", "screen_from", "storage_gb", "assembly", "use_location",
                  "boavizta_subcategory", "source_url", "excluded", "notes")
#: Desktop form factor from the product name (first match wins); checked in this order.
_FORMS: tuple[tuple[str, str], ...] = (
    ("all_in_one", r"all-in-one|\biMac\b|Surface Studio"),
    ("workstation", r"Mac Pro|Precision (Tower )?[57]\d\d\d|Workstation"),
    ("micro", r"Micro|Mini PC|Mac mini|Ultra|Tiny|\bTC\b|Compact"),
    ("small_form_factor", r"Small Form Factor|\bSFF\b|Mac Studio"),
    ("tower", r"Tower|\bMT\b|Vostro 3910"),
)
#: Extrapolation and cross-validation settings (k folds, fixed seed: the notes are reproducible).
CV_FOLDS = 10
CV_SEED = 2026
Z95 = 1.959964


def _form_factor(row: dict[str, str]) -> tuple[str, str, str]:
    """(kind, form factor, note) of a Boavizta row; kind '' when it cannot be told."""
    import re

    name, sub = row["name"], row["subcategory"]
    if sub == "Monitor":
        return "monitor", "", ""
    if sub == "Laptop":
        return "laptop", "", ""
    screen, mass = _number(row["screen_size"]), _number(row["weight"])
    if sub == "Desktop" and not re.search(r"all-in-one", name, re.I) and screen and 10 <= screen <= 18 and (
            mass is not None and mass < 4):
        return "laptop", "", (f"listed as Desktop in the dataset; {screen:g}-inch screen, {mass:g} kg: a laptop")
    for form, pattern in _FORMS:
        if re.search(pattern, name, re.I):
            return "desktop", form, ""
    return "", "", ""


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _storage_gb(text: str) -> str:
    import re

    found = re.search(r"(\d+(?:\.\d+)?)\s*(GB|TB)", text or "", re.I)
    if not found:
        return ""
    return f"{float(found[1]) * (1024 if found[2].upper() == 'TB' else 1):g}"


def extract_boavizta(us_csv: Path) -> list[dict[str, str]]:
    """The laptop, desktop, workstation and monitor rows of Boavizta's ``boavizta-data-us.csv``, in its order, with
    kind and form factor, screen size (from the name when the dataset has none), and why a row is not used.

    Rules (each row's ``excluded``/``notes`` says which applied): a row needs a manufacturing share in (0, 1]; a
    second row with the same manufacturer and model, or the same sheet URL and figures, is a duplicate; a desktop
    whose name tells no form factor is left out; a 'Desktop' with a 10-18 inch screen and under 4 kg is a laptop.
    """
    import re

    out: list[dict[str, str]] = []
    seen_model: set[tuple[str, str]] = set()
    seen_sheet: dict[tuple[str, str, str, str], str] = {}
    for row in _read_rows(us_csv):
        if row["subcategory"] not in ("Laptop", "Desktop", "Workstation", "Monitor"):
            continue
        kind, form, note = _form_factor(row)
        screen, screen_from = _number(row["screen_size"]), "dataset"
        if not screen:
            named = re.search(r"(\d{2}(?:\.\d)?)\s?(?:-inch|inch|in\b|”|\")", row["name"], re.I)
            screen, screen_from = (float(named[1]), "name") if named else (None, "")
        mass = _number(row["weight"])
        if mass is not None and form in ("tower", "workstation", "all_in_one") and mass < 2:
            note = f"mass {mass:g} kg in the dataset is implausible for a {form}: left out"
            mass = None
        year = re.search(r"\d{4}", row["report_date"] or "")
        share = _number(row["gwp_manufacturing_ratio"])
        key = (row["manufacturer"], row["name"].strip())
        sheet = (row["manufacturer"], row["sources"], row["gwp_total"], row["gwp_manufacturing_ratio"])
        if share is None:
            excluded = "no manufacturing share in the dataset"
        elif not 0 < share <= 1:
            excluded = f"manufacturing share {share:g} outside 0-1 in the dataset (transcription error)"
        elif not kind:
            excluded = "form factor not identifiable from the name"
        elif key in seen_model:
            excluded = "duplicate of an earlier row (same manufacturer and model)"
        elif sheet in seen_sheet:
            excluded = f"same sheet and figures as '{seen_sheet[sheet]}'"
        elif kind in ("laptop", "monitor") and screen is None:
            excluded = "no screen size in the dataset or the name"
        else:
            excluded = ""
        if share is not None and 0 < share <= 1:
            seen_model.add(key)
            seen_sheet.setdefault(sheet, row["name"].strip())
        out.append({
            "manufacturer": row["manufacturer"], "model": row["name"].strip(), "kind": kind, "form_factor": form,
            "year": year[0] if year else "", "total_kg_co2e": row["gwp_total"],
            "manufacturing_share": row["gwp_manufacturing_ratio"], "mass_kg": f"{mass:g}" if mass else "",
            "screen_inch": f"{screen:g}" if screen else "", "screen_from": screen_from if screen else "",
            "storage_gb": _storage_gb(row["hard_drive"]), "assembly": row["assembly_location"],
            "use_location": row["use_location"], "boavizta_subcategory": row["subcategory"],
            "source_url": row["sources"], "excluded": excluded, "notes": note,
        })
    return out


def write_electronics_rows(us_csv: Path, target: Path = ELECTRONICS_PCFS) -> int:
    """Write :func:`extract_boavizta`'s rows to ``target``; returns how many are used by the fits."""
    rows = extract_boavizta(us_csv)
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=SOURCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return sum(not r["excluded"] for r in rows)


@dataclass(frozen=True)
class Declared:
    """One declared product footprint the fits use."""

    manufacturer: str
    model: str
    kind: str
    form_factor: str
    year: int | None
    total_kg_co2e: float
    manufacturing_share: float
    mass_kg: float | None
    screen_inch: float | None
    storage_gb: float | None
    source_url: str

    @property
    def manufacturing_kg_co2e(self) -> float:
        """Cradle-to-gate as declared: total x manufacturing share."""
        return self.total_kg_co2e * self.manufacturing_share

    @property
    def size_class(self) -> str:
        return size_class(self.kind, self.screen_inch, self.form_factor or None)


def declared_rows(path: Path = ELECTRONICS_PCFS, kind: str | None = None) -> list[Declared]:
    """The rows of ``path`` the fits use (``excluded`` empty), optionally of one kind."""
    out = []
    for r in _read_rows(path):
        if r["excluded"] or (kind is not None and r["kind"] != kind):
            continue
        out.append(Declared(
            manufacturer=r["manufacturer"], model=r["model"], kind=r["kind"], form_factor=r["form_factor"],
            year=int(r["year"]) if r["year"] else None, total_kg_co2e=float(r["total_kg_co2e"]),
            manufacturing_share=float(r["manufacturing_share"]), mass_kg=_number(r["mass_kg"]),
            screen_inch=_number(r["screen_inch"]), storage_gb=_number(r["storage_gb"]), source_url=r["source_url"]))
    return out


@dataclass(frozen=True)
class ClassFit:
    """The spec-only factor of one class: geometric mean of its declared values and their lognormal spread."""

    kind: str
    cls: str
    n: int
    median_kg_co2e: float
    gsd: float
    gsd_extrapolated: float
    brands: tuple[str, ...]
    years: tuple[int, int] | None


def _classes(kind: str) -> tuple[str, ...]:
    if kind == "laptop":
        return tuple(c for c, _ in LAPTOP_CLASSES)
    if kind == "monitor":
        return tuple(c for c, _ in MONITOR_CLASSES)
    return FORM_FACTORS


def fit_classes(rows: list[Declared], kind: str) -> dict[str, ClassFit]:
    """Per class of ``kind``: the geometric mean of the declared manufacturing footprints and the GSD of the
    residuals pooled over the kind's classes (desktops without a form factor: ``any_form``, its own spread).

    The extrapolated GSD adds, in quadrature, the largest log step between neighbouring classes (screen classes
    in size order; desktop forms in the order micro, small form factor, tower, workstation): a device beyond the
    data is assumed to be up to one more class step away.
    """
    import numpy as np

    mine = [r for r in rows if r.kind == kind]
    logs = {cls: np.log([r.manufacturing_kg_co2e for r in mine if r.size_class == cls]) for cls in _classes(kind)}
    logs = {cls: v for cls, v in logs.items() if len(v)}
    resid = np.concatenate([v - v.mean() for v in logs.values()])
    sigma = float(np.sqrt((resid**2).sum() / (len(resid) - len(logs))))
    order = [c for c in _classes(kind) if c in logs and c != "all_in_one"]
    step = max((abs(float(logs[a].mean() - logs[b].mean())) for a, b in itertools.pairwise(order)), default=0.0)
    groups: dict[str, tuple[np.ndarray, float, list[Declared]]] = {
        cls: (v, sigma, [r for r in mine if r.size_class == cls]) for cls, v in logs.items()}
    if kind == "desktop":
        every = np.log([r.manufacturing_kg_co2e for r in mine])
        groups[ANY_FORM] = (every, float(every.std(ddof=1)), mine)
    out = {}
    for cls, (v, s, members) in groups.items():
        years = [r.year for r in members if r.year]
        out[cls] = ClassFit(kind=kind, cls=cls, n=len(v), median_kg_co2e=float(np.exp(v.mean())), gsd=math.exp(s),
                            gsd_extrapolated=math.exp(math.hypot(s, step)),
                            brands=tuple(sorted({r.manufacturer for r in members})),
                            years=(min(years), max(years)) if years else None)
    return out


def class_factors(fits: dict[str, ClassFit]) -> list[Factor]:
    """Each class fit as a release factor per piece, and its ``.extrapolated`` twin (same value, wider GSD).

    The fitted factors carry no pedigree: their GSD is the whole measured spread of the declared values, which a
    pedigree widening would count twice.
    """
    out = []
    for fit in fits.values():
        years = f"{fit.years[0]}-{fit.years[1]}" if fit.years else "years not stated"
        what = f"{fit.kind} {fit.cls.replace('_', ' ')}"
        source = (f"geometric mean of {fit.n} declared {fit.kind} manufacturing footprints (total x manufacturing "
                  f"share) of class {fit.cls} ({', '.join(fit.brands)}; {years}), {BOAVIZTA_DATA}; rows in "
                  f"factors_db/data/sources/{ELECTRONICS_PCFS.name}")
        for extrapolated in (False, True):
            gsd = fit.gsd_extrapolated if extrapolated else fit.gsd
            out.append(Factor(
                id=fit_factor_id(fit.kind, fit.cls, extrapolated=extrapolated),
                name_zh=f"{_ZH[fit.kind]}制造（按规格估算，{fit.cls}类{'，外推' if extrapolated else ''}）",
                name_en=f"{what} manufacturing, spec-only estimate{' (extrapolated)' if extrapolated else ''}",
                category="component", unit="piece", value_kg_co2e=Decimal(f"{fit.median_kg_co2e:.1f}"),
                boundary="cradle-to-gate", geography="GLO", year=fit.years[1] if fit.years else 2022,
                source=source, licence=BOAVIZTA_DATA_LICENCE, uncertainty={"gsd": round(gsd, 4)},  # type: ignore[arg-type]
                notes=(f"GSD {fit.gsd:.3f}: spread of the declared values around their class (pooled over the "
                       f"{fit.kind} classes). " if not extrapolated else
                       f"For devices outside the declared range: GSD {gsd:.3f} = the class GSD {fit.gsd:.3f} widened by "
                       "the largest log step between neighbouring classes. ")
                + "Manufacturer declarations (mostly PAIA) differ by brand and method year more than by size.",
            ))
    return out


_ZH = {"laptop": "笔记本电脑", "monitor": "显示器", "desktop": "台式计算机"}


def display_panel_factor(rows: list[Declared]) -> Factor:
    """Marginal manufacturing per m2 of screen across all declared monitors (least squares, 16:9 areas): the
    display-panel factor of a bill of components, for want of a public per-area panel factor."""
    mons = [r for r in rows if r.kind == "monitor" and r.screen_inch]
    area = [screen_area_m2(r.screen_inch or 0, "16:9") for r in mons]
    base, slope, r2, _ = _linear_fit(area, [r.manufacturing_kg_co2e for r in mons])
    return Factor(
        id=DISPLAY_LCD, name_zh="液晶显示屏（每平方米屏幕面积，边际值）", name_en="LCD display, per m2 of screen (marginal)",
        category="component", unit="m2", value_kg_co2e=Decimal(f"{slope:.1f}"), boundary="cradle-to-gate",
        geography="GLO", year=2022, licence=BOAVIZTA_DATA_LICENCE, pedigree=Pedigree.parse("3;4;3;3;4"),
        source=(f"Least-squares slope of declared monitor manufacturing against screen area over {len(mons)} monitors "
                f"(manufacturing = {base:.1f} + {slope:.1f} x m2, R2 {r2:.2f}), {BOAVIZTA_DATA}"),
        notes="Proxy: whole-monitor manufacturing per extra m2 of screen, not a panel-only LCA value (none is public).",
    )


def folds(n: int, k: int = CV_FOLDS, seed: int = CV_SEED) -> list[list[int]]:
    """``k`` folds of ``range(n)`` after one seeded shuffle."""
    import numpy as np

    return [list(map(int, f)) for f in np.array_split(np.random.default_rng(seed).permutation(n), k)]


@dataclass(frozen=True)
class Validation:
    """Errors of out-of-sample predictions against declared values."""

    n: int
    median_abs_error: float
    coverage_95: float
    interval_factor: float  # median of p97.5 / median over the predictions


def validate(rows: list[Declared], predict: list[tuple[float, float, float]]) -> Validation:
    """Score ``predict`` (median, p2.5, p97.5 per row) against the rows' declared manufacturing."""
    import numpy as np

    y = np.array([r.manufacturing_kg_co2e for r in rows])
    med, lo, hi = (np.array(v) for v in zip(*predict, strict=True))
    return Validation(n=len(rows), median_abs_error=float(np.median(np.abs(med / y - 1))),
                      coverage_95=float(np.mean((y >= lo) & (y <= hi))),
                      interval_factor=float(np.median(np.maximum(hi / med, med / lo))))


def _interval(fit: ClassFit) -> tuple[float, float, float]:
    spread = fit.gsd**Z95
    return fit.median_kg_co2e, fit.median_kg_co2e / spread, fit.median_kg_co2e * spread


def cross_validate(rows: list[Declared], kind: str, *, any_form: bool = False) -> Validation:
    """k-fold cross-validation of the class fits of ``kind`` (lognormal 95 % interval of each held-out row)."""
    mine = [r for r in rows if r.kind == kind]
    pred: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(mine)
    for fold in folds(len(mine)):
        held = set(fold)
        fits = fit_classes([r for i, r in enumerate(mine) if i not in held], kind)
        for i in fold:
            pred[i] = _interval(fits[ANY_FORM if any_form else mine[i].size_class])
    return validate(mine, pred)


def leave_one_brand_out(rows: list[Declared], kind: str) -> dict[str, Validation]:
    """Each brand predicted from the fits of the other brands (classes the others lack: left out)."""
    mine = [r for r in rows if r.kind == kind]
    out = {}
    for brand in sorted({r.manufacturer for r in mine}):
        fits = fit_classes([r for r in mine if r.manufacturer != brand], kind)
        held = [r for r in mine if r.manufacturer == brand and r.size_class in fits]
        if held:
            out[brand] = validate(held, [_interval(fits[r.size_class]) for r in held])
    return out


def electronics_factors(path: Path = ELECTRONICS_PCFS) -> list[Factor]:
    """Every factor the release derives from the declared footprints: class factors and the display panel."""
    rows = declared_rows(path)
    out: list[Factor] = []
    for kind in ("laptop", "desktop", "monitor"):
        out += class_factors(fit_classes(rows, kind))
    return [*out, display_panel_factor(rows)]


def electronics_notes(path: Path = ELECTRONICS_PCFS) -> list[str]:
    """The release-notes section on the spec-only fits: classes, spreads, cross-validated errors."""
    rows = declared_rows(path)
    lines = [f"Source: {BOAVIZTA_DATA}; licence: {BOAVIZTA_DATA_LICENCE}. Declared cradle-to-gate = declared total x "
             f"manufacturing share. {len(rows)} rows used, each with its sheet URL in "
             f"`factors_db/data/sources/{path.name}`; rows left out say why there. Every row weighs the same, so the "
             "brand with most sheets (Dell) weighs most.", ""]
    for kind in ("laptop", "desktop", "monitor"):
        fits = fit_classes(rows, kind)
        lines += [f"### {kind}", "", "| class | rows | kg CO2e (geometric mean) | GSD | GSD extrapolated | brands |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {f.cls} | {f.n} | {f.median_kg_co2e:.1f} | {f.gsd:.3f} | {f.gsd_extrapolated:.3f} | "
                  f"{', '.join(f.brands)} |" for f in fits.values()]
        cv = cross_validate(rows, kind)
        lines += ["", f"{CV_FOLDS}-fold cross-validation (seed {CV_SEED}), {cv.n} rows: median absolute error "
                  f"{cv.median_abs_error:.1%}, 95 % interval contains {cv.coverage_95:.1%} of declared values, interval "
                  f"x/ {cv.interval_factor:.2f} around the median."]
        if kind == "desktop":
            anyf = cross_validate(rows, kind, any_form=True)
            lines.append(f"Without a form factor (class any_form): median absolute error {anyf.median_abs_error:.1%}, "
                         f"coverage {anyf.coverage_95:.1%}, interval x/ {anyf.interval_factor:.2f}.")
        lines += ["", "Leave one brand out (the brand predicted from the others' classes):", ""]
        lines += [f"- {brand}: {v.n} row{'s' if v.n != 1 else ''}, median absolute error {v.median_abs_error:.1%}, "
                  f"coverage {v.coverage_95:.1%}" for brand, v in leave_one_brand_out(rows, kind).items()]
        lines.append("")
    return lines
