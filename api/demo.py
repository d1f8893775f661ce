"""Demo data: organisations, tokens, products from ``examples/`` and labels in every status.

The organisations are fictitious ("示例" = example); the product files are the bundled examples, computed with the
bundled factor release like any other declaration. One label is issued with the clock set four years back, so
that the demo shows an expired label (its log entry carries that date).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, overload

from api.documents import read_document
from registry.accounts.actors import SYSTEM, Actor
from registry.accounts.people import generate_password
from registry.certification.verification import Statement, unverified
from registry.services import Registry

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ORGS = [
    ("demo_manufacturer", "manufacturer", "示例光伏与显示科技（成都）有限公司", "Example PV & Display Tech (Chengdu)", None),
    ("demo_other", "manufacturer", "另一示例电子有限公司", "Another Example Electronics", None),
    ("demo_supplier", "manufacturer", "示例光伏玻璃有限公司", "Example Solar Glass Co.", None),
    ("demo_certifier", "certifier", "示例认证中心", "Example Certification Centre", "CNCA-R-DEMO-001"),
    ("demo_admin", "admin", "平台管理", "Platform administration", None),
]


@functools.cache
def demo_report() -> bytes:
    """The demo's verification report: a one-page PDF that says it is a demonstration, not a verification."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # the same bytes every time (one SHA-256)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "pcf-registry demonstration: verification report\n\n"
                         "This file stands in for a verification report in the demo. No verification took place: "
                         "the organisations, site and people named in the demo are fictitious.")
    return bytes(pdf.output())


def demo_statement(visited: date, to_verify: tuple[str, ...] = ()) -> Statement:
    """The demo's (fictitious) verification statement, for a site visit on ``visited``, with a note for each
    checklist item ``to_verify`` (saying that nothing was checked)."""
    return Statement(
        checks=tuple((rule, "演示：未实际核查 / demo: nothing was checked") for rule in to_verify),
        assurance_level="reasonable", objectives="演示 / demo: verify the declared product carbon footprint",
        scope="演示 / demo: the declared unit and boundary of the declaration, data of its product file",
        materiality_percent="5", opinion="unmodified",
        opinion_text="演示，非真实核查 / demonstration only, no verification took place",
        site_visit_date=visited, site="演示工厂（虚构）/ demo factory (fictitious), Chengdu",
        verifiers=("演示核查员 / demo verifier",))


def demo_verification_json(visited: date, to_verify: tuple[str, ...] = ()) -> dict[str, Any]:
    """The demo's verification as the body of ``POST /api/v1/declarations/{id}/verification``."""
    fields = dataclasses.asdict(demo_statement(visited, to_verify))
    return {**fields, "site_visit_date": visited.isoformat(), "verifiers": list(fields["verifiers"]),
            "checks": dict(fields["checks"]),
            "report_base64": base64.b64encode(demo_report()).decode(),
            "report_filename": "demo-verification-report.pdf", "report_media_type": "application/pdf"}


def record_demo_verification(reg: Registry, certifier: Actor, declaration_id: str) -> None:
    """Record the demo's (fictitious) verification of a submitted declaration, as a certifier does before approval."""
    dec = reg.declarations.get_declaration(certifier, declaration_id)
    statement = demo_statement(reg.clock().date(), unverified(json.loads(dec.checklist)))
    reg.verifications.record_verification(certifier, declaration_id, statement, demo_report(),
                                          "demo-verification-report.pdf", "application/pdf")


def _doc(name: str) -> dict[str, Any]:
    return read_document(EXAMPLES / name)


@overload
def seed_demo(reg: Registry, *, if_empty: Literal[False] = False) -> dict[str, Any]: ...
@overload
def seed_demo(reg: Registry, *, if_empty: bool) -> dict[str, Any] | None: ...
def seed_demo(reg: Registry, *, if_empty: bool = False) -> dict[str, Any] | None:
    """Create the demo; returns the credentials, or None when ``if_empty`` and the demo exists already."""
    exists = reg.organisations.exists("demo_manufacturer")
    if exists and if_empty:
        return None
    # The organisations (and the certifier's first key) date from four years back, so that the expired label
    # below was signed within its key's validity window.
    real_clock = reg.clock
    past = real_clock() - timedelta(days=4 * 365)
    reg.clock = lambda: past
    try:
        for org_id, role, zh, en, accreditation in ORGS:
            reg.organisations.create_organisation(SYSTEM, role=role, name_zh=zh, name_en=en, org_id=org_id,
                                    accreditation_no=accreditation)
    finally:
        reg.clock = real_clock
    tokens = {org_id: reg.organisations.create_token(SYSTEM, org_id, name="demo", days=365)[1] for org_id, *_ in ORGS}
    mk = Actor("demo_manufacturer", "manufacturer", "demo")
    supplier = Actor("demo_supplier", "manufacturer", "demo")
    cert = Actor("demo_certifier", "certifier", "demo")
    labels: dict[str, str] = {}

    def certify(actor: Actor, product_id: str, spec: dict[str, Any]) -> str:
        dec = reg.declarations.create_declaration(actor, product_id=product_id, spec=spec)
        reg.declarations.submit(actor, dec.id)
        record_demo_verification(reg, cert, dec.id)
        return reg.review.approve(cert, dec.id).label_id

    # expired: a desktop certified four years ago (3-year validity)
    reg.clock = lambda: past
    try:
        desktop = reg.products.create_product(mk, name="示例办公台式机 Example office desktop", model="ED-7",
                                              category="desktop")
        labels["expired"] = certify(mk, desktop.id, _doc("registry/desktop_certifiable.yaml"))
    finally:
        reg.clock = real_clock
    pv = reg.products.create_product(mk, name="示例410W单晶PERC组件 Example 410 Wp mono PERC module", model="EX-410M",
                            category="pv_module", gtin="06901234567892")
    labels["active"] = certify(mk, pv.id, _doc("pv_perc_sichuan.yaml"))
    pv_coal = reg.products.create_product(mk, name="示例410W组件（煤电供应链） Example 410 Wp module, coal-grid chain",
                                 model="EX-410C", category="pv_module")
    labels["active_coal_grid"] = certify(mk, pv_coal.id, _doc("pv_perc_coal_grid.yaml"))
    monitor = reg.products.create_product(mk, name="示例27英寸显示器 Example 27-inch monitor", model="EM-27",
                                 category="monitor", gtin="06901234567908")
    labels["superseded"] = certify(mk, monitor.id, _doc("registry/monitor_certifiable.yaml"))
    better = _doc("registry/monitor_certifiable.yaml")
    better["annual_energy_kwh"] = 40
    labels["active_monitor"] = certify(mk, monitor.id, better)
    laptop = reg.products.create_product(mk, name="示例14英寸笔记本 Example 14-inch laptop", model="EL-14",
                                         category="laptop")
    labels["suspended"] = certify(mk, laptop.id, _doc("registry/laptop_certifiable.yaml"))
    reg.status.suspend(cert, labels["suspended"], "演示：复核期间暂停 / demo: suspended pending a review")
    monitor24 = reg.products.create_product(mk, name="示例24英寸显示器 Example 24-inch monitor", model="EM-24",
                                   category="monitor")
    labels["revoked"] = certify(mk, monitor24.id, _doc("registry/monitor_24_certifiable.yaml"))
    reg.status.revoke(cert, labels["revoked"], "演示：数据有误 / demo: declared data found wrong")
    glass = reg.products.create_product(supplier, name="示例3.2毫米光伏玻璃 Example 3.2 mm solar glass", model="SG-3.2",
                               category="component")
    labels["supplier"] = certify(supplier, glass.id, _doc("supplier_glass_sichuan.yaml"))
    laminate_doc = _doc("registry/glass_glass_laminate_cites_supplier.yaml")
    laminate_doc["processes"][0]["inputs"][0]["supplier_label"] = labels["supplier"]
    laminate = reg.products.create_product(mk, name="示例双玻层压件 Example glass-glass laminate", model="GGL-2",
                                  category="component")
    labels["cites_supplier"] = certify(mk, laminate.id, laminate_doc)
    pact_secret = reg.pact_clients.create_client(SYSTEM, "demo_pact_client", "Demo PACT data recipient")
    accounts = reg.accounts
    logins: dict[str, dict[str, str]] = {}
    for org_id, _role, _zh, en, _accreditation in ORGS:
        login = {"email": f"{org_id.removeprefix('demo_')}@demo.pcf-registry.example", "password": generate_password()}
        accounts.add_person(SYSTEM, org_id=org_id, name=en, **login)
        logins[org_id] = login
    return {
        "pact_client_id": "demo_pact_client", "pact_client_secret": pact_secret,
        "manufacturer_login": logins["demo_manufacturer"], "certifier_login": logins["demo_certifier"],
        "admin_login": logins["demo_admin"], "other_manufacturer_login": logins["demo_other"],
        "supplier_login": logins["demo_supplier"],
        "manufacturer_token": tokens["demo_manufacturer"], "other_manufacturer_token": tokens["demo_other"],
        "supplier_token": tokens["demo_supplier"], "certifier_token": tokens["demo_certifier"],
        "admin_token": tokens["demo_admin"], "labels": labels,
        "seeded_at": datetime.now(UTC).isoformat(),
    }
