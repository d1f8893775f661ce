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
from footprint.model import ELECTRICITY_MODES, ElectricityResult, FactorSet, ProductSpec, national_region

SERIES_LABELS = {
    "cfp_grid_average": "life-cycle carbon-footprint factor, CO2e incl. upstream and T&D (GB/T 24067 series)",
    "co2_average": "CO2-only generation factor: excludes upstream fuel chains, non-CO2 gases and T&D",
    "co2_average_excl_market_nonfossil": "CO2-only factor excluding market-traded non-fossil power (residual)",
    "co2_fossil_only": "CO2-only factor of fossil generation",
}


#: What each accounting mode asks (issue 20 item 5), as a result names it.
MODE_RULES = {
    "label_scheme": "China's label scheme (CNCA-CFP-00:2025, GB/T 24067-2024): grid electricity at the life-cycle "
                    "factor of the region where it is used (the declared series and year)",
    "eu_national_mix": "EU battery carbon-footprint draft delegated act (April 2024 text, as issue 20 quotes it): grid "
                       "electricity at the national average mix of the production country (direct lines excepted)",
    "market_based": "Market-based (GHG Protocol Scope 2 quality criteria): contracted kWh (green certificates, PPAs, "
                    "direct lines) at the contract's factor, the rest at the residual factor",
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
             "covered_kwh": 0.0, "declared_region": e.get("declared_region", e["region"])}
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
    market_factors = sorted({*([residual_id] if residual_id else []),
                             *(c.factor for c in settings.contracts if c.factor is not None)})
    modes = _modes(spec, factors, rows, total, location, (market, total - location + market, market_factors))
    return ElectricityResult(
        mode=settings.mode,
        mode_total_kg_co2e=modes[settings.mode]["total_kg_co2e"],
        modes=modes,
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


def _revalue(rows: list[dict[str, Any]], factors: FactorSet, target: str) -> tuple[float | None, list[str], list[str]]:
    """The electricity of ``rows`` with each kWh at the grid factor of its ``target`` region (same series and year).

    Exact for the engine's linear model: each electricity node's score is its kWh times its grid factor, so swapping
    the factor swaps the score. Returns None when a region has no factor of that series and year (named in notes).
    """
    kg, used, notes = 0.0, [], []
    for r in rows:
        region = national_region(str(r["region"])) if target == "national" else str(r["declared_region"])
        f = factors.factors.get(str(r["factor"]))
        if f is None or f.geography == region:
            kg += float(r["kg_co2e"])
            used.append(str(r["factor"]))
            continue
        try:
            g, _ = factors.grid(region, f.year or 0, f.series or "")
        except GridFactorMissing as exc:
            notes.append(f"{r['process']}: {exc.message}")
            return None, sorted(set(used)), notes
        kg += float(r["kwh"]) * g.value_kg_co2e
        used.append(g.id)
    return kg, sorted(set(used)), notes


def _modes(spec: ProductSpec, factors: FactorSet, rows: list[dict[str, Any]], total: float, location: float,
           market_figures: tuple[float, float, list[str]]) -> dict[str, dict[str, Any]]:
    """Every accounting mode side by side: the one the declaration claims as computed, the others re-valued."""
    market, market_total, market_factors = market_figures
    used_mode = spec.electricity.mode
    # a battery in eu_national_mix maps its regions before the engine sees them: the declared regions are gone
    regions_known = spec.extra.get("battery.electricity_mode") != "eu_national_mix"
    out: dict[str, dict[str, Any]] = {}
    for mode in ELECTRICITY_MODES:
        entry: dict[str, Any] = {"rule": MODE_RULES[mode], "used": mode == used_mode}
        if mode == "market_based":
            entry |= {"electricity_kg_co2e": market, "total_kg_co2e": market_total,
                      "method": "contracts and residual factor over the same kWh (footprint.electricity)",
                      "factors": market_factors,
                      "notes": [] if spec.electricity.contracts else ["no contracts declared: every kWh at the "
                                                                      "residual factor"]}
        elif mode == used_mode or (mode == "label_scheme" and used_mode == "market_based"):
            entry |= {"electricity_kg_co2e": location, "total_kg_co2e": total, "method": "computed",
                      "factors": sorted({str(r["factor"]) for r in rows}), "notes": []}
        elif mode == "label_scheme" and not regions_known:
            entry |= {"electricity_kg_co2e": None, "total_kg_co2e": None, "method": "not available",
                      "factors": [], "notes": ["the product file mapped its regions to national grids before the "
                                               "calculation: recompute it with the label scheme's mode"]}
        else:
            kg, used, notes = _revalue(rows, factors, "national" if mode == "eu_national_mix" else "declared")
            entry |= {"electricity_kg_co2e": kg, "total_kg_co2e": None if kg is None else total - location + kg,
                      "method": "electricity re-valued (each kWh of the solved system at this mode's grid factor; "
                                "the rest of the footprint unchanged)", "factors": used, "notes": notes}
        out[mode] = entry
    return out
