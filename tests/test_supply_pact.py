"""A supplier's PACT footprint as supplier-specific data for a process (the PACT import direction)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from factors_db.release import factor_set
from footprint.calculate import calculate
from footprint.products import to_spec
from registry.certification import supply
from registry.errors import InvalidCitation
from registry.interop.pact.supplier import READER
from registry.interop.pact.terms import PactError

# an unchanged example of the PACT Technical Specifications v3 (licence: registry/interop/pact/spec/LICENSE.md)
PF = json.loads((Path(__file__).parent / "pact_schemas" / "spec-v3-example-2.json").read_text(encoding="utf-8"))


def product(pf: dict, amount: float) -> dict:
    return {"kind": "custom", "category": "component", "identity": {"name": "assembly with a PACT input"},
            "declared_unit": "1 piece", "electricity": {"series": "co2_average", "year": 2023},
            "processes": [{"id": "p", "stage": "production", "location": "CN-SC",
                           "inputs": [{"supplier_pact": pf, "amount": amount},
                                      {"electricity": True, "amount": 2, "unit": "kWh"}]}]}


def test_a_pact_footprint_becomes_a_factor_with_its_value_per_declared_unit():
    doc = product(PF, 3)
    supplied = supply.supplier_factors(doc, [READER])
    (factor,) = supplied.values()
    extra = {factor.id: factor}
    pcf = PF["pcf"]
    per_unit = Decimal(pcf["pcfExcludingBiogenicUptake"]) / Decimal(pcf["declaredUnitAmount"])
    assert factor.id == f"pact.{PF['id']}" and factor.value_kg_co2e == pytest.approx(float(per_unit))
    fs = supply.with_label_factors(factor_set(), extra)
    result = calculate(to_spec(supply.rewrite(doc, extra, supplied), fs).from_document(doc), fs)
    # 3 declared units of the footprint + 2 kWh at Sichuan's 0.1564 kg/kWh
    assert result.total_kg_co2e == pytest.approx(3 * float(per_unit) + 2 * 0.1564, rel=1e-6)
    assert doc["processes"][0]["inputs"][0]["supplier_pact"] == PF  # the file keeps the footprint (provenance)


def test_bad_pact_inputs_name_their_field():
    with pytest.raises(InvalidCitation) as err:
        supply.supplier_factors(product("not a footprint", 1), [READER])  # type: ignore[arg-type]
    assert err.value.field == "processes[0].inputs[0].supplier_pact"
    with pytest.raises(InvalidCitation) as err:
        supply.supplier_factors(product(PF, -1), [READER])
    assert err.value.field == "processes[0].inputs[0].amount"
    deprecated = copy.deepcopy(PF)
    deprecated["status"] = "Deprecated"
    with pytest.raises(PactError) as perr:
        supply.supplier_factors(product(deprecated, 1), [READER])
    assert perr.value.field == "processes[0].inputs[0].supplier_pact.status"


def test_a_declaration_with_a_pact_input_is_computed_by_the_registry(tmp_path):
    from api.runtime import open_registry
    from registry.accounts.actors import SYSTEM, Actor
    from tests.services import app_settings

    reg = open_registry(app_settings(tmp_path))
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m")
    m = Actor("m", "manufacturer")
    prod = reg.products.create_product(m, name="assembly", category="component")
    dec = reg.declarations.create_declaration(m, product_id=prod.id, spec=product(PF, 3))
    result = json.loads(dec.result)
    pcf = PF["pcf"]
    per_unit = float(Decimal(pcf["pcfExcludingBiogenicUptake"]) / Decimal(pcf["declaredUnitAmount"]))
    assert result["total_kg_co2e"] == pytest.approx(3 * per_unit + 2 * 0.1564, rel=1e-6)
    assert json.loads(dec.document)["processes"][0]["inputs"][0]["supplier_pact"]["id"] == PF["id"]
