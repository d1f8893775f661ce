"""A certified label as the exports read it (ILCD+EPD, openEPD): what was signed, what it was certified from, who
took part, and where the label lives.

:meth:`Exports.certified_label` gathers, for one label: the label's public view (``LabelView.to_json()``: value,
unit, declared unit, boundary, method and validity come from the **signed claim**, the status from the replayed
log), the engine result and category rule the certifier approved (``PublicReads.certified_result``), the product
and the three organisations (manufacturer, certifier, the registry itself), and the label URL
(``base_url + "/l/" + label_id``). The format modules (:mod:`registry.interop.ilcd`,
:mod:`registry.interop.openepd`) are pure functions of the :class:`CertifiedLabel` it returns.

Numbers: the indicator value an export states for the whole declared unit is the signed value
(:meth:`CertifiedLabel.gwp_total_kg`, in kg CO2e). The stage values are the engine's unrounded stages, scaled
from the engine's reference flow (one PV module of the rated power, one monitor ...) to the label's declared unit
by the factor the category rule uses for the label value (:attr:`CertifiedLabel.scale`: ``1000 / rated Wp`` for
"per 1 kWp", 1 otherwise); their sum is the unrounded value, which the signed value rounds to the rule's
significant figures. Before exporting, the rule is applied again to the certified result and must give the signed
value, unit and declared unit; anything else is refused, never mixed.

Errors::

    registry.errors.Conflict                      HTTP 409
     ├── LabelDamaged       label-damaged        the label's row differs from its signed claim or the log
     └── ExportUnmappable   export-unmappable    the label lacks what the format needs (``field`` says what)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from footprint.model import STAGES, UNSPLIT, Result
from registry.errors import Conflict
from registry.keys.custody import REGISTRY_ORG
from registry.public.labels import DAMAGED, PublicReads
from registry.rules import load_rule
from registry.rules.values import label_value
from registry.store.tables import Organisation
from registry.work import RegistryContext

#: Statuses in which a label is in force; any other status is stated in every export.
IN_FORCE = ("active",)

#: EN 15804 modules and the engine stages each one holds (see :mod:`registry.interop.ilcd.mapping` for why).
MODULES: dict[str, tuple[str, ...]] = {"A1-A3": ("raw_materials", "production"), "A4": ("distribution",),
                                       "B6": ("use",), "C4": ("end_of_life",)}
#: The product stage: the engine's stages up to the factory gate.
PRODUCT_STAGE = MODULES["A1-A3"]


class LabelDamaged(Conflict):
    """The label's row differs from its signed claim or from the log: nothing is exported from it."""

    code = "label-damaged"


class ExportUnmappable(Conflict):
    """The label lacks what the export format needs, or its certified result no longer gives the signed value."""

    code = "export-unmappable"


@dataclass(frozen=True)
class CertifiedLabel:
    """One certified label, everything an export may state.

    Attributes:
        label: ``LabelView.to_json()``: the signed claim's value, unit, declared unit, boundary, method and validity;
            ``status`` (active, suspended, revoked, expired, superseded), product, manufacturer and certifier.
        rule: the category rule the label was certified under, ``id@version``.
        result: the engine result the certifier approved (per ``result.declared_unit``, kg CO2e).
        label_url: the label's public page, ``base_url + "/l/" + label_id``.
        registry: the registry organisation (``id``, ``name_zh``, ``name_en``): programme operator and publisher.
        scale: engine reference flow -> the label's declared unit (``1000 / rated Wp`` for "1 kWp", else 1).
    """

    label: Mapping[str, Any]
    rule: str
    result: Result
    label_url: str
    registry: Mapping[str, str]
    scale: float

    @property
    def label_id(self) -> str:
        return str(self.label["label_id"])

    @property
    def status(self) -> str:
        return str(self.label["status"])

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    def gwp_total_kg(self) -> Decimal:
        """The signed value in kg CO2e per declared unit (a label in g CO2e is divided by 1000, exactly)."""
        value = Decimal(str(self.label["value"]))
        return value.scaleb(-3) if self.label["unit"] == "g CO2e" else value

    def stages_kg(self) -> dict[str, float]:
        """The engine's stages in kg CO2e per declared unit (unrounded), in the engine's stage order."""
        return {s: float(self.result.stages.get(s, 0.0)) * self.scale for s in STAGES}

    def modules_kg(self) -> dict[str, float]:
        """kg CO2e per declared unit by EN 15804 module (:data:`MODULES`). A1-A3 is always declared; a later module
        only when its stage is not zero: a stage the engine did not model (no use-stage emissions of a PV module,
        distribution left out for want of a distance) is not declared rather than declared as 0."""
        stages = self.stages_kg()
        out = {}
        for module, held in MODULES.items():
            kg = sum(stages[s] for s in held)
            if module == "A1-A3" or kg != 0.0:
                out[module] = kg
        return out

    def gwp_split_kg(self) -> dict[str, float] | None:
        """GWP-fossil and GWP-biogenic in kg CO2e per declared unit, of the product stage (A1-A3), or None.

        None when the result cannot give them: a factor given as undivided CO2e (``CO2e-unsplit`` in the gases:
        the result's ``fossil_kg_co2e`` is then only "total minus biogenic"), or emissions after the factory gate
        (the result splits its total, not each stage)."""
        if UNSPLIT in self.result.gases:
            return None
        if any(v for s, v in self.result.stages.items() if s not in PRODUCT_STAGE):
            return None
        return {"fossil": self.result.fossil_kg_co2e * self.scale, "biogenic": self.result.biogenic_kg_co2e * self.scale}

    def valid_from(self) -> date:
        return date.fromisoformat(str(self.label["valid_from"]))

    def valid_until(self) -> date:
        return date.fromisoformat(str(self.label["valid_until"]))

    @property
    def claim(self) -> Mapping[str, Any]:
        """The signed claim (canonical JSON, as signed)."""
        return self.label.get("claim") or {}

    def signed(self, key: str) -> Any:
        """A field of the signed claim, else the label row's (which the integrity check held equal to it)."""
        return self.claim.get(key, self.label.get(key))

    def issued_at(self) -> datetime:
        """When the label was issued: the claim's signed time (Unix seconds), else the row's (UTC)."""
        signed = self.claim.get("issued_at")
        if isinstance(signed, int):
            return datetime.fromtimestamp(signed, UTC)
        issued = datetime.fromisoformat(str(self.label["issued_at"]))
        return issued if issued.tzinfo else issued.replace(tzinfo=UTC)

    def factor_release(self) -> tuple[str, str]:
        """The signed factor release id and its content hash."""
        release = self.result.factor_release
        return (str(self.claim.get("factor_release") or release.get("id")),
                str(self.claim.get("factor_release_sha256") or release.get("sha256")))

    def status_sentence(self) -> str:
        """One sentence on the label's status: in force, or not in force and why."""
        if self.in_force:
            return (f"Label {self.label_id} is active (in force) from {self.label['valid_from']} until "
                    f"{self.label['valid_until']}.")
        reason = str(self.label.get("status_reason") or "").strip()
        if self.status == "superseded" and self.label.get("superseded_by"):
            reason = reason or f"superseded by label {self.label['superseded_by']}"
        if self.status == "expired":
            reason = reason or f"its validity ended on {self.label['valid_until']}"
        return (f"Label {self.label_id} is {self.status.upper()}: it is not in force and must not be used as a "
                f"current declaration" + (f" ({reason})." if reason else "."))


class Exports:
    """Reads a certified label for an export (public: no actor needed, like the label page)."""

    def __init__(self, ctx: RegistryContext, public: PublicReads) -> None:
        self.ctx = ctx
        self.public = public

    def certified_label(self, label_id: str, base_url: str) -> CertifiedLabel:
        """Everything an export of ``label_id`` may state.

        Raises:
            NotFound: no such label.
            LabelDamaged: the label's row differs from its signed claim or the log (status ``damaged``).
            ExportUnmappable: no certified result, a result of another input, or a result that no longer gives the
                signed value under its rule.
        """
        view = self.public.label_view(label_id)
        label = view.to_json()
        if view.status == DAMAGED:
            raise LabelDamaged(f"label {label_id} is damaged ({view.integrity.reason}); it cannot be exported",
                               "status")
        certified = self.public.certified_result(view.label)
        if certified is None:
            raise ExportUnmappable(f"label {label_id} has no certified result", "result")
        rule_ref, result = certified
        claim = json.loads(view.label.claim)
        if claim.get("input_sha256") and claim["input_sha256"] != result.input_sha256:
            raise ExportUnmappable(f"the certified result is of input {result.input_sha256[:12]}, the signed claim "
                                   f"of {str(claim['input_sha256'])[:12]}", "result")
        rule_id, _, version = rule_ref.partition("@")
        derived = label_value(load_rule(rule_id, version or None), result)
        signed = (str(label["value"]), str(label["unit"]), str(label["declared_unit"]))
        if (derived.value, derived.unit, derived.declared_unit) != signed:
            raise ExportUnmappable(f"rule {rule_ref} gives {derived.value} {derived.unit} per "
                                   f"{derived.declared_unit} from the certified result; the label signs "
                                   f"{signed[0]} {signed[1]} per {signed[2]}", "value")
        raw_kg = derived.raw / 1000 if derived.unit == "g CO2e" else derived.raw
        scale = raw_kg / result.total_kg_co2e if result.total_kg_co2e else 1.0
        with self.ctx.read() as s:
            org = s.get(Organisation, REGISTRY_ORG)
        registry = {"id": REGISTRY_ORG, "name_zh": org.name_zh if org else "", "name_en": org.name_en if org else ""}
        return CertifiedLabel(label=label, rule=rule_ref, result=result,
                              label_url=f"{base_url.rstrip('/')}/l/{label_id}", registry=registry, scale=scale)
