"""The engine on toy systems checkable by hand, and its properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.calculate import Engine, calculate, fresh_solve
from footprint.errors import GridFactorMissing, SingularSystem, UnitMismatch, UnknownFactor
from footprint.matrices import build_system
from footprint.model import Contract, ElectricitySettings, Identity, Input, Process, ProductSpec


def spec(*processes: Process, **kw: object) -> ProductSpec:
    return ProductSpec(identity=Identity(name="toy"), processes=processes, **kw)  # type: ignore[arg-type]


def test_hand_calculation_0_2_plus_3_times_0_5(toy_factors):
    # 1 kg of a (0.2 kg CO2e/kg) + 3 kWh of b (0.5 kg/kWh) = 0.2 + 1.5 = 1.7 kg
    s = spec(Process(id="p", stage="production", inputs=(Input(factor="a", amount=1, unit="kg"),
                                                          Input(factor="b", amount=3, unit="kWh"))))
    r = calculate(s, toy_factors)
    assert r.total_kg_co2e == pytest.approx(1.7, rel=1e-6)
    assert r.gases["CO2-fossil"].kg == pytest.approx(1.5, rel=1e-6)
    assert r.gases["CO2e-unsplit"].kg_co2e == pytest.approx(0.2, rel=1e-6)


def test_units_are_converted_and_subprocesses_scale(toy_factors):
    # q makes 2 pieces from 500 g of a (0.1 kg CO2e); p needs 4 pieces of q: 0.2 kg; plus 1 kWh b: 0.7 kg
    s = spec(
        Process(id="p", stage="production", inputs=(Input(process="q", amount=4, unit="piece"),
                                                     Input(factor="b", amount=1000, unit="Wh"))),
        Process(id="q", stage="raw_materials", output_amount=2, inputs=(Input(factor="a", amount=500, unit="g"),)),
    )
    r = calculate(s, toy_factors)
    assert r.total_kg_co2e == pytest.approx(0.2 + 0.5, rel=1e-6)
    assert r.stages["raw_materials"] == pytest.approx(0.2, rel=1e-6)
    assert r.stages["production"] == pytest.approx(0.5, rel=1e-6)


def test_methane_is_characterised_with_ar6(toy_factors):
    s = spec(Process(id="p", stage="production", emissions={"CH4": 0.1}))
    assert calculate(s, toy_factors).total_kg_co2e == pytest.approx(0.1 * 27.9, rel=1e-6)


def test_allocation_share_scales_burden(toy_factors):
    s = spec(Process(id="p", stage="production", allocation=0.25, inputs=(Input(factor="a", amount=4, unit="kg"),)))
    assert calculate(s, toy_factors).total_kg_co2e == pytest.approx(0.25 * 4 * 0.2, rel=1e-6)


def test_cached_solve_equals_fresh_solve(toy_factors):
    engine = Engine()
    for amount in (1.0, 2.0, 7.5):
        s = spec(Process(id="p", stage="production", inputs=(Input(factor="a", amount=amount, unit="kg"),)))
        cached = calculate(s, toy_factors, engine=engine).total_kg_co2e
        fresh = float(fresh_solve(build_system(s, toy_factors), toy_factors).node_scores.sum())
        assert cached == pytest.approx(fresh, rel=1e-6) == pytest.approx(0.2 * amount, rel=1e-6)


def test_market_based_electricity_counts_contract_and_residual(toy_factors):
    # 10 kWh in CN-SC: location 10 x 0.1564 = 1.564; market: 4 kWh green at 0 + 6 kWh residual 0.6096 = 3.6576
    s = spec(
        Process(id="p", stage="production", location="CN-SC", inputs=(Input(electricity=True, amount=10, unit="kWh"),)),
        electricity=ElectricitySettings(series="co2_average", year=2023,
                                        contracts=(Contract(kind="green_certificate", kwh=4, factor_kg_per_kwh=0),)),
    )
    e = calculate(s, toy_factors).electricity
    assert e.location_based_kg_co2e == pytest.approx(1.564, rel=1e-6)
    assert e.market_based_kg_co2e == pytest.approx(6 * 0.6096, rel=1e-6)
    assert e.covered_kwh == pytest.approx(4)


def test_errors_name_the_field(toy_factors):
    with pytest.raises(UnknownFactor) as exc:
        calculate(spec(Process(id="p", stage="production", inputs=(Input(factor="aa", amount=1, unit="kg"),))),
                  toy_factors)
    assert exc.value.path == "processes[0].inputs[0].factor" and "closest" in exc.value.message
    with pytest.raises(UnitMismatch) as exc2:
        calculate(spec(Process(id="p", stage="production", inputs=(Input(factor="a", amount=1, unit="kWh"),))),
                  toy_factors)
    assert exc2.value.path == "processes[0].inputs[0].unit"
    with pytest.raises(GridFactorMissing, match="CN-SC has: co2_average 2023"):
        calculate(spec(Process(id="p", stage="production", location="CN-SC",
                               inputs=(Input(electricity=True, amount=1, unit="kWh"),)),
                       electricity=ElectricitySettings(series="co2_average", year=2024)), toy_factors)


def test_singular_system_is_an_error(toy_factors):
    # p needs 1 of q and q needs 1 of p: (I - A) is singular
    s = spec(Process(id="p", stage="production", inputs=(Input(process="q", amount=1, unit="piece"),)),
             Process(id="q", stage="production", inputs=(Input(process="p", amount=1, unit="piece"),
                                                         Input(factor="a", amount=1, unit="kg"))))
    with pytest.raises(SingularSystem):
        calculate(s, toy_factors)


def test_monte_carlo_is_reproducible_and_brackets_the_value(toy_factors):
    s = spec(Process(id="p", stage="production", inputs=(Input(factor="a", amount=1, unit="kg"),
                                                          Input(factor="b", amount=3, unit="kWh"))))
    one = calculate(s, toy_factors, iterations=2000, seed=7).uncertainty
    two = calculate(s, toy_factors, iterations=2000, seed=7).uncertainty
    assert one == two
    assert one is not None and one.p2_5 < 1.7 < one.p97_5
    assert one.median == pytest.approx(1.7, rel=0.02)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.001, 1e4), b=st.floats(0.001, 1e4), k=st.floats(0.01, 100))
def test_scaling_demand_scales_result_and_stages_sum(a, b, k):
    from footprint.model import FactorData, FactorSet

    fs = FactorSet("t", "t", {"a": FactorData("a", "kg", 0.2), "b": FactorData("b", "kWh", 0.5)}, {"CO2": 1.0})

    def build(scale: float) -> ProductSpec:
        return spec(
            Process(id="p", stage="production", inputs=(Input(process="q", amount=scale, unit="piece"),
                                                         Input(factor="b", amount=b * scale, unit="kWh"))),
            Process(id="q", stage="raw_materials", inputs=(Input(factor="a", amount=a, unit="kg"),)),
        )

    base, scaled = calculate(build(1.0), fs), calculate(build(k), fs)
    assert scaled.total_kg_co2e == pytest.approx(k * base.total_kg_co2e, rel=1e-5)
    assert sum(scaled.stages.values()) == pytest.approx(scaled.total_kg_co2e, rel=1e-9)
    assert base.total_kg_co2e == pytest.approx(0.2 * a + 0.5 * b, rel=1e-5)


def test_monte_carlo_matches_bw2calc_use_distributions(toy_factors):
    # Each factor used once with one biosphere entry: drawing per factor (ours) and per matrix entry
    # (bw2calc's use_distributions) are the same law. 4,000 draws: percentiles agree within 3 %.
    import numpy as np

    from footprint.uncertainty import bw2calc_monte_carlo, sigma

    s = spec(Process(id="p", stage="production", inputs=(Input(factor="a", amount=1, unit="kg"),
                                                          Input(factor="b", amount=3, unit="kWh"))))
    ours = calculate(s, toy_factors, iterations=4000, seed=11).uncertainty
    theirs = bw2calc_monte_carlo(build_system(s, toy_factors), toy_factors, iterations=4000, seed=11)
    assert ours is not None
    lo, mid, hi = np.percentile(theirs, [2.5, 50, 97.5])
    assert ours.median == pytest.approx(mid, rel=0.03)
    assert ours.p2_5 == pytest.approx(lo, rel=0.03)
    assert ours.p97_5 == pytest.approx(hi, rel=0.03)
    # the spread is the stated one: "a" has pedigree (1,1,1,1,1) so sigma = ln(1.05)/2 (basic GSD2 only)
    assert sigma(toy_factors.factors["a"]) == pytest.approx(0.5 * np.log(1.05))


def test_cached_solve_equals_fresh_bw2calc_lca_on_every_example(release_factors):
    from pathlib import Path

    import numpy as np

    from api.documents import read_document
    from footprint.products import to_spec

    engine = Engine()
    for file in sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml")):
        s = to_spec(read_document(file), release_factors)
        system = build_system(s, release_factors)
        for _ in range(2):  # the first solve prepares the layout, the second re-uses it
            warm = engine.solve(system, release_factors)
        fresh = fresh_solve(system, release_factors)
        for field in ("supply", "node_scores", "gas_kg", "gas_co2e"):
            np.testing.assert_allclose(getattr(warm, field), getattr(fresh, field), rtol=1e-6, atol=1e-9,
                                       err_msg=f"{file.name}: {field}")


def test_empty_product_is_a_specification_error(toy_factors):
    from footprint.errors import SpecificationError

    uses_p = Process(id="q", stage="production", inputs=(Input(process="p", amount=1, unit="piece"),))
    with pytest.raises(SpecificationError, match="empty") as err:
        calculate(spec(Process(id="p", stage="production"), uses_p), toy_factors)
    assert err.value.path == "processes"


# ------------------------------------------------------------------------------------ amounts with their own law
def _law_spec(**q_law: object) -> ProductSpec:
    from footprint.model import AmountUncertainty

    return spec(
        Process(id="p", stage="production", inputs=(
            Input(process="q", amount=2, unit="piece",
                  uncertainty=AmountUncertainty(distribution="uniform", minimum=1, maximum=3)),
            Input(factor="b", amount=3, unit="kWh",
                  uncertainty=AmountUncertainty(distribution="triangular", minimum=2, maximum=6)))),
        Process(id="q", stage="raw_materials", inputs=(
            Input(factor="a", amount=1, unit="kg",
                  uncertainty=AmountUncertainty(distribution="lognormal", gsd=1.5, **q_law)),)),  # type: ignore[arg-type]
    )


def test_amount_laws_give_the_hand_mean_and_match_bw2calc(toy_factors):
    # central: 2 x 1 kg x 0.2 + 3 kWh x 0.5 = 1.9 kg. Means: E[uniform(1,3)] = 2, E[lognormal gsd 1.5] =
    # exp(ln(1.5)^2 / 2) = 1.0857, E[triangular(2,3,6)] = 11/3, factor a's own lognormal (sigma ln(1.05)/2) adds
    # exp(sigma^2/2) = 1.0003: 2 x 1.0857 x 0.2 x 1.0003 + 11/3 x 0.5 = 2.2677
    import numpy as np

    from footprint.uncertainty import bw2calc_monte_carlo

    s = _law_spec()
    r = calculate(s, toy_factors, iterations=20000, seed=3)
    assert r.total_kg_co2e == pytest.approx(1.9, rel=1e-6)  # the stated amounts, not the draws
    assert r.uncertainty is not None and r.uncertainty.mean == pytest.approx(2.2677, rel=0.01)
    assert [p["distribution"] for p in r.uncertainty.parameters] == ["uniform", "triangular", "lognormal"]
    theirs = bw2calc_monte_carlo(build_system(s, toy_factors), toy_factors, iterations=4000, seed=3)
    lo, mid, hi = np.percentile(theirs, [2.5, 50, 97.5])
    assert r.uncertainty.median == pytest.approx(mid, rel=0.03)
    assert r.uncertainty.p2_5 == pytest.approx(lo, rel=0.03)
    assert r.uncertainty.p97_5 == pytest.approx(hi, rel=0.03)


def test_inputs_of_one_parameter_are_drawn_together(toy_factors):
    from footprint.model import AmountUncertainty

    def two(parameter_b: str) -> ProductSpec:
        law = {"distribution": "uniform", "minimum": 0.5, "maximum": 1.5}
        return spec(Process(id="p", stage="production", inputs=(
            Input(factor="b", amount=1, unit="kWh", uncertainty=AmountUncertainty(**law, parameter="x")),  # type: ignore[arg-type]
            Input(factor="b", amount=1, unit="kWh", uncertainty=AmountUncertainty(**law, parameter=parameter_b)))))  # type: ignore[arg-type]

    together = calculate(two("x"), toy_factors, iterations=4000, seed=1).uncertainty
    apart = calculate(two("y"), toy_factors, iterations=4000, seed=1).uncertainty
    assert together is not None and apart is not None
    # one draw u for both: 2 x 0.5 x u spans 0.5-1.5; two draws average out: a narrower interval
    assert together.p2_5 == pytest.approx(0.5 * 2 * (0.5 + 0.025), rel=0.03)
    assert together.p97_5 - together.p2_5 > apart.p97_5 - apart.p2_5


def test_a_loop_falls_back_to_one_solve_per_iteration(toy_factors):
    from footprint.model import AmountUncertainty

    # p needs 1 q; q needs 1 kg a and 0.2 p (a loop): supply q = 1 / (1 - 0.2) = 1.25, total 1.25 x 0.2 = 0.25
    s = spec(Process(id="p", stage="production", inputs=(Input(process="q", amount=1, unit="piece"),)),
             Process(id="q", stage="raw_materials", inputs=(
                 Input(factor="a", amount=1, unit="kg",
                       uncertainty=AmountUncertainty(distribution="uniform", minimum=1, maximum=1.0000001)),
                 Input(process="p", amount=0.2, unit="piece"))))
    r = calculate(s, toy_factors, iterations=200, seed=1)
    assert r.total_kg_co2e == pytest.approx(0.25, rel=1e-6)
    assert r.uncertainty is not None and r.uncertainty.median == pytest.approx(0.25, rel=0.01)


def test_an_amount_outside_its_own_range_is_refused():
    from pydantic import ValidationError

    from footprint.model import AmountUncertainty

    with pytest.raises(ValidationError, match="outside its range"):
        Input(factor="a", amount=5, unit="kg", uncertainty=AmountUncertainty(distribution="triangular", minimum=1,
                                                                              maximum=2))
    with pytest.raises(ValidationError, match="gsd"):
        Input(factor="a", amount=5, unit="kg", uncertainty=AmountUncertainty(distribution="lognormal"))


def test_fast_monte_carlo_with_amount_laws_stays_fast(release_factors):
    import time
    from pathlib import Path

    from api.documents import read_document
    from footprint.products import to_spec

    s = to_spec(read_document(Path(__file__).resolve().parents[1] / "examples" / "pv_hjt_china_average.yaml"),
                release_factors)
    started = time.perf_counter()
    r = calculate(s, release_factors, iterations=1000, seed=1)
    assert r.uncertainty is not None and len(r.uncertainty.parameters) > 10
    assert time.perf_counter() - started < 2  # measured about 10 ms on the 2-core machine; a loose bound
