"""The calculator page's form: the fields of each product model with their defaults, and the call to the engine.

The fields are the product file's own (``footprint/products/pv_module.py``, ``electronics.py``); the defaults are
those of the bundled examples (``examples/pv_perc_sichuan.yaml``, ``monitor_27.yaml``, ``laptop.yaml``,
``desktop.yaml``). A form becomes a product document (:func:`document_from_form`), which goes to the same
functions as ``POST /api/v1/footprints`` and ``/api/v1/variants`` (``footprint.calculate``, ``footprint.variants``).
Nothing is stored.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Final

from api.documents import format_of, parse_document
from api.pages.forms import REQUIRED, Form
from api.pages.i18n import N_
from factors_db.schema import GEOGRAPHIES, GRIDS, PROVINCES
from footprint.errors import FootprintError

KINDS: Final = ("pv_module", "monitor", "laptop", "desktop", "battery")
KIND_NAMES: Final = {"pv_module": N_("PV module"), "monitor": N_("Monitor"), "laptop": N_("Laptop"),
                     "desktop": N_("Desktop"), "battery": N_("Lithium-ion battery")}
#: Regions a manufacturing step or the use can be in: China, its grids and provinces.
REGIONS: Final = ("CN", *GRIDS, *sorted(PROVINCES))
#: Battery steps may also be made in the other main producing countries (grid factors: series ember_lifecycle).
PRODUCING_COUNTRIES: Final = ("DE", "HU", "JP", "KR", "PL", "SE", "US")
BATTERY_REGIONS: Final = (*REGIONS, *PRODUCING_COUNTRIES)
SERIES: Final = {"co2_average": N_("CO₂ generation factor (provinces, 2023)"),
                 "cfp_grid_average": N_("Life-cycle grid factor (national, 2024)")}
#: A battery may compare production countries on Ember's life-cycle generation factors (national only).
BATTERY_SERIES: Final = {**SERIES, "ember_lifecycle": N_("Life-cycle generation factor, producing countries (Ember, 2023)")}
SERIES_YEAR: Final = {"co2_average": 2023, "cfp_grid_average": 2024, "ember_lifecycle": 2023}
#: Names of choice values shown in the form (values that are codes, like PERC and LCD, stay as they are).
CHOICE_NAMES: Final = {"micro": N_("micro"), "small_form_factor": N_("small form factor"), "tower": N_("tower"),
                       "all_in_one": N_("all-in-one"), "workstation": N_("workstation"),
                       "ev": N_("vehicle power battery"), "storage": N_("energy storage"),
                       "small_power": N_("small power (e-bikes, tools)"), "consumer": N_("consumer electronics"),
                       "pack": N_("pack"), "cell": N_("cell")}
MAX_MC: Final = 2000
MAX_UPLOAD: Final = 256 * 1024


@dataclass(frozen=True)
class Field:
    """A form field: the product file's path, its kind (number, integer, choice, text), default and choices."""

    name: str
    kind: str
    default: str
    choices: tuple[str, ...] = ()
    required: bool = True


_ELECTRONICS = (
    Field("mass_kg", "number", ""), Field("annual_energy_kwh", "number", ""), Field("lifetime_years", "number", ""),
    Field("assembly_region", "choice", "CN-SC", REGIONS), Field("use_region", "choice", "CN-SC", REGIONS),
    Field("transport_km", "number", "", required=False),
    Field("boundary", "choice", "cradle-to-grave", ("cradle-to-grave", "cradle-to-gate")),
)


def _with(fields: tuple[Field, ...], **defaults: str) -> tuple[Field, ...]:
    return tuple(Field(f.name, f.kind, defaults.get(f.name, f.default), f.choices, f.required) for f in fields)


FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "pv_module": (
        Field("name", "text", "410 Wp mono PERC module"),
        Field("rated_power_wp", "number", "410"), Field("area_m2", "number", "1.95"),
        Field("technology", "choice", "PERC", ("PERC", "TOPCon", "HJT")),
        Field("regions.polysilicon", "choice", "CN-SC", REGIONS), Field("regions.wafer", "choice", "CN-SC", REGIONS),
        Field("regions.cell", "choice", "CN-SC", REGIONS), Field("regions.module", "choice", "CN-SC", REGIONS),
        Field("electricity.series", "choice", "co2_average", tuple(SERIES)),
        Field("yield_kwh_per_kwp_year", "number", "1200", required=False),
        Field("boundary", "choice", "cradle-to-gate", ("cradle-to-gate", "cradle-to-grave")),
    ),
    "monitor": (Field("name", "text", "27-inch LCD monitor"), Field("screen_diagonal_inch", "number", "27"),
                Field("panel", "choice", "LCD", ("LCD", "OLED")),
                *_with(_ELECTRONICS, mass_kg="8.3", annual_energy_kwh="52", lifetime_years="6", use_region="CN-GD",
                       transport_km="1800")),
    "laptop": (Field("name", "text", "14-inch laptop"), Field("screen_diagonal_inch", "number", "14"),
               *_with(_ELECTRONICS, mass_kg="1.4", annual_energy_kwh="20", lifetime_years="4")),
    "battery": (  # defaults of examples/battery_nmc811_ev_pack_coal_grid.yaml, cells in Sichuan
        Field("name", "text", "75 kWh NMC811 EV pack"),
        Field("application", "choice", "ev", ("ev", "storage", "small_power", "consumer")),
        Field("chemistry", "choice", "NMC811", ("LFP", "NMC111", "NMC532", "NMC622", "NMC811", "NCA", "LCO")),
        Field("level", "choice", "pack", ("pack", "cell")),
        Field("capacity_kwh", "number", "75"), Field("mass_kg", "number", "480", required=False),
        Field("regions.cathode", "choice", "CN-SC", BATTERY_REGIONS),
        Field("regions.anode", "choice", "CN-SC", BATTERY_REGIONS),
        Field("regions.electrolyte", "choice", "CN", BATTERY_REGIONS),
        Field("regions.cell", "choice", "CN-SC", BATTERY_REGIONS), Field("regions.pack", "choice", "CN-SC", BATTERY_REGIONS),
        Field("electricity.series", "choice", "co2_average", tuple(BATTERY_SERIES)),
        Field("lifetime.usable_energy_kwh", "number", "70", required=False),
        Field("lifetime.cycles_per_year", "number", "100", required=False),
        Field("lifetime.years", "number", "8", required=False),
    ),
    "desktop": (Field("name", "text", "Small-form-factor desktop"),
                Field("form_factor", "choice", "small_form_factor",
                      ("micro", "small_form_factor", "tower", "all_in_one", "workstation")),
                *_with(_ELECTRONICS, mass_kg="5.3", annual_energy_kwh="85", lifetime_years="5", assembly_region="CN")),
}
#: The "what if" panel: the fields whose region it varies, per kind.
WHAT_IF_FIELDS: Final = {
    "pv_module": ("regions.polysilicon", "regions.wafer", "regions.cell", "regions.module"),
    "monitor": ("assembly_region", "use_region"), "laptop": ("assembly_region", "use_region"),
    "desktop": ("assembly_region", "use_region"),
    "battery": ("regions.cell", "regions.cathode"),
}
WHAT_IF_DEFAULT: Final = ("CN-SC", "CN-XJ", "CN-NM")


def regions_for(kind: str) -> tuple[str, ...]:
    """The regions a step of ``kind`` can be in."""
    return BATTERY_REGIONS if kind == "battery" else REGIONS


def series_for(kind: str) -> dict[str, str]:
    """The grid-factor series the form of ``kind`` offers."""
    return BATTERY_SERIES if kind == "battery" else SERIES


def region_name(code: str, lang: str) -> str:
    zh, en = GEOGRAPHIES.get(code, (code, code))
    return f"{zh if lang == 'zh' else en} ({code})"


def defaults(kind: str) -> dict[str, str]:
    return {f.name: f.default for f in FIELDS[kind]}


def form_values(kind: str, document: dict[str, Any]) -> dict[str, str]:
    """The form fields of ``kind`` that a product document sets, as text (to show an uploaded file in the form)."""
    out = {}
    for f in FIELDS[kind]:
        value: Any = document
        for part in f.name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            out[f.name] = str(value)
    return out


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        _set(doc.setdefault(head, {}), rest, value)
    else:
        doc[head] = value


def document_from_form(kind: str, form: Form) -> dict[str, Any] | None:
    """The product document of a filled-in form; None when a field is wrong (the errors are on ``form``)."""
    doc: dict[str, Any] = {"kind": kind}
    for f in FIELDS[kind]:
        if f.kind == "number":
            value: Any = form.number(f.name, positive=True, required=f.required)
        elif f.kind == "choice":
            value = form.choice(f.name, f.choices, required=f.required)
        else:
            value = form.text(f.name) or None
            if value is None and f.required:
                form.fail(f.name, REQUIRED)
        if value is not None:
            if f.name == "electricity.series":
                _set(doc, "electricity.year", SERIES_YEAR[value])
                if value == "cfp_grid_average":  # published nationally only: provinces use the national factor
                    _set(doc, "electricity.fallback_to_national", True)
            _set(doc, f.name, value)
    return doc if form.ok else None


def read_upload(data: bytes, filename: str) -> dict[str, Any]:
    """A product file (YAML or JSON) as a mapping.

    Raises:
        SpecificationError: larger than :data:`MAX_UPLOAD`, not UTF-8, not YAML/JSON, beyond the reader's limits
            (``api.documents``), or not a mapping.
    """
    return parse_document(data, "the file", fmt=format_of(filename), field="product_file", max_bytes=MAX_UPLOAD)


@dataclass
class Outcome:
    """What the page shows: the result (JSON of the engine), the what-if variants and the downloads."""

    result: dict[str, Any] | None = None
    variants: dict[str, Any] | None = None
    error: str | None = None
    error_field: str | None = None
    downloads: dict[str, str] = field(default_factory=dict)
    #: why the what-if comparison could not be made (the result stands), e.g. a custom file has no regions
    variants_error: str | None = None


def data_url(content: str, media_type: str) -> str:
    """A ``data:`` URL, so that the page offers the file without storing anything."""
    return f"data:{media_type};charset=utf-8;base64,{base64.b64encode(content.encode()).decode()}"


def run(document: dict[str, Any], release: str, *, iterations: int, what_if: tuple[str, list[str]] | None) -> Outcome:
    """Compute ``document`` (and its what-if variants) with the factor release; an engine error is kept, not raised."""
    from factors_db.release import factor_set
    from footprint.calculate import calculate
    from footprint.products import to_spec
    from footprint.variants.axes import axes_from
    from footprint.variants.run import run_variants

    factors = factor_set(release)
    out = Outcome()
    try:
        out.result = calculate(to_spec(document, factors), factors, iterations=iterations, seed=1).to_json()
    except FootprintError as exc:
        out.error, out.error_field = exc.message, exc.path or None
        return out
    out.downloads = {
        "product": data_url(json.dumps(document, ensure_ascii=False, indent=2), "application/json"),
        "result": data_url(json.dumps(out.result, ensure_ascii=False, indent=2), "application/json"),
    }
    if what_if and len(what_if[1]) >= 2:
        try:
            out.variants = run_variants(document, axes_from({what_if[0]: what_if[1]}), factors).to_json(rows=20)
        except FootprintError as exc:  # the result stands; the page says why there is no comparison
            out.variants_error = exc.message
    return out
