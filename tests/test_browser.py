"""The verification page in a real browser: Playwright drives Debian's Chromium at a phone-sized viewport.

A seeded SQLite registry in a temporary folder is served by uvicorn on 127.0.0.1 and a free port (in a thread,
stopped at the end). The browser opens a valid, a revoked and an unknown label in Chinese and English, checks the
banners, checks a label's signed payload in the URL fragment with WebCrypto (and that a changed digit makes it
invalid), and runs axe-core. Screenshots go to ``tests/artifacts/`` (kept as test artefacts, not committed).
When Chromium or Playwright is missing the tests fail with the reason: they are never skipped.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import ARTIFACTS, chromium_browser, serve_in_thread

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """uvicorn serving the app over a seeded demo registry; yields the base URL and the demo label ids."""

    from api.demo import seed_demo
    from tests.services import app_settings
    from tests.test_pages import page_app

    app = page_app(app_settings(tmp_path_factory.mktemp("browser")))
    seeded = seed_demo(app.state.registry)
    assert seeded is not None
    with serve_in_thread(app) as base:
        yield base, seeded["labels"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()


def phone(browser: Any, locale: str = "zh-CN", javascript: bool = True) -> Any:
    """A phone-sized context whose Accept-Language is ``locale``."""
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale,
                               java_script_enabled=javascript)


def payload_of(base: str, label_id: str) -> str:
    with urllib.request.urlopen(f"{base}/api/v1/labels/{label_id}", timeout=10) as r:
        return str(json.load(r)["payload"])


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("key", "expected"), [("active", {"zh": "有效", "en": "VALID"}),
                                               ("revoked", {"zh": "已撤销", "en": "REVOKED"}),
                                               ("unknown", {"zh": "未知", "en": "UNKNOWN"})])
def test_banners_in_both_languages(server: Any, browser: Any, key: str, expected: dict[str, str]) -> None:
    base, labels = server
    label_id = labels.get(key, "CD-PCF-2026-999999")
    context = phone(browser, locale="zh-CN")
    page = context.new_page()
    try:
        response = page.goto(f"{base}/l/{label_id}")  # Chinese from Accept-Language
        assert response.status == (404 if key == "unknown" else 200)
        assert page.locator("#verdict").inner_text() == expected["zh"]
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        page.screenshot(path=str(ARTIFACTS / f"label-{key}-zh.png"), full_page=True)
        page.get_by_role("link", name="English").click()  # the switch on the page
        page.wait_for_load_state()
        assert page.locator("#verdict").inner_text() == expected["en"]
        assert "lang=en" in page.url
        page.screenshot(path=str(ARTIFACTS / f"label-{key}-en.png"), full_page=True)
        assert serious_violations(page) == []
    finally:
        context.close()


def test_signed_payload_checked_in_the_browser(server: Any, browser: Any) -> None:
    base, labels = server
    label_id = labels["active"]
    payload = payload_of(base, label_id)
    context = phone(browser, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{base}/l/{label_id}#{payload}")
        check = page.locator("#browser-check[data-result]")
        check.wait_for(timeout=10_000)
        assert check.get_attribute("data-result") == "valid", check.inner_text()
        text = check.inner_text()
        assert "Signature checked in your browser: valid." in text
        assert "The signed claim on the printed label matches this page." in text
        page.screenshot(path=str(ARTIFACTS / "label-active-en-payload-valid.png"), full_page=True)
        assert serious_violations(page) == []

        last = payload[-1]
        flipped = payload[:-1] + ("1" if last != "1" else "2")  # one digit of the signature changed
        page.goto(f"{base}/l/{label_id}?lang=en#{flipped}")
        check = page.locator("#browser-check[data-result]")
        check.wait_for(timeout=10_000)
        assert check.get_attribute("data-result") == "invalid"
        assert "Signature checked in your browser: invalid (" in check.inner_text()
        assert page.locator("#verdict").inner_text() == "VALID"  # the server's verdict stands beside it
        page.screenshot(path=str(ARTIFACTS / "label-active-en-payload-flipped.png"), full_page=True)

        # truncated (a new query, so a new load rather than a fragment change), and on another label's page
        for url, reason in [(f"/l/{label_id}?lang=en&n=2#{payload[:-40]}", None),
                            (f"/l/{labels['revoked']}?lang=en#{payload}", "url-mismatch")]:
            page.goto(base + url)
            check = page.locator("#browser-check[data-result]")
            check.wait_for(timeout=10_000)
            assert check.get_attribute("data-result") == "invalid"
            assert reason is None or f"invalid ({reason})" in check.inner_text()

        # The GS1 Digital Link on the QR code: same check, and the GTIN in the path must match the claim.
        page.goto(f"{base}/01/06901234567892/21/SN1?lang=zh#{payload}")
        check = page.locator("#browser-check[data-result]")
        check.wait_for(timeout=10_000)
        assert check.get_attribute("data-result") == "valid"
        assert "已在您的浏览器中核验签名：有效。" in check.inner_text()
        page.screenshot(path=str(ARTIFACTS / "gtin-zh-payload-valid.png"), full_page=True)
    finally:
        context.close()


def test_page_works_without_javascript(server: Any, browser: Any) -> None:
    base, labels = server
    payload = payload_of(base, labels["superseded"])
    context = phone(browser, locale="en", javascript=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/l/{labels['superseded']}#{payload}")
        assert page.locator("#verdict").inner_text() == "SUPERSEDED"
        assert page.get_by_role("link", name=f"See the current label {labels['active_monitor']}").is_visible()
        assert not page.locator("#browser-check").is_visible()  # nothing half-done without scripts
        assert page.locator("svg.chart").is_visible()
        page.screenshot(path=str(ARTIFACTS / "label-superseded-en-noscript.png"), full_page=True)
    finally:
        context.close()


# --- the public pages: a buyer searches and compares (phone and desktop), axe-core on every public page ----------

DESKTOP = {"width": 1280, "height": 900}
PUBLIC_PAGES = ["/", "/labels", "/labels?min=abc&q=%3Cb%3E", "/compare?category=pv_module&quantity=1000",
                "/compare?category=pv_module&min_rated_power_wp=lots", "/factors?q=%E5%9B%9B%E5%B7%9D",
                "/factors/cn.grid.co2_average.CN-SC.2023", "/calculate",
                "/calculate?kind=monitor&run=1&name=m&screen_diagonal_inch=27&panel=LCD&mass_kg=8.3"
                "&annual_energy_kwh=52&lifetime_years=6&assembly_region=CN-SC&use_region=CN-GD&boundary=cradle-to-grave"
                "&mc=200&whatif=assembly_region&whatif_region=CN-SC&whatif_region=CN-XJ",
                "/log?check=inclusion&label_id=CD-PCF-2026-000001", "/open-data"]


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """uvicorn serving the app with the public pages over the demo and eight more certified PV modules."""

    from api.demo import seed_demo
    from tests.services import app_settings
    from tests.test_public_pages import add_pv_modules, public_app

    app = public_app(app_settings(tmp_path_factory.mktemp("public-browser")))
    seeded = seed_demo(app.state.registry)
    assert seeded is not None
    labels: dict[str, Any] = dict(seeded["labels"])
    labels["pv"] = add_pv_modules(app.state.registry)
    with serve_in_thread(app) as base:
        yield base, labels


def buyer_story(base: str, page: Any, shot: str, lang: str) -> None:
    """Search from the home page, show expired and revoked too, compare PV modules, download a shortlist."""
    import csv
    import io

    words = {"zh": {"search": "搜索", "show": "一并显示", "compare": "比较", "csv": "下载候选清单（CSV）",
                    "alt": "更低碳的替代产品", "achievable": "可实现目标（第 20 百分位）"},
             "en": {"search": "Search", "show": "Show them too", "compare": "Compare",
                    "csv": "Download the shortlist (CSV)", "alt": "Lower-carbon alternatives",
                    "achievable": "Achievable target (20th percentile)"}}[lang]
    page.goto(f"{base}/")
    page.screenshot(path=str(ARTIFACTS / f"public-{shot}-1-home.png"), full_page=True)
    page.locator("#home-q").fill("Example")
    page.locator("#home-q").press("Enter")
    page.wait_for_url("**/labels?q=Example*")
    results = page.locator("li.result")
    shown = results.count()
    assert shown >= 3
    page.screenshot(path=str(ARTIFACTS / f"public-{shot}-2-search.png"), full_page=True)
    page.get_by_role("link", name=words["show"]).click()
    page.wait_for_url("**status=all**")
    assert page.locator("li.result").count() > shown  # the expired, revoked and superseded ones too
    page.locator("nav.site-nav").get_by_role("link", name=words["compare"], exact=True).click()
    page.wait_for_url("**/compare")
    page.locator("#f-category").select_option("monitor")
    page.locator("form.filters button[type=submit]").click()  # without scripts the category's fields come next
    page.wait_for_url("**category=monitor**")
    assert page.locator("#f-min_screen_diagonal_inch").is_visible()
    page.locator("#f-category").select_option("pv_module")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**category=pv_module**")
    page.locator("#f-min_rated_power_wp").fill("400")
    page.locator("#f-quantity").fill("1000")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**min_rated_power_wp=400**")
    assert page.get_by_text(words["achievable"]).is_visible()
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 8  # at least 400 Wp: the six extra modules of 400-450 Wp and the demo's two of 410 Wp
    assert page.locator("svg.chart").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / f"public-{shot}-3-compare.png"), full_page=True)
    page.locator("input[name=pick]").nth(0).check()
    page.locator("input[name=pick]").nth(1).check()
    with page.expect_download() as info:
        page.get_by_role("button", name=words["csv"]).click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    picked = list(csv.DictReader(io.StringIO(text)))
    assert [r["rank"] for r in picked] == ["1", "2"]
    first = rows.nth(0).locator("a").first
    first.click()
    page.wait_for_url("**/l/CD-PCF-*")
    assert page.get_by_role("heading", name=words["alt"]).is_visible()
    page.screenshot(path=str(ARTIFACTS / f"public-{shot}-4-label.png"), full_page=True)


def test_buyer_searches_and_compares_on_a_phone_without_javascript(public_server: Any, browser: Any) -> None:
    base, _ = public_server
    context = phone(browser, locale="zh-CN", javascript=False)
    page = context.new_page()
    try:
        buyer_story(base, page, "phone-zh", "zh")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone: {width}px"
    finally:
        context.close()


def test_buyer_searches_and_compares_on_a_desktop_by_keyboard(public_server: Any, browser: Any) -> None:
    base, _ = public_server
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{base}/compare")
        page.keyboard.press("Tab")  # the first stop is the skip link
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        page.locator("#f-category").focus()
        page.keyboard.press("Tab")
        for _ in range(8):  # walk the form by keyboard to the quantity field
            if page.evaluate("document.activeElement.id") == "f-quantity":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f-quantity"
        page.keyboard.type("-3")
        page.keyboard.press("Enter")
        page.wait_for_url("**quantity=-3**")
        assert page.locator("#f-quantity-error").is_visible()  # the error beside the field, the value kept
        assert page.locator("#f-quantity").input_value() == "-3"
        page.screenshot(path=str(ARTIFACTS / "public-desktop-en-compare-error.png"), full_page=True)
        buyer_story(base, page, "desktop-en", "en")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages_have_no_serious_accessibility_violations(public_server: Any, browser: Any, lang: str) -> None:
    base, _ = public_server
    context = phone(browser, locale="zh-CN" if lang == "zh" else "en-GB")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for i, path in enumerate(PUBLIC_PAGES):
            response = page.goto(base + path)
            assert response.status in (200, 400), path
            if lang == "zh":
                page.screenshot(path=str(ARTIFACTS / f"public-page-{i:02d}-zh.png"), full_page=True)
            problems = serious_violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"scrolls sideways on a phone: {width}px wide")
            if problems:
                found[path] = problems
    finally:
        context.close()
    assert found == {}
