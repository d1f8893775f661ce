"""A supplier's PACT ProductFootprint as supplier-specific data in a product file (``supplier_pact: {...}``).

:data:`READER` is the :class:`registry.certification.supply.SupplierDocumentReader` that the composition root
hands to certification; the mapping itself is :func:`from_product_footprint` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from footprint.model import UNSPLIT, FactorData
from registry.interop.pact.terms import UNIT_FROM_PACT, PactError, PactVersion
from registry.interop.pact.validation import parse_time, schema_errors


@dataclass(frozen=True, slots=True)
class SupplierFactor:
    """A supplier's PACT footprint as supplier-specific data for one of our processes."""

    factor_id: str  # "pact.<footprint id>"
    unit: str  # our unit string: kg, piece, kWh, m2, L, m3, MJ, t*km, h
    kg_co2e_per_unit: float  # pCfExcludingBiogenic (v2) / pcfExcludingBiogenicUptake (v3) per 1 unit
    name: str
    geography: str
    year: int | None
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kg_co2e_per_unit >= 0:
            raise ValueError(f"kg_co2e_per_unit must be >= 0, got {self.kg_co2e_per_unit!r}")

    def to_factor_data(self) -> FactorData:
        """The factor the engine uses (CO2e not split by gas: booked on ``CO2e-unsplit``)."""
        p = self.provenance
        source = (f"PACT {p.get('spec_version')} footprint {p.get('pf_id')} of {p.get('company_name')} "
                  f"(reference period {p.get('reference_period_start')} to {p.get('reference_period_end')})")
        return FactorData(id=self.factor_id, unit=self.unit, value_kg_co2e=self.kg_co2e_per_unit, name=self.name,
                          category="component", geography=self.geography, year=self.year,
                          gases={UNSPLIT: self.kg_co2e_per_unit}, source=source, basis="supplier_specific")


def from_product_footprint(pf: Mapping[str, Any]) -> SupplierFactor:
    """A supplier's ProductFootprint (v2.x or v3.x, by its ``specVersion``) as a :class:`SupplierFactor`.

    Raises:
        PactError: invalid footprint (naming the field), ``Deprecated`` status, or a unit we cannot use.
    """
    if not isinstance(pf, Mapping):
        raise PactError("a ProductFootprint must be a JSON object", "(document)")
    major = str(pf.get("specVersion", "")).split(".")[0]
    if major not in ("2", "3"):
        raise PactError(f"unsupported specVersion {pf.get('specVersion')!r}: 2.x or 3.x", "specVersion")
    version = cast(PactVersion, major)
    errors = schema_errors(pf, version)
    if errors:
        where, message = errors[0]
        raise PactError(message, where)
    if pf["status"] != "Active":
        raise PactError("a Deprecated footprint should not be used for calculations (PACT status)", "status")
    pcf = pf["pcf"]
    if version == "2":
        pact_unit, amount, value = pcf["declaredUnit"], pcf["unitaryProductAmount"], pcf["pCfExcludingBiogenic"]
        per_unit = Decimal(value)  # v2: kg CO2e per ONE declared unit
        unit_field = "pcf.declaredUnit"
    else:
        pact_unit, amount = pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]
        value = pcf["pcfExcludingBiogenicUptake"]
        try:
            per_unit = Decimal(value) / Decimal(amount)  # v3: per declaredUnitAmount units
        except (InvalidOperation, ZeroDivisionError):
            raise PactError(f"declaredUnitAmount must be > 0, got {amount!r}", "pcf.declaredUnitAmount") from None
        unit_field = "pcf.declaredUnitOfMeasurement"
    unit = UNIT_FROM_PACT.get(pact_unit)
    if unit is None:
        raise PactError(f"declared unit {pact_unit!r} has no counterpart in our units", unit_field)
    geography = (pcf.get("geographyCountrySubdivision") or pcf.get("geographyCountry")
                 or pcf.get("geographyRegionOrSubregion") or "GLO")
    ref_end = parse_time(pcf.get("referencePeriodEnd"))
    provenance = {
        "pf_id": pf["id"], "company_name": pf["companyName"], "company_ids": list(pf["companyIds"]),
        "version": pf.get("version"), "spec_version": pf["specVersion"], "product_ids": list(pf["productIds"]),
        "product_name": pf.get("productNameCompany"),
        "declared_unit": f"{amount} {pact_unit}", "value_kg_co2e": value,
        "reference_period_start": pcf.get("referencePeriodStart"), "reference_period_end": pcf.get("referencePeriodEnd"),
        "assurance": pcf.get("assurance") or pcf.get("verification"),
        "primary_data_share": pcf.get("primaryDataShare"),
    }
    name = str(pf.get("productNameCompany") or pf.get("productDescription") or pf["id"])
    return SupplierFactor(factor_id=f"pact.{pf['id']}", unit=unit, kg_co2e_per_unit=float(per_unit), name=name,
                          geography=str(geography), year=ref_end.year if ref_end else None, provenance=provenance)

class PactFootprintReader:
    """Reads ``supplier_pact``: a PACT v2.x or v3.x ProductFootprint (schema-checked, ``Active`` only)."""

    key = "supplier_pact"
    description = "a supplier's PACT ProductFootprint"

    def factor(self, document: Any) -> FactorData:
        return from_product_footprint(document).to_factor_data()


READER = PactFootprintReader()
