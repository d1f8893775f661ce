"""Languages of the pages and their gettext catalogues.

Texts are English ``msgid`` strings in the templates (``{{ _("...") }}``, ``{% trans %}``) and in Python
(marked with :func:`N_`); ``api/locale/zh/LC_MESSAGES/messages.po`` gives their Chinese. The ``.po`` file
is the only source: it is compiled in memory (Babel's ``read_po`` / ``write_mo``) the first time a language is
used, so no binary ``.mo`` is kept in the repository and no build step can forget it. English needs no
catalogue (the ``msgid`` is the English text).

The language of a request: a valid ``lang`` query parameter, else the ``pcf_lang`` cookie (set when
``lang`` is given), else the first supported language in ``Accept-Language`` (by q-value), else Chinese.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from litestar import Request

LOCALE_DIR: Final = Path(__file__).resolve().parents[1] / "locale"
DOMAIN: Final = "messages"
LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"
COOKIE: Final = "pcf_lang"
#: ``<html lang>`` and ``hreflang`` values (BCP 47).
HTML_LANG: Final = {"zh": "zh-Hans", "en": "en"}
#: Babel locales for numbers and dates.
BABEL_LOCALE: Final = {"zh": "zh_Hans_CN", "en": "en"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown (``_(...)`` in a template)."""
    return message


#: Names of values that come from the data (status, boundary, life-cycle stage): translated where shown.
STATUS_NAMES: Final = {
    "active": N_("VALID"), "suspended": N_("SUSPENDED"), "revoked": N_("REVOKED"), "expired": N_("EXPIRED"),
    "superseded": N_("SUPERSEDED"), "damaged": N_("RECORD DAMAGED"), "unknown": N_("UNKNOWN"),
}
BOUNDARY_NAMES: Final = {"cradle-to-gate": N_("cradle to gate"), "cradle-to-grave": N_("cradle to grave")}
STAGE_NAMES: Final = {
    "raw_materials": N_("Raw materials"), "production": N_("Production"), "distribution": N_("Distribution"),
    "use": N_("Use"), "end_of_life": N_("End of life"),
}


def parse_accept_language(header: str) -> list[str]:
    """The primary language subtags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and q > 0:
            ranked.append((-q, position, primary))
    return [primary for _, _, primary in sorted(ranked)]


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language from the ``lang`` parameter, the cookie and ``Accept-Language`` (in that order)."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for primary in parse_accept_language(accept_language or ""):
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def request_language(request: Request) -> str:
    """The language of ``request`` (see :func:`choose_language`)."""
    return choose_language(request.query_params.get("lang"), request.cookies.get(COOKIE),
                           request.headers.get("accept-language"))


@cache
def translations(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalogue ``domain`` of ``lang`` (English: the identity), compiled from its ``.po`` once."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if lang not in LANGUAGES or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=domain)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=domain)


#: Product categories of the registry's category rules (``registry/rules/<category>``).
CATEGORY_NAMES: Final = {
    "pv_module": N_("PV modules"), "monitor": N_("Monitors"), "display": N_("Displays"), "laptop": N_("Laptops"),
    "desktop": N_("Desktops"), "component": N_("Components"),
}
#: Fields of a product file, as the compare and calculator forms name them.
SPEC_NAMES: Final = {
    "rated_power_wp": N_("Rated power (Wp)"), "area_m2": N_("Module area (m²)"),
    "screen_diagonal_inch": N_("Screen diagonal (inch)"), "mass_kg": N_("Mass (kg)"),
    "annual_energy_kwh": N_("Electricity use per year (kWh)"), "technology": N_("Cell technology"),
    "panel": N_("Panel"), "form_factor": N_("Form factor"), "name": N_("Product name"),
    "lifetime_years": N_("Lifetime (years)"), "assembly_region": N_("Assembly region"),
    "use_region": N_("Region of use"), "transport_km": N_("Transport distance (km)"), "boundary": N_("System boundary"),
    "yield_kwh_per_kwp_year": N_("Yield (kWh per kWp and year)"), "regions.polysilicon": N_("Polysilicon made in"),
    "regions.wafer": N_("Wafers made in"), "regions.cell": N_("Cells made in"), "regions.module": N_("Modules assembled in"),
    "electricity.series": N_("Grid factor series"), "electricity.year": N_("Grid factor year"),
    "application": N_("Application"), "chemistry": N_("Cell chemistry"), "level": N_("Cell or pack"),
    "capacity_kwh": N_("Rated capacity (kWh)"), "regions.cathode": N_("Cathode material made in"),
    "regions.anode": N_("Anode material made in"), "regions.electrolyte": N_("Electrolyte made in"),
    "regions.pack": N_("Packs assembled in"), "lifetime.usable_energy_kwh": N_("Usable energy (kWh)"),
    "lifetime.cycles_per_year": N_("Full cycles per year"), "lifetime.years": N_("Service life (years)"),
}
GAS_NAMES: Final = {"CO2e-unsplit": N_("CO₂e not split by gas")}
FACTOR_CATEGORY_NAMES: Final = {
    "electricity": N_("Electricity"), "fuel": N_("Fuels"), "heat": N_("Heat"), "material": N_("Materials"),
    "component": N_("Components"), "intermediate": N_("Intermediate products"), "transport": N_("Transport"),
    "waste": N_("Waste"),
}
#: Kinds of transparency-log entries.
EVENT_NAMES: Final = {
    "label.issued": N_("Label issued"), "label.status": N_("Label status"), "key.created": N_("Key created"),
    "key.retired": N_("Key retired"), "key.revoked": N_("Key revoked"),
}
