"""The verification page and the GS1 Digital Link resolver, through the HTTP client, over a seeded demo registry.

The demo (``api/demo.py``) has a label in every status; the PV module has GTIN 06901234567892 and the 27-inch
monitor 06901234567908 (its first label superseded by a second).
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import TestClient

from api.pages import charts, formatting, gs1, i18n
from registry.interop.pact import terms as pact_terms

PV_GTIN = "06901234567892"
MONITOR_GTIN = "06901234567908"
UNKNOWN_GTIN = "06901234567991"  # check digit right, no such product
ROOT = Path(__file__).resolve().parents[1]

ZH = {"active": "有效", "suspended": "已暂停", "revoked": "已撤销", "expired": "已过期", "superseded": "已被取代",
      "unknown": "未知"}
EN = {"active": "VALID", "suspended": "SUSPENDED", "revoked": "REVOKED", "expired": "EXPIRED",
      "superseded": "SUPERSEDED", "unknown": "UNKNOWN"}
DEMO_STATUS = {"active": "active", "suspended": "suspended", "revoked": "revoked", "expired": "expired",
               "superseded": "superseded", "cites_supplier": "active"}


def page_app(settings: Any) -> Litestar:
    """``create_app(settings)`` with the pages, whether or not ``create_app`` registers them already."""
    from api.app import create_app
    from api.controllers import pages
    from api.pages.templating import template_config

    app = create_app(settings)
    if app.template_engine is None:  # until api/app.py registers the pages
        app.template_engine = template_config().engine_instance
        for handler in pages.route_handlers():
            app.register(handler)
    return app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient[Litestar], dict[str, str]]]:
    from api.demo import seed_demo
    from tests.services import app_settings

    app = page_app(app_settings(tmp_path_factory.mktemp("pages"), base_url="https://registry.example"))
    seeded = seed_demo(app.state.registry)
    assert seeded is not None
    with TestClient(app) as client:
        yield client, seeded["labels"]


def verdict(body: str) -> str:
    match = re.search(r'<h1 id="verdict" class="banner-verdict">(.*?)</h1>', body, re.S)
    assert match, body[:500]
    return html.unescape(match.group(1).strip())


def get(client: TestClient[Litestar], url: str, **headers: str) -> Any:
    client.cookies.clear()  # every request chooses its language afresh
    return client.get(url, headers=headers, follow_redirects=False)


# --- the verification page -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", DEMO_STATUS)
def test_banner_in_chinese_from_accept_language(demo: Any, key: str) -> None:
    client, labels = demo
    r = get(client, f"/l/{labels[key]}", **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-Hans">' in r.text
    assert verdict(r.text) == ZH[DEMO_STATUS[key]]


@pytest.mark.parametrize("key", DEMO_STATUS)
def test_banner_in_english_with_lang_parameter(demo: Any, key: str) -> None:
    client, labels = demo
    r = get(client, f"/l/{labels[key]}?lang=en", **{"Accept-Language": "zh-CN"})
    assert r.status_code == 200
    assert '<html lang="en">' in r.text
    assert verdict(r.text) == EN[DEMO_STATUS[key]]
    assert "pcf_lang=en" in r.headers["set-cookie"]


def test_language_cookie_holds_and_switch_links_keep_the_path(demo: Any) -> None:
    client, labels = demo
    client.cookies.clear()
    client.get(f"/l/{labels['active']}?lang=en")
    r = client.get(f"/l/{labels['revoked']}", headers={"Accept-Language": "zh"})
    assert verdict(r.text) == "REVOKED"  # the cookie beats Accept-Language
    assert f'href="/l/{labels["revoked"]}?lang=zh"' in r.text
    assert "Accept-Language" in r.headers["vary"]


def test_page_shows_the_claim_with_units_chart_and_evidence(demo: Any) -> None:
    client, labels = demo
    lid = labels["active"]
    body = get(client, f"/l/{lid}?lang=en").text
    assert "299\u00a0kg CO₂e" in body and "per 1 kWp" in body  # value with unit and declared unit
    assert "cradle to gate" in body and "GB/T 24067-2024 (ISO 14067:2018); IPCC AR6 GWP100" in body
    assert "2026.6" in body  # factor release (the default; its PV factors are those of 2026.3)
    assert "Example Certification Centre" in body and "CNCA-R-DEMO-001" in body
    assert re.search(r"\w+ \d{1,2}, \d{4} to \w+ \d{1,2}, \d{4}", body)  # validity, both dates
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in body and 'role="img"' in body
    # stages scaled to the declared unit: 110.76 and 12.03 kg per 0.41 kWp module -> 270 + 29.3 = 299 per kWp
    assert "Raw materials: 270\u00a0kg CO₂e · 90%" in body and "Production: 29.3\u00a0kg CO₂e · 9.8%" in body
    assert "Use:" not in body  # zero stages (outside the boundary) are left out
    assert "included in its latest signed checkpoint" in body
    assert f'href="/api/v1/labels/{lid}/proof"' in body
    assert '<script type="application/json" id="page-claim">' in body
    zh = get(client, f"/l/{lid}", **{"Accept-Language": "zh"}).text
    assert "每 1 kWp" in zh and "从摇篮到大门" in zh and "原材料获取" in zh and "示例认证中心" in zh


def test_superseded_links_to_the_current_label(demo: Any) -> None:
    client, labels = demo
    body = get(client, f"/l/{labels['superseded']}?lang=en").text
    assert f'href="/l/{labels["active_monitor"]}"' in body
    assert f"See the current label {labels['active_monitor']}" in body


def test_suspended_and_revoked_show_the_reason(demo: Any) -> None:
    client, labels = demo
    assert "demo: suspended pending a review" in get(client, f"/l/{labels['suspended']}?lang=en").text
    assert "demo: declared data found wrong" in get(client, f"/l/{labels['revoked']}?lang=en").text


def test_supply_chain_lists_cited_labels_with_their_status(demo: Any) -> None:
    client, labels = demo
    body = get(client, f"/l/{labels['cites_supplier']}?lang=en").text
    assert f'<a href="/l/{labels["supplier"]}">{labels["supplier"]}</a>' in body
    assert '<span class="badge badge-active">VALID</span>' in body
    assert "12.2\u00a0kg CO₂e per 1 m²" in body


@pytest.mark.parametrize(("lang", "word"), [("zh", "未知"), ("en", "UNKNOWN")])
def test_unknown_label_is_a_clear_404_page(demo: Any, lang: str, word: str) -> None:
    client, _ = demo
    r = get(client, f"/l/CD-PCF-2026-999999?lang={lang}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert verdict(r.text) == word
    assert "CD-PCF-2026-999999" in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("attempt", ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "x" * 300])
def test_odd_label_ids_are_escaped_never_echoed_raw(demo: Any, attempt: str) -> None:
    client, _ = demo
    from urllib.parse import quote

    r = get(client, "/l/" + quote(attempt, safe=""), **{"Accept-Language": "en"})
    assert r.status_code == 404
    assert attempt not in r.text or attempt == "x" * 300
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    if attempt.startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    if attempt == "x" * 300:
        assert "x" * 80 + "…" in r.text  # long ids are cut in the message


# --- GS1 Digital Link ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [f"/01/{PV_GTIN}", "/01/6901234567892", f"/01/{PV_GTIN}/21/SN-0001",
                                  f"/01/{PV_GTIN}/10/LOT%2F7", f"/01/{PV_GTIN}/22/V1/10/L1/21/S1"])
def test_digital_link_shows_the_products_current_label_to_people(demo: Any, path: str) -> None:
    client, labels = demo
    r = get(client, path + "?lang=en", Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert r.status_code == 200
    assert verdict(r.text) == "VALID"
    assert f"Label {labels['active']}, version 1" in r.text
    assert r.headers["link"] == (f'<https://registry.example/01/{PV_GTIN}?linkType=linkset>; rel="linkset"; '
                                 'type="application/linkset+json"')
    assert r.headers["access-control-allow-origin"] == "*"


def test_digital_link_walks_to_the_newest_label(demo: Any) -> None:
    client, labels = demo
    body = get(client, f"/01/{MONITOR_GTIN}/21/123?lang=en").text
    assert verdict(body) == "VALID" and labels["active_monitor"] in body


def check_linkset(doc: dict[str, Any], host: str, label_id: str) -> None:
    assert list(doc) == ["linkset"] and len(doc["linkset"]) == 1
    ctx = doc["linkset"][0]
    assert ctx["anchor"] == f"{host}/01/{PV_GTIN}"
    default = ctx["https://gs1.org/voc/defaultLink"]
    assert len(default) == 1 and default[0]["href"] == f"{host}/l/{label_id}" and default[0]["type"] == "text/html"
    cert = ctx["https://gs1.org/voc/certificationInfo"]
    assert [(x["href"], x["type"]) for x in cert] == [(f"{host}/l/{label_id}", "text/html"),
                                                      (f"{host}/api/v1/labels/{label_id}", "application/json")]
    (footprint,) = ctx["https://gs1.org/voc/sustainabilityInfo"]
    assert footprint["href"] == f"{host}/3/footprints/{uuid.uuid5(pact_terms.PACT_NAMESPACE, label_id)}"
    assert footprint["type"] == "application/json"
    for links in (v for k, v in ctx.items() if k != "anchor"):
        assert all(isinstance(x["title"], str) and x["title"] for x in links)


def test_linkset_for_machines_by_accept_header(demo: Any) -> None:
    client, labels = demo
    r = get(client, f"/01/{PV_GTIN}/10/LOT1", Accept="application/linkset+json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/linkset+json")
    check_linkset(r.json(), "https://registry.example", labels["active"])


def test_linkset_anchors_and_redirects_use_the_configured_base_url_never_the_host_header(demo: Any) -> None:
    client, labels = demo
    r = get(client, f"/01/{PV_GTIN}?linkType=linkset", Host="evil.example")
    assert r.status_code == 200 and "evil.example" not in r.text
    check_linkset(r.json(), "https://registry.example", labels["active"])
    titles = {x["title"] for x in r.json()["linkset"][0]["https://gs1.org/voc/certificationInfo"]}
    assert "碳足迹标识：验证页面" in titles  # titles in the request's language (default Chinese)
    r = get(client, f"/01/{PV_GTIN}?linkType=gs1:certificationInfo", Host="evil.example")
    assert r.status_code == 307 and r.headers["location"].startswith("https://registry.example/")
    for path in ("/feeds/labels.atom", "/open-data/labels.csv", "/.well-known/gs1resolver", "/l/" + labels["active"]):
        r = get(client, path, Host="evil.example")
        assert r.status_code == 200 and "evil.example" not in r.text, path


@pytest.mark.parametrize(("link_type", "target"), [
    ("gs1:certificationInfo", "/l/{id}"), ("https://gs1.org/voc/certificationInfo", "/l/{id}"),
    ("gs1:defaultLink", "/l/{id}"), ("gs1:sustainabilityInfo", "/3/footprints"), ("gs1:recipeInfo", "/l/{id}"),
])
def test_link_type_redirects_with_307(demo: Any, link_type: str, target: str) -> None:
    client, labels = demo
    r = get(client, f"/01/{PV_GTIN}/21/X1?linkType={link_type}")
    assert r.status_code == 307
    assert r.headers["location"].startswith("https://registry.example" + target.format(id=labels["active"]))


def test_options_and_head_answer_with_the_linkset_header_and_cors(demo: Any) -> None:
    client, _ = demo
    r = client.options(f"/01/{PV_GTIN}/10/L1")
    assert r.status_code == 204
    assert 'rel="linkset"' in r.headers["link"] and f"/01/{PV_GTIN}?linkType=linkset" in r.headers["link"]
    assert r.headers["access-control-allow-origin"] == "*" and "GET" in r.headers["allow"]
    r = client.get(f"/01/{PV_GTIN}", headers={"Origin": "https://shop.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.head(f"/01/{PV_GTIN}")
    assert r.status_code == 200 and r.content == b"" and 'rel="linkset"' in r.headers["link"]


@pytest.mark.parametrize("path", [
    "/01/06901234567893",  # check digit should be 2
    "/01/0690123456789X", "/01/123", "/01/069012345678921",  # non-digit, too short, 15 digits
    f"/01/{PV_GTIN}/21", f"/01/{PV_GTIN}/99/X", f"/01/{PV_GTIN}/21/S/10/L",  # odd pair, unknown AI, wrong order
    f"/01/{PV_GTIN}/21/" + "A" * 21,  # serial longer than 20
])
def test_malformed_paths_answer_400(demo: Any, path: str) -> None:
    client, _ = demo
    page = get(client, path + "?lang=en")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "Not a valid product link" in page.text
    machine = get(client, path, Accept="application/json")
    assert machine.status_code == 400 and machine.headers["content-type"] == "application/problem+json"
    assert machine.json()["code"] == "malformed-digital-link"


def test_odd_characters_in_a_digital_link_are_escaped(demo: Any) -> None:
    client, _ = demo
    r = get(client, "/01/%3Cscript%3Ealert(1)%3C%2Fscript%3E?lang=en")
    assert r.status_code == 400 and "<script>alert" not in r.text
    r = get(client, f"/01/{PV_GTIN}/21/%3Cb%3E?lang=en")  # "<" and ">" are in GS1 character set 82
    assert r.status_code == 200 and "<b>" not in r.text
    r = get(client, f"/01/{PV_GTIN}/21/%22%3E%3Cimg%20src=x%3E?lang=en")  # a space is not
    assert r.status_code == 400 and "<img" not in r.text


def test_unknown_gtin_answers_404(demo: Any) -> None:
    client, _ = demo
    r = get(client, f"/01/{UNKNOWN_GTIN}?lang=en")
    assert r.status_code == 404 and verdict(r.text) == "UNKNOWN" and UNKNOWN_GTIN in r.text
    r = get(client, f"/01/{UNKNOWN_GTIN}", Accept="application/linkset+json")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_resolver_description_file(demo: Any) -> None:
    client, _ = demo
    doc = get(client, "/.well-known/gs1resolver").json()
    assert doc["resolverRoot"] == "https://registry.example" and doc["supportedPrimaryKeys"] == ["01"]


@pytest.mark.parametrize(("path", "expected"), [
    ("", gs1.DigitalLink(PV_GTIN)), ("/10/L1/21/S1", gs1.DigitalLink(PV_GTIN, (("10", "L1"), ("21", "S1")))),
    ("/235/" + "T" * 28, gs1.DigitalLink(PV_GTIN, (("235", "T" * 28),))),
])
def test_parse_digital_link(path: str, expected: gs1.DigitalLink) -> None:
    assert gs1.parse_digital_link("6901234567892", path) == expected


# --- helpers: languages, numbers, charts, catalogue ------------------------------------------------------------

@pytest.mark.parametrize(("query", "cookie", "header", "expected"), [
    (None, None, None, "zh"), (None, None, "en-GB,en;q=0.9", "en"), (None, None, "fr, en;q=0.5, zh;q=0.8", "zh"),
    (None, None, "zh;q=0, en", "en"), (None, "en", "zh", "en"), ("zh", "en", "en", "zh"), ("xx", None, "de", "zh"),
])
def test_choose_language(query: str | None, cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.choose_language(query, cookie, header) == expected


@pytest.mark.parametrize(("value", "lang", "expected"), [
    ("302", "en", "302\u00a0kg CO₂e"), ("18.90", "en", "18.90\u00a0kg CO₂e"),  # certified text keeps its digits
    ("1234.5", "zh", "1,234.5\u00a0kg CO₂e"), (327.5, "en", "328\u00a0kg CO₂e"),  # 3 significant figures
    (13.007, "en", "13.0\u00a0kg CO₂e"), (0.04234, "en", "0.0423\u00a0kg CO₂e"), (1234.5, "en", "1,235\u00a0kg CO₂e"),
    (None, "en", "–"),
])
def test_quantity(value: Any, lang: str, expected: str) -> None:
    assert formatting.quantity(value, "kg CO2e", lang) == expected


def test_chart_escapes_its_texts() -> None:
    svg = charts.bar_chart([charts.Bar("<b>", 1.0, "1 & 2"), charts.Bar("neg", -1.0, "-1")], title="t<")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "1 &amp; 2" in svg and 't&lt;' in svg
    assert 'width="320.0"' in svg and 'width="0.0"' in svg


def test_catalogue_translates_every_text() -> None:
    method_map = [("api/pages/**.py", "python"), ("api/controllers/pages.py", "python"),
                  ("api/controllers/public.py", "python"), ("api/console/**.py", "python"),
                  ("api/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    used = {msg for *_, msg, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    assert len(used) > 50
    with (ROOT / "api/locale/zh/LC_MESSAGES/messages.po").open("rb") as fp:
        catalog = read_po(fp)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(str(m) for m in used if not translated.get(m))  # type: ignore[call-overload]
    assert not missing, f"add to api/locale/zh/LC_MESSAGES/messages.po: {missing}"
    assert not sorted(set(translated) - used), "obsolete entries in messages.po"


def test_payload_format_is_read_from_the_registry() -> None:
    from api.pages.verification import payload_format
    from registry.trust import payload

    fmt = json.loads(json.dumps(payload_format()))
    assert fmt["prefix"] == payload.PREFIX and fmt["keys"] == payload.CLAIM_KEYS
