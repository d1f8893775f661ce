"""What the verification page shows of a label: one call to the registry, plain data for the template.

The stage chart. A declaration's result gives each life-cycle stage in kg CO2e per product unit (a PV
module of 410 Wp); the label states the total per declared unit (1 kWp). The chart scales every stage by
``value / sum(stages)`` so that the bars add up to the certified value on the label, and gives each
stage's share; stages of zero (outside a cradle-to-gate boundary) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup

from api.pages import charts, formatting, gs1, i18n
from registry.errors import NotFound
from registry.ids import LABEL_PREFIX
from registry.interop.pact import terms as pact_terms
from registry.public import catalogue
from registry.public.labels import LabelView
from registry.services import Registry

MAX_SUCCESSION = 20  # a superseded label's successors are followed this far to the current one
MAX_ECHO = 80  # characters of an unknown label id shown back (escaped)


@dataclass
class LabelPage:
    """The verification page's data."""

    label: dict[str, Any]
    evidence: dict[str, Any]
    current_label: str | None
    stages: list[dict[str, Any]] = field(default_factory=list)
    chart: Markup | None = None
    payload_format: dict[str, Any] = field(default_factory=lambda: payload_format())
    alternatives: list[catalogue.Candidate] = field(default_factory=list)


def _value(text: str) -> float | None:
    try:
        return float(Decimal(text))
    except (InvalidOperation, ValueError):
        return None


def current_successor(registry: Registry, view: LabelView) -> str | None:
    """The label that replaces a superseded one (following a chain of replacements), or None."""
    successor = view.label.superseded_by
    for _ in range(MAX_SUCCESSION):
        if successor is None:
            return None
        try:
            nxt = registry.public.label_view(successor)
        except NotFound:
            return successor
        if nxt.label.superseded_by is None:
            return successor
        successor = nxt.label.superseded_by
    return successor


def stage_rows(stages_kg: dict[str, float], value: str) -> list[dict[str, Any]]:
    """Each non-zero stage scaled to the declared unit, with its share of the total (module docstring)."""
    total = sum(stages_kg.values())
    certified = _value(value)
    if not total or certified is None:
        return []
    scale = certified / total
    return [{"stage": stage, "value": amount * scale, "share": amount / total}
            for stage, amount in stages_kg.items() if amount]


def label_page(registry: Registry, label_id: str, lang: str) -> LabelPage:
    """The page data of ``label_id``.

    Raises:
        NotFound: no such label.
    """
    view = registry.public.label_view(label_id)
    data = view.to_json()
    evidence = registry.public.label_log_evidence(view.label)
    current = current_successor(registry, view) if data["status"] == "superseded" else None
    rows = stage_rows(data.get("stages_kg_co2e") or {}, data["value"])
    gettext = i18n.translations(lang).gettext
    chart = None
    if rows:
        bars = [charts.Bar(gettext(i18n.STAGE_NAMES.get(r["stage"], r["stage"])), r["value"],
                           f"{formatting.quantity(r['value'], data['unit'], lang)} · {formatting.share(r['share'], lang)}")
                for r in rows]
        chart = charts.bar_chart(bars, title=gettext("Footprint by life-cycle stage"), chart_id="stages")
    alternatives = catalogue.alternatives(registry.engine, view.label, registry.clock().date())
    return LabelPage(data, evidence, current, rows, chart, alternatives=alternatives)


def shown_id(label_id: str) -> str:
    """An unknown label id as it may be shown back: at most :data:`MAX_ECHO` characters (escaped by the template)."""
    return label_id if len(label_id) <= MAX_ECHO else label_id[:MAX_ECHO] + "…"


def current_label_of_gtin(registry: Registry, gtin: str) -> LabelView:
    """The current label of the product with ``gtin``: its newest label, whatever its status.

    Raises:
        NotFound: no product has this GTIN, or it has no label.
    """
    product = registry.products.product_by_gtin(gtin)
    views = registry.public.labels_of_product(product.id)
    if not views:
        raise NotFound(f"the product with GTIN {gtin} has no label", "gtin")
    return views[0]


def footprint_url(base: str, label_id: str) -> str:
    """The label's product footprint in the PACT API v3: ``/3/footprints/{id}``, id = uuid5 of the label id.

    A label reinstated after a suspension is a new PACT footprint (generation 1, 2, ...; see
    :mod:`registry.interop.pact`); the registry does not yet say which generation is current, so this links
    generation 0, the footprint as first issued.
    """
    return f"{base}/3/footprints/{pact_terms.footprint_id(label_id)}"


def resolver_targets(base: str, anchor: str, view: LabelView) -> gs1.Targets:
    label_id = view.label.label_id
    return gs1.Targets(anchor=anchor, label_page=f"{base}/l/{label_id}", label_json=f"{base}/api/v1/labels/{label_id}",
                       footprint=footprint_url(base, label_id), label_id=label_id,
                       product_name=view.product.name)


def link_titles(lang: str) -> dict[str, str]:
    gettext = i18n.translations(lang).gettext
    return {"page": gettext("Carbon-footprint label: verification page"),
            "json": gettext("Carbon-footprint label as JSON"),
            "footprint": gettext("Product carbon footprint (PACT data model)")}


def payload_format() -> dict[str, Any]:
    """The payload format as data for the in-browser check (prefix, claim keys, code tables).

    Read from :mod:`registry.trust.payload`, so the browser decodes exactly what the registry encodes; the script
    knows only how each named field is written (label number, id, date, code, text, hash prefix).
    """
    from registry.trust import payload

    return {
        "prefix": payload.PREFIX, "sentinel": getattr(payload, "SENTINEL", 1),
        "keys": dict(payload.CLAIM_KEYS), "label_prefix": LABEL_PREFIX,
        "units": {str(k): v for k, v in payload.UNITS.items()},
        "boundaries": {str(k): v for k, v in payload.BOUNDARIES.items()},
        "methods": {str(k): v for k, v in payload.METHODS.items()},
    }
