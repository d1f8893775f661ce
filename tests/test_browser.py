"""The verification page in a real browser: Playwright drives Debian's Chromium at a phone-sized viewport.

A seeded SQLite registry in a temporary folder is served by uvicorn on 127.0.0.1 and a free port (in a thread,
stopped at the end). The browser opens a valid, a revoked and an unknown label in Chinese and English, checks the
banners, checks a label's signed payload in the URL fragment with WebCrypto (and that a changed digit makes it
invalid), and runs axe-core. Screenshots go to ``tests/artifacts/`` (kept as test artefacts, not committed).
When Chromium or Playwright is missing the tests fail with the reason: they are never skipped.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """uvicorn serving the app over a seeded demo registry; yields the base URL and the demo label ids."""
    import uvicorn

    from api.demo import seed_demo
    from tests.services import app_settings, free_port
    from tests.test_pages import page_app

    app = page_app(app_settings(tmp_path_factory.mktemp("browser")))
    seeded = seed_demo(app.state.registry)
    assert seeded is not None
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 20 s", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", seeded["labels"]
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/setup-system.sh)",
                    pytrace=False)
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is missing: {exc}", pytrace=False)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        except Error as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        yield chromium
        chromium.close()


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
