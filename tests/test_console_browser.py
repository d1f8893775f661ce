"""The console story in a real browser: Playwright drives Debian's Chromium at a phone and a desktop viewport.

A seeded SQLite registry (with one person per console role) is served by uvicorn on 127.0.0.1 and a free port. In
each viewport: a manufacturer signs in, adds a monitor, computes it (desktop: in the public calculator
``/calculate``, whose product file it downloads and uploads to the console; phone: with the console's calculator
fields), saves the declaration, sees the rule checklist and submits it; a certifier signs in, sees the declared
and recomputed results side by side, approves it, then revokes the label with a reason; the buyer's page
``/l/{label_id}`` says REVOKED. An administrator verifies the log and creates a token.
The phone runs in Chinese without JavaScript (every page must work without it), the desktop in English with it.
Screenshots of every page go to ``tests/artifacts/console-*.png``; with JavaScript, axe-core finds no serious or
critical issue on them, and no page is wider than the viewport. When Chromium or Playwright is missing the test
fails with the reason: it is never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.demo import demo_report
from tests.services import ARTIFACTS, chromium_browser, serve_in_thread
from tests.test_console import MONITOR_FORM, PASSWORD, add_people, console_app, email

ROOT = Path(__file__).resolve().parents[1]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True, "locale": "zh-CN", "java_script_enabled": False},
    "desktop": {"viewport": {"width": 1366, "height": 900}, "locale": "en-GB", "java_script_enabled": True},
}
REVOKED = {"phone": "已撤销", "desktop": "REVOKED"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving the app over a seeded demo registry with console people; yields the base URL."""

    from api.demo import seed_demo
    from tests.services import app_settings

    app = console_app(app_settings(tmp_path_factory.mktemp("console-browser")))
    assert seed_demo(app.state.registry) is not None
    add_people(app)
    with serve_in_thread(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()


def shot(page: Any, view: str, name: str) -> None:
    """A full-page screenshot; with JavaScript (desktop), also an axe-core check: no serious or critical issue."""
    page.screenshot(path=str(ARTIFACTS / f"console-{view}-{name}.png"), full_page=True)
    if VIEWPORTS[view]["java_script_enabled"]:
        from axe_playwright_python.sync_playwright import Axe

        violations = [f"{v['id']} ({v['impact']}): {v['help']}" for v in Axe().run(page).response["violations"]
                      if v["impact"] in ("serious", "critical")]
        assert violations == [], (name, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[view]["viewport"]["width"], name


def sign_in(page: Any, base: str, who: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#email").fill(email(who))
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()


def sign_out(page: Any) -> None:
    page.locator("form[action='/logout'] button").click()
    page.wait_for_load_state()
    assert "/login" in page.url


@pytest.mark.parametrize("view", list(VIEWPORTS))
def test_declare_approve_revoke_story(server: str, browser: Any, view: str, tmp_path: Path) -> None:
    base = server
    context = browser.new_context(**VIEWPORTS[view])
    page = context.new_page()
    try:
        # -- the manufacturer: sign in, add a monitor, compute it, save the declaration, submit it
        page.goto(f"{base}/console")
        assert "/login?next=%2Fconsole" in page.url  # not signed in yet
        shot(page, view, "01-login")
        sign_in(page, base, "maker")
        assert page.url == f"{base}/console"
        shot(page, view, "02-manufacturer-home")
        page.goto(f"{base}/console/new-product")
        page.locator("#name").fill(f"Browser monitor ({view})")
        page.locator("#model").fill(f"BM-{view}")
        page.locator("#category").select_option("monitor")
        shot(page, view, "03-new-product")
        page.locator("form[action='/console/new-product'] button[type=submit]").click()
        page.wait_for_load_state()
        assert "/console/new-declaration?product_id=prd_" in page.url
        new_declaration = page.url
        if view == "desktop":
            # The public calculator (/calculate, the monitor's defaults are examples/monitor_27.yaml): compute,
            # download its product file, and declare that file.
            page.goto(f"{base}/calculate?kind=monitor")
            page.locator("form[action='/calculate'][method=get] button[type=submit]").click()
            page.wait_for_load_state()
            page.screenshot(path=str(ARTIFACTS / f"console-{view}-04a-public-calculator.png"), full_page=True)
            with page.expect_download() as download:
                page.locator("a[download='product.json']").click()
            product_file = tmp_path / "product.json"
            download.value.save_as(product_file)
            page.goto(new_declaration)
            page.locator("#source-file").check()
            page.locator("#file").set_input_files(str(product_file))
        else:
            for field, value in MONITOR_FORM.items():  # the console's own calculator fields, without JavaScript
                if field == "source":
                    continue
                locator = page.locator(f"#{field}")
                if field == "panel":
                    locator.select_option(value)
                else:
                    locator.fill(value)
        page.locator("button[value=compute]").click()
        page.wait_for_load_state()
        assert page.locator("#total").inner_text().startswith("472.1")  # examples/monitor_27.yaml: 472.089
        assert page.locator("#computed table.checklist").is_visible()
        shot(page, view, "04-calculator-result")
        if view == "desktop":  # the uploaded file is shown back as text: save it from there
            assert "screen_diagonal_inch: 27" in page.locator("#document").input_value()
        # a spec-only monitor is a screening estimate: the checklist says it cannot be submitted (issue 17); the
        # maker describes the monitor by its components and metered assembly instead
        assert page.locator(".st-fail").first.is_visible()
        page.locator("#source-text").check()
        page.locator("#document").fill((ROOT / "examples/registry/monitor_certifiable.yaml").read_text(encoding="utf-8"))
        page.locator("button[value=compute]").click()
        page.wait_for_load_state()
        assert page.locator(".st-pass").first.is_visible()
        page.locator("button[value=create]").click()
        page.wait_for_load_state()
        assert "/console/declarations/dec_" in page.url
        declaration_url = page.url
        shot(page, view, "05-declaration-checklist")
        page.locator("form[action$='/submit'] button").click()
        page.wait_for_load_state()
        assert page.locator(".st-submitted").first.is_visible()
        shot(page, view, "06-submitted")
        sign_out(page)

        # -- the certifier: the queue, the review (declared beside recomputed), approve, then revoke
        sign_in(page, base, "cert")
        assert page.url == f"{base}/console/review"
        shot(page, view, "07-review-queue")
        declaration_id = declaration_url.rsplit("/", 1)[1]
        page.locator(f"a[href='/console/review/{declaration_id}']").click()
        page.wait_for_load_state()
        assert page.locator("#declared").inner_text() == page.locator("#recomputed").inner_text()
        shot(page, view, "08-review-declaration")
        # the verification before approval (issue 17): the statement, and the report as a file
        page.locator("#assurance_level").select_option("reasonable")
        page.locator("#objectives").fill("Verify the declared footprint of the monitor")
        page.locator("#scope").fill("1 monitor over 6 years of use; cradle to grave; product file of the declaration")
        page.locator("#materiality_percent").fill("5")
        page.locator("#opinion").select_option("unmodified")
        page.locator("#opinion_text").fill("The footprint is fairly stated" if view == "desktop" else "碳足迹公允表述")
        page.locator("#site_visit_date").fill(date.today().isoformat())
        page.locator("#site").fill("Chengdu assembly line 2")
        page.locator("#verifiers").fill("Li Lei\nHan Meimei")
        report = tmp_path / "report.pdf"
        report.write_bytes(demo_report())
        page.locator("#report").set_input_files(str(report))
        page.locator("form[action$='/verification'] button").click()
        page.wait_for_load_state()
        assert page.locator("#verification-record").is_visible()
        shot(page, view, "08b-verification-recorded")
        page.locator("form[action$='/approve'] button").click()
        page.wait_for_load_state()
        assert "/console/review/labels/CD-PCF-" in page.url
        label_id = page.url.split("/labels/")[1].split("?")[0]
        shot(page, view, "09-label-issued")
        page.locator("#reason").fill("Declared panel data found wrong in the audit" if view == "desktop"
                                     else "审核发现面板数据有误")
        page.locator("#confirm_revoke").check()  # revocation is final: a separate confirmation (issue 17)
        page.locator("button[formaction$='/revoke']").click()
        page.wait_for_load_state()
        assert page.locator("#label-status .st-revoked").is_visible()
        shot(page, view, "10-label-revoked")
        sign_out(page)
    finally:
        context.close()

    # -- the buyer: no account, the public page says REVOKED
    buyer = browser.new_context(**VIEWPORTS[view])
    page = buyer.new_page()
    try:
        page.goto(f"{base}/l/{label_id}")
        assert page.locator("#verdict").inner_text() == REVOKED[view]
        shot(page, view, "11-buyer-revoked")
    finally:
        buyer.close()


@pytest.mark.parametrize("view", list(VIEWPORTS))
def test_admin_verifies_the_log(server: str, browser: Any, view: str) -> None:
    context = browser.new_context(**VIEWPORTS[view])
    page = context.new_page()
    try:
        sign_in(page, server, "admin")
        assert page.url == f"{server}/console/admin"
        shot(page, view, "20-admin")
        page.locator("form[action='/console/admin/verify-log'] button").click()
        page.wait_for_load_state()
        assert page.locator("#verify-report .st-pass").is_visible()
        shot(page, view, "21-admin-log-verified")
        page.goto(f"{server}/console/tokens")
        page.locator("#name").fill("ERP")
        page.locator("form[action='/console/tokens'] button").click()
        page.wait_for_load_state()
        assert page.locator("#new-token").inner_text().startswith("pcf_tok_")
        shot(page, view, "22-token-created")
    finally:
        context.close()
