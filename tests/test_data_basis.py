"""What a footprint rests on (issue 17 item 1): each input's basis, the result's data basis summing to 1, and a
result that rests mostly on estimates called a screening estimate and never rated excellent. Hand-checked on a
toy factor set (tests/conftest.py: a = 0.2 kg CO2e/kg, Sichuan grid 0.1564 kg CO2/kWh)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from api.demo import record_demo_verification
from footprint.calculate import calculate
from footprint.model import ElectricitySettings, FactorData, FactorSet, Identity, Input, Process, ProductSpec


def with_factors(fs: FactorSet, *extra: FactorData) -> FactorSet:
    return replace(fs, factors={**fs.factors, **{f.id: f for f in extra}})


def spec(*processes: Process) -> ProductSpec:
    return ProductSpec(identity=Identity(name="toy"), processes=processes,
                       electricity=ElectricitySettings(series="co2_average", year=2023))


def test_each_basis_is_the_share_of_the_footprint_it_carries(toy_factors):
    fs = with_factors(toy_factors,
                      FactorData("fit.monitor.27.manufacturing", "piece", 100.0, pedigree=(1, 1, 1, 1, 1)),
                      FactorData("label.CD-PCF-2026-000001", "piece", 30.0, basis="supplier_specific"))
    result = calculate(spec(
        # measured at the site: 100 kWh on the Sichuan grid (15.64 kg) and 10 kg of a (2 kg)
        Process(id="assembly", stage="production", primary_data=True, location="CN-SC",
                inputs=(Input(electricity=True, amount=100, unit="kWh"), Input(factor="a", amount=10, unit="kg"),
                        Input(process="parts", amount=1, unit="piece"), Input(process="bought", amount=1, unit="piece"))),
        # a database factor for unmeasured activity: 40 kg of a (8 kg)
        Process(id="parts", stage="raw_materials", inputs=(Input(factor="a", amount=40, unit="kg"),)),
        # a supplier's label (30 kg) and a class fit (100 kg)
        Process(id="bought", stage="raw_materials",
                inputs=(Input(factor="label.CD-PCF-2026-000001", amount=1, unit="piece"),
                        Input(factor="fit.monitor.27.manufacturing", amount=1, unit="piece"))),
    ), fs)
    total = 15.64 + 2 + 8 + 30 + 100
    assert result.total_kg_co2e == pytest.approx(total, rel=1e-9)
    assert result.data_basis == pytest.approx({"primary": 17.64 / total, "supplier_specific": 30 / total,
                                               "secondary": 8 / total, "estimate": 100 / total}, abs=1e-4)
    assert sum(result.data_basis.values()) == pytest.approx(1.0, abs=1e-3)
    assert result.screening_estimate is True  # 100 of 155.64 kg (64 %) rests on a class fit
    assert result.data_quality is not None and result.data_quality.label == "screening estimate"


def test_a_declared_basis_wins_and_without_estimates_it_is_no_screening_estimate(toy_factors):
    result = calculate(spec(
        Process(id="p", stage="production", inputs=(Input(factor="a", amount=10, unit="kg", basis="primary"),
                                                    Input(factor="a", amount=30, unit="kg"))),
    ), toy_factors)
    assert result.data_basis["primary"] == pytest.approx(0.25) and result.data_basis["secondary"] == pytest.approx(0.75)
    assert result.screening_estimate is False
    assert result.data_quality is not None and result.data_quality.label == "excellent"  # pedigree 1 everywhere


def test_the_bundled_spec_only_monitor_is_a_screening_estimate_and_its_bom_version_is_not(release_factors):
    from pathlib import Path

    import yaml

    from footprint.products import to_spec

    root = Path(__file__).resolve().parents[1] / "examples"
    spec_only = calculate(to_spec(yaml.safe_load((root / "monitor_27.yaml").read_text()), release_factors),
                          release_factors)
    bom = calculate(to_spec(yaml.safe_load((root / "desktop_bom.yaml").read_text()), release_factors),
                    release_factors)
    assert spec_only.screening_estimate and spec_only.data_basis["estimate"] > 0.5
    assert spec_only.data_quality is None or spec_only.data_quality.label != "excellent"
    assert not bom.screening_estimate and bom.data_basis["estimate"] == 0


def test_a_spec_only_monitor_cannot_be_submitted_over_http_and_a_certifiable_one_can(tmp_path):
    from pathlib import Path

    import yaml
    from litestar.testing import TestClient

    from api.app import create_app
    from registry.accounts.actors import SYSTEM
    from tests.services import app_settings

    root = Path(__file__).resolve().parents[1] / "examples"
    app = create_app(app_settings(tmp_path))
    reg = app.state.registry
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m1")
    auth = {"Authorization": f"Bearer {reg.organisations.create_token(SYSTEM, 'm1')[1]}"}
    with TestClient(app) as client:
        pid = client.post("/api/v1/products", json={"name": "Monitor", "category": "monitor"}, headers=auth).json()["id"]
        for name, expected in (("monitor_27.yaml", 422), ("registry/monitor_certifiable.yaml", 200)):
            spec = yaml.safe_load((root / name).read_text(encoding="utf-8"))
            dec = client.post("/api/v1/declarations", json={"product_id": pid, "spec": spec}, headers=auth).json()
            assert dec["status"] == "draft"  # computing and saving a screening estimate is allowed
            r = client.post(f"/api/v1/declarations/{dec['id']}/submit", headers=auth)
            assert r.status_code == expected, r.text
            if expected == 422:
                problem = r.json()
                assert problem["field"] == "spec.components" and "screening estimate" in problem["detail"]
        declarations = client.get("/api/v1/declarations", headers=auth).json()
        assert sorted(d["status"] for d in declarations) == ["draft", "submitted"]


def test_a_certified_label_has_its_certificate_and_never_outlives_it(tmp_path):
    """Issue 17 item 3: the certificate behind a label (CNCA-CFP-00: valid 2 years, surveillance after it)."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import yaml

    from api.runtime import open_registry
    from registry.accounts.actors import SYSTEM, Actor
    from registry.certification.issuance import add_months, add_years
    from tests.services import app_settings

    reg = open_registry(app_settings(tmp_path))
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    reg.clock = lambda: now
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m1")
    reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="c", name_en="c", org_id="c1",
                                          accreditation_no="CNCA-T-1")
    mk, cert = Actor("m1", "manufacturer", "t"), Actor("c1", "certifier", "t")
    spec = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples/registry/monitor_certifiable.yaml")
                          .read_text(encoding="utf-8"))
    product = reg.products.create_product(mk, name="Monitor", category="monitor")
    dec = reg.declarations.create_declaration(mk, product_id=product.id, spec=spec)
    reg.declarations.submit(mk, dec.id)
    record_demo_verification(reg, cert, dec.id)
    label = reg.review.approve(cert, dec.id)
    issued = now.date()
    # the monitor rule says 3 years of validity, the certificate 2: the label ends with its certificate
    assert label.valid_until == add_years(issued, 2) == date_of(reg.public.public_label(label.label_id)["valid_until"])
    certificate = reg.public.public_label(label.label_id)["certificate"]
    assert certificate == {"number": f"C-{label.label_id}", "issued": "2026-11-22", "valid_until": "2028-11-22",
                           "next_surveillance_due": add_months(issued, 12).isoformat(), "rule": "monitor@2026.2",
                           "status": "in force"}
    reg.clock = lambda: now + timedelta(days=370)  # past the surveillance date (no audit recorded)
    assert reg.public.label_view(label.label_id).to_json()["certificate"]["status"] == "surveillance overdue"
    assert add_months(datetime(2027, 1, 31).date(), 1).isoformat() == "2027-02-28"


def date_of(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def test_overdue_surveillance_suspends_the_label_and_a_passed_audit_reinstates_it(tmp_path):
    """Issue 17 item 5, with the clock moved past the surveillance date."""
    import json
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import yaml
    from sqlmodel import Session, col, select

    from api.runtime import open_registry
    from registry.accounts.actors import SYSTEM, Actor
    from registry.certification.surveillance import OVERDUE
    from registry.errors import Forbidden, InvalidInput
    from registry.store.tables import LogEntry
    from tests.services import app_settings

    reg = open_registry(app_settings(tmp_path))
    start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    reg.clock = lambda: start
    for org, role, extra in (("m1", "manufacturer", {}), ("c1", "certifier", {"accreditation_no": "CNCA-T-1"}),
                             ("c2", "certifier", {"accreditation_no": "CNCA-T-2"})):
        reg.organisations.create_organisation(SYSTEM, role=role, name_zh=org, name_en=org, org_id=org, **extra)
    mk, cert = Actor("m1", "manufacturer", "t"), Actor("c1", "certifier", "t")
    spec = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples/registry/pv_module_certifiable.yaml")
                          .read_text(encoding="utf-8"))
    product = reg.products.create_product(mk, name="Module", category="pv_module")
    dec = reg.declarations.create_declaration(mk, product_id=product.id, spec=spec)
    reg.declarations.submit(mk, dec.id)
    record_demo_verification(reg, cert, dec.id)
    label_id = reg.review.approve(cert, dec.id).label_id
    assert reg.surveillance.suspend_overdue() == []  # nothing due yet
    later = start + timedelta(days=400)  # the 12-month surveillance date has passed with no audit
    reg.clock = lambda: later
    assert reg.surveillance.suspend_overdue() == [label_id]
    view = reg.public.label_view(label_id)
    assert (view.status, view.label.status_reason) == ("suspended", OVERDUE)
    with Session(reg.engine) as s:
        leaf = s.exec(select(LogEntry).where(LogEntry.subject == label_id).order_by(col(LogEntry.index).desc())).first()
    assert leaf is not None and json.loads(leaf.leaf)["reason"] == OVERDUE  # logged like any status change
    with pytest.raises(Forbidden):
        reg.surveillance.record(Actor("c2", "certifier", "t"), label_id, audited_on=later.date(), outcome="passed",
                                notes="not mine")
    with pytest.raises(InvalidInput) as bad:
        reg.surveillance.record(cert, label_id, audited_on=(later + timedelta(days=1)).date(), outcome="passed",
                                notes="in the future")
    assert bad.value.field == "date"
    audit = reg.surveillance.record(cert, label_id, audited_on=later.date(), outcome="passed", notes="site visit ok")
    assert audit.label_status == "active" and audit.next_surveillance_due.isoformat() == "2028-12-27"
    assert reg.public.label_view(label_id).to_json()["certificate"]["status"] == "in force"
    failed = reg.surveillance.record(cert, label_id, audited_on=later.date(), outcome="failed", notes="meters removed")
    assert failed.label_status == "suspended"


def test_renewals_list_surveillance_and_expiry_due_in_the_next_60_days(tmp_path):
    """Issue 17 item 5: the manufacturer sees what falls due in the next 60 days (API and console)."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import yaml
    from litestar.testing import TestClient

    from api.app import create_app
    from registry.accounts.actors import SYSTEM, Actor
    from tests.services import app_settings

    app = create_app(app_settings(tmp_path))
    reg = app.state.registry
    start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    now = [start]
    reg.clock = lambda: now[0]
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m1")
    reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="c", name_en="c", org_id="c1",
                                          accreditation_no="CNCA-T-1")
    mk, cert = Actor("m1", "manufacturer", "t"), Actor("c1", "certifier", "t")
    token = reg.organisations.create_token(SYSTEM, "m1", days=1000)[1]
    spec = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples/registry/pv_module_certifiable.yaml")
                          .read_text(encoding="utf-8"))
    product = reg.products.create_product(mk, name="Module", category="pv_module")
    dec = reg.declarations.create_declaration(mk, product_id=product.id, spec=spec)
    reg.declarations.submit(mk, dec.id)
    record_demo_verification(reg, cert, dec.id)
    label_id = reg.review.approve(cert, dec.id).label_id  # certificate to 2028-11-22, surveillance 2027-11-22

    def due(days_later: int) -> list[tuple[str, str | None]]:
        now[0] = start + timedelta(days=days_later)
        with TestClient(app) as client:
            r = client.get("/api/v1/renewals", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return [(e["reason"], e["due"]) for e in r.json() if e["label_id"] == label_id]

    assert due(0) == []
    assert due(304) == []  # 2027-09-22: the audit is 61 days away
    assert due(305) == [("surveillance due", "2027-11-22")]  # 2027-09-23: 60 days away
    reg.surveillance.record(cert, label_id, audited_on=now[0].date(), outcome="passed", notes="audit done early")
    assert due(306) == []  # the next audit is a year after this one (2028-09-23)
    assert due(609) == []  # 2028-07-23: 62 days before the next audit
    # 2028-09-23: the audit is due today and the certificate ends in 60 days: both are listed, soonest first
    assert due(671) == [("surveillance due", "2028-09-23"), ("certificate expires", "2028-11-22")]
    assert due(732) == []  # 2028-11-23: the label has ended, nothing left to renew here
