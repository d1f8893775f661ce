"""Which inventory builds a PV module: the by-mass one when the factor release holds its unit processes (2026.3 on),
else the legacy one of releases 2026.1 and 2026.2 (so that a result computed with them is recomputed unchanged)."""

from __future__ import annotations

from footprint.errors import SpecificationError
from footprint.model import FactorSet, ProductSpec
from footprint.products import pv_inventory, pv_legacy
from footprint.products.pv_module import BY_MASS_FIELDS, PVModule


def build(m: PVModule, factors: FactorSet) -> ProductSpec:
    """The process system of one module, with the inventory of ``factors``' release."""
    if pv_inventory.available(factors):
        return pv_inventory.build(m, factors)
    declared = [f for f in BY_MASS_FIELDS if f in m.model_fields_set]
    if declared:
        raise SpecificationError(
            f"{declared[0]} needs factor release 2026.3 or later (release {factors.release_id} has no by-mass PV "
            "inventory)", declared[0])
    return pv_legacy.build(m, factors)
