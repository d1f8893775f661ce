"""What a battery declaration may state, read from a certified label or from a computed (uncertified) result.

:class:`BatteryFacts` is the one input of the two battery exports (:mod:`.declaration`, :mod:`.passport`). It holds
the engine result the certifier approved (or, for ``pcf export ... FILE``, the result just computed, marked
``certified=False``) and what the signed claim says of the label. Its methods give the figures per kWh of total
energy delivered over the service life, each a division of the result by the result's own lifetime energy: no
number is made up, and a figure the result does not hold refuses the export.

Errors (both :class:`registry.interop.certified.ExportUnmappable`, HTTP 409, one line with ``code`` and ``field``)::

    NotABattery      not-a-battery       the label is not of a battery (field ``category``)
    ExportUnmappable export-unmappable   no lifetime energy, missing or doubled stages, stages that do not sum
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from footprint.model import Result
from footprint.products.battery import DECLARATION_STAGES
from registry.interop.certified import CertifiedLabel, ExportUnmappable

#: The Annex II stages, in the regulation's order (the keys of ``result.extra["declaration_stages_kg_co2e"]``).
STAGES: tuple[str, ...] = tuple(DECLARATION_STAGES)
#: How far the stages may sum from the total before an export is refused (relative).
SUM_TOLERANCE = 0.005


class NotABattery(ExportUnmappable):
    """The label is not of a battery: it has no battery declaration."""

    code = "not-a-battery"


@dataclass(frozen=True)
class BatteryFacts:
    """One battery's result and what is known of its label.

    Attributes:
        result: the engine result (the certified one for a label), per battery (``result.declared_unit``).
        certified: False for a product file computed on the spot (no label, no certifier, no public study).
        product: ``name``, ``model``, ``gtin`` (each may be None).
        manufacturer: ``id``, ``name_zh``, ``name_en`` of the manufacturer organisation; for a file, ``name`` only.
        label: for a certified label, ``CertifiedLabel.label`` (the signed claim's value, unit, declared unit,
            boundary, method, validity; status); empty for a file.
        label_url: the label's public page (the public study's link); None for a file.
        rule: the category rule, ``id@version``; None for a file.
        status_sentence: one sentence on the label's status (None for a file).
    """

    result: Result
    certified: bool
    product: Mapping[str, Any]
    manufacturer: Mapping[str, Any]
    label: Mapping[str, Any] = field(default_factory=dict)
    label_url: str | None = None
    rule: str | None = None
    status_sentence: str | None = None

    @classmethod
    def of_label(cls, cl: CertifiedLabel) -> BatteryFacts:
        """The facts of a certified label.

        Raises:
            NotABattery: the label's result is not of a battery.
        """
        if cl.result.extra.get("kind") != "battery":
            raise NotABattery(f"label {cl.label_id} is a {cl.label.get('category')} label, not a battery's: it has "
                              "no battery declaration", "category")
        return cls(result=cl.result, certified=True, product=dict(cl.label["product"]),
                   manufacturer=dict(cl.label["manufacturer"]), label=cl.label, label_url=cl.label_url, rule=cl.rule,
                   status_sentence=cl.status_sentence())

    @classmethod
    def of_file(cls, result: Result, document: Mapping[str, Any]) -> BatteryFacts:
        """The facts of a product file computed on the spot (``certified=False``).

        Raises:
            NotABattery: the file is not ``kind: battery``.
        """
        if result.extra.get("kind") != "battery":
            raise NotABattery(f"the file is kind {document.get('kind')!r}, not battery: it has no battery "
                              "declaration", "kind")
        product = {k: document.get(k) for k in ("name", "model", "gtin")}
        return cls(result=result, certified=False, product=product, manufacturer={"name": document.get("manufacturer")})

    # ------------------------------------------------------------------------------------------------ figures
    @property
    def extra(self) -> Mapping[str, Any]:
        return self.result.extra

    @property
    def label_id(self) -> str | None:
        return str(self.label["label_id"]) if self.label else None

    @property
    def status(self) -> str | None:
        return str(self.label["status"]) if self.label else None

    def lifetime_energy_kwh(self) -> float:
        """Total energy delivered over the service life, kWh (the result's, from the maker's file).

        Raises:
            ExportUnmappable: the file declared no lifetime.
        """
        lifetime = self.extra.get("battery.lifetime_energy_kwh")
        if not lifetime:
            raise ExportUnmappable("the battery declares no lifetime (usable energy, cycles per year, service "
                                   "years): there is no figure per kWh of lifetime energy", "battery.lifetime_energy_kwh")
        return float(lifetime)

    def stages_kg(self) -> dict[str, float]:
        """kg CO2e per battery of each Annex II stage, in the regulation's order, each stage once.

        Raises:
            ExportUnmappable: a stage missing or unknown, or the stages not summing to the total within 0.5 %.
        """
        got = self.extra.get("declaration_stages_kg_co2e")
        if not isinstance(got, Mapping) or set(got) != set(STAGES):
            have = sorted(got) if isinstance(got, Mapping) else None
            raise ExportUnmappable(f"the result's declaration stages are {have}, not the four of Annex II",
                                   "declaration_stages_kg_co2e")
        stages = {s: float(got[s]) for s in STAGES}
        total = self.result.total_kg_co2e
        if abs(sum(stages.values()) - total) > SUM_TOLERANCE * abs(total):
            raise ExportUnmappable(f"the declaration stages sum to {sum(stages.values()):.6g} kg CO2e, the total is "
                                   f"{total:.6g}", "declaration_stages_kg_co2e")
        return stages

    def per_kwh_lifetime(self) -> tuple[float, dict[str, float]]:
        """The total and each stage in kg CO2e per kWh of lifetime energy (unrounded).

        Raises:
            ExportUnmappable: see :meth:`lifetime_energy_kwh` and :meth:`stages_kg`.
        """
        lifetime = self.lifetime_energy_kwh()
        stages = self.stages_kg()
        total = self.result.total_kg_co2e / lifetime
        recorded = self.extra.get("battery.kg_co2e_per_kwh_lifetime")
        if recorded is not None and abs(float(recorded) - total) > 1e-9 * max(abs(total), 1e-12):
            raise ExportUnmappable(f"the result records {recorded} kg CO2e per kWh of lifetime energy, its total "
                                   f"and lifetime energy give {total}", "battery.kg_co2e_per_kwh_lifetime")
        return total, {s: kg / lifetime for s, kg in stages.items()}

    def plant(self) -> dict[str, Any]:
        """Where the battery was made as far as the file says: the grid region of its last step (``pack`` for a
        pack, ``cell`` for a cell) and every step's region. No address: the registry does not hold one."""
        regions = dict(self.extra.get("battery.regions") or {})
        step = "cell" if self.extra.get("battery.level") == "cell" else "pack"
        return {"step": step, "region": regions.get(step), "regions": regions}
