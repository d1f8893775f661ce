"""Electricity accounting, location-based and market-based, side by side.

Location-based: each process's kWh at the grid factor of its region (the series and year of the
specification; GB/T 24067 asks for the life-cycle footprint series). Market-based: kWh covered by a
contract (green certificate, PPA) at the contract's factor; the rest at the residual factor that excludes
market-traded non-fossil power, so that certified green power is not counted twice. Contract kWh are per
declared unit, like every other amount of the specification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from footprint.errors import GridFactorMissing
from footprint.model import ElectricityResult, FactorSet, ProductSpec

SERIES_LABELS = {
    "cfp_grid_average": "life-cycle carbon-footprint factor, CO2e incl. upstream and T&D (GB/T 24067 series)",
    "co2_average": "CO2-only generation factor: excludes upstream fuel chains, non-CO2 gases and T&D",
    "co2_average_excl_market_nonfossil": "CO2-only factor excluding market-traded non-fossil power (residual)",
    "co2_fossil_only": "CO2-only factor of fossil generation",
}


if TYPE_CHECKING:
    from footprint.matrices import System
    from footprint.solved import Solved


def electricity_result(
    spec: ProductSpec, factors: FactorSet, system: System, solved: Solved, total: float
) -> ElectricityResult:
    """Location-based and market-based electricity of a solved system."""
    settings = spec.electricity
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    for e in system.electricity:
        node = int(e["node"])  # type: ignore[call-overload]
        rows.append(
            {"process": e["process"], "region": e["region"], "factor": e["factor"],
             "kwh": float(solved.supply[node]), "kg_co2e": float(solved.node_scores[node]),
             "covered_kwh": 0.0}
        )
    location = sum(r["kg_co2e"] for r in rows)
    kwh = sum(r["kwh"] for r in rows)

    market = 0.0
    for i, contract in enumerate(settings.contracts):
        factor = (
            contract.factor_kg_per_kwh
            if contract.factor is None
            else factors.get(contract.factor, f"electricity.contracts[{i}].factor").value_kg_co2e
        )
        left = contract.kwh
        for r in rows:
            if left <= 0:
                break
            if contract.process is not None and r["process"] != contract.process:
                continue
            take = min(left, r["kwh"] - r["covered_kwh"])
            r["covered_kwh"] += take
            left -= take
            market += take * float(factor or 0.0)
        if left > 1e-9:
            notes.append(f"contract {i} ({contract.kind}) covers {left:g} kWh more than the processes use; "
                         "the excess is ignored")
    covered = sum(r["covered_kwh"] for r in rows)
    residual_id: str | None = None
    if kwh - covered > 0:
        try:
            residual, _ = factors.grid("CN", settings.residual_year, settings.residual_series)
            residual_id = residual.id
            market += (kwh - covered) * residual.value_kg_co2e
            notes.append(
                f"uncovered {kwh - covered:.4g} kWh at the residual factor {residual.id} "
                f"({SERIES_LABELS.get(settings.residual_series, settings.residual_series)})"
            )
        except GridFactorMissing as exc:
            market += sum(r["kg_co2e"] * (1 - r["covered_kwh"] / r["kwh"]) for r in rows if r["kwh"])
            notes.append(f"no residual factor ({exc.message}); uncovered kWh kept at location-based factors")
    return ElectricityResult(
        kwh=kwh,
        series=settings.series,
        series_label=SERIES_LABELS.get(settings.series, settings.series),
        year=settings.year,
        location_based_kg_co2e=location,
        market_based_kg_co2e=market,
        total_market_based_kg_co2e=total - location + market,
        covered_kwh=covered,
        residual_factor=residual_id,
        by_process=rows,
        notes=notes,
    )
