"""Charts of the public pages, built from package results with the page's language (texts from the catalogue)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from api.pages import charts, formatting, i18n
from registry.public.procurement import Comparison


def comparison_chart(result: Comparison, lang: str) -> Markup | None:
    """The distribution of a comparison with its 20th percentile, median and 80th percentile marked."""
    d = result.distribution
    if d is None:
        return None
    gettext = i18n.translations(lang).gettext

    def q(v: float) -> str:
        return formatting.quantity(v, result.unit, lang)

    description = gettext("%(count)s products from %(low)s to %(high)s; 20th percentile %(p20)s, median %(median)s, "
                          "80th percentile %(p80)s.") % {"count": d.count, "low": q(d.minimum), "high": q(d.maximum),
                                                         "p20": q(d.p20), "median": q(d.median), "p80": q(d.p80)}
    return charts.histogram_chart(
        result.histogram,
        [charts.Marker(d.p20, gettext("P20")), charts.Marker(d.median, gettext("median")),
         charts.Marker(d.p80, gettext("P80"))],
        title=gettext("Distribution of the compared footprints"), description=description)


def stage_chart(result: dict[str, Any], lang: str) -> Markup | None:
    """The calculator result's stages (kg CO2e per declared unit, with shares); None when every stage is zero."""
    gettext = i18n.translations(lang).gettext
    total = result["total_kg_co2e"] or 1.0
    bars = [charts.Bar(gettext(i18n.STAGE_NAMES.get(k, k)), v,
                       f"{formatting.quantity(v, 'kg CO2e', lang)} · {formatting.share(v / total, lang)}")
            for k, v in result["stages"].items() if v]
    return charts.bar_chart(bars, title=gettext("Footprint by life-cycle stage"), chart_id="stages") if bars else None
