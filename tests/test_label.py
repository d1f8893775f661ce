"""Printable labels: QR content and symbol, SVG/PNG/PDF rendering, and reading the QR back with zxing-cpp."""

from __future__ import annotations

import io
import itertools
import random
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import label
from label import (
    MIN_MODULE_MM,
    MIN_PRINT_MM,
    FontMissing,
    GlyphMissing,
    Grade,
    InvalidGTIN,
    LabelData,
    LabelTooLong,
    QRDpiTooLow,
    QRTooLarge,
    decode_qr_image,
    gtin14,
    make_qr,
    min_print_mm,
    qr_content,
    qr_matrix,
    qr_svg,
    render_pdf,
    render_png,
    render_svg,
)
from label.layout import HEIGHT_MM, MARGIN_MM, QR_MM, QRBlock, Text, layout
from label.segments import segments
from label.text import Run, estimate_width, runs, wrap

BASE = "https://pcf.example.cn"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _payload(n: int = 560, seed: int = 3) -> str:
    """A realistic signed payload: a version tag, then the numeric encoding of the signed bytes (2 digits per 6 bits)."""
    rng = random.Random(seed)
    return "PCF1." + "".join(rng.choice("0123456789") for _ in range(n - len("PCF1.")))


PAYLOAD = _payload()
CONTENT = qr_content(BASE, "CD-PCF-2026-000123", gtin="4006381333931", serial="SN12345", payload=PAYLOAD)


def _data(**changes: Any) -> LabelData:
    base = LabelData(
        label_id="CD-PCF-2026-000123",
        version=3,
        product_name="N型TOPCon双面光伏组件 <script>alert(1)</script> & Co",
        product_name_en="N-type TOPCon bifacial PV module",
        model="XY-580-72HD",
        manufacturer="成都某光伏科技有限公司",
        value="385",
        unit="kg CO2e",
        declared_unit="1 kWp",
        boundary="cradle-to-gate",
        certifier="中国质量认证中心 China Quality Certification Centre (CQC)",
        valid_from=date(2026, 1, 15),
        valid_until=date(2029, 1, 14),
        qr_content=CONTENT,
    )
    return replace(base, **changes)


GRADE = Grade("A", "超低碳 Ultra-low carbon", "EPEAT ultra-low-carbon solar", "NSF/ANSI 457, EPEAT PV modules", "400",
              "kg CO2e/kWp")


@pytest.fixture(scope="module")
def cjk_font() -> label.CJKFont:
    """The PNG and PDF tests need a CJK font: fail loudly (never skip) when there is none."""
    try:
        return label.find_cjk_font()
    except FontMissing as exc:
        pytest.fail(f"no CJK font on this machine, PNG/PDF labels cannot be tested: {exc}")


@pytest.fixture(scope="module")
def png(cjk_font) -> bytes:
    return render_png(_data(grade=GRADE), dpi=300)


# ---- QR content ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("gtin", "expected"), [
    # 4006381333931: 4·1+0·3+0·1+6·3+3·1+8·3+1·1+3·3+3·1+3·3+9·1+3·3 = 89 -> check digit 10 - 9 = 1
    ("4006381333931", "04006381333931"),
    # GTIN-8 96385074: 9·3+6·1+3·3+8·1+5·3+0·1+7·3 = 86 -> check 4
    ("96385074", "00000096385074"),
    # GTIN-12 036000291452: 0·3+3·1+6·3+0·1+0·3+0·1+2·3+9·1+1·3+4·1+5·3 = 58 -> check 2
    ("036000291452", "00036000291452"),
    ("04006381333931", "04006381333931"),
])
def test_gtin14_pads_and_checks(gtin, expected):
    assert gtin14(gtin) == expected


@pytest.mark.parametrize("gtin", ["4006381333932", "96385075", "40063813339", "400638133393100", "40063813339a1",
                                  "", "4006381333931 ", "４００６３８１３３３９３１"])
def test_gtin14_rejects_bad_check_digit_or_length(gtin):
    with pytest.raises(InvalidGTIN, match="gtin"):
        gtin14(gtin)
    assert issubclass(InvalidGTIN, ValueError)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "https://pcf.example.cn/l/CD-PCF-2026-000123"),
    ({"gtin": "4006381333931"}, "https://pcf.example.cn/01/04006381333931"),
    ({"gtin": "4006381333931", "serial": "SN12345"}, "https://pcf.example.cn/01/04006381333931/21/SN12345"),
    ({"gtin": "96385074", "serial": "A 1/2"}, "https://pcf.example.cn/01/00000096385074/21/A%201%2F2"),
    ({"payload": "PCF1.123"}, "https://pcf.example.cn/l/CD-PCF-2026-000123#PCF1.123"),
    ({"gtin": "4006381333931", "payload": "PCF1.9"}, "https://pcf.example.cn/01/04006381333931#PCF1.9"),
])
def test_qr_content_gs1_digital_link_forms(kwargs, expected):
    assert qr_content(BASE, "CD-PCF-2026-000123", **kwargs) == expected
    assert qr_content(BASE + "/", "CD-PCF-2026-000123", **kwargs) == expected


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"serial": "SN1"}, "serial"),  # AI 21 qualifies a GTIN
    ({"gtin": "4006381333931", "serial": "X" * 21}, "serial"),
    ({"payload": "pcf1.abc"}, "payload"),
    ({"payload": "PCF1#2"}, "payload"),
    ({"gtin": "4006381333932"}, "gtin"),
])
def test_qr_content_rejects_bad_arguments(kwargs, field):
    with pytest.raises(ValueError, match=field):
        qr_content(BASE, "CD-PCF-2026-000123", **kwargs)


@pytest.mark.parametrize("base", ["ftp://pcf.example.cn", "https://pcf.example.cn/?q=1", "https://x.cn#a", "pcf.example.cn"])
def test_qr_content_rejects_bad_base_url(base):
    with pytest.raises(ValueError, match="base_url"):
        qr_content(base, "CD-PCF-2026-000123")


# ---- QR symbol -------------------------------------------------------------------------------------------------


def test_560_char_payload_fits_version_12_at_m_in_numeric_mode():
    assert len(PAYLOAD) == 560
    qr = make_qr(CONTENT)
    assert (qr.version, qr.error_correction, qr.border) == (12, qrcode.constants.ERROR_CORRECT_M, 4)
    modes = [mode for mode, chunk in segments(CONTENT, 12) if len(chunk) > 100]
    assert modes == ["numeric"]  # the payload's 555 digits: 1,850 bits, against 4,440 in byte mode


def test_short_content_gets_error_correction_h():
    qr = make_qr(qr_content(BASE, "CD-PCF-2026-000123"))
    assert qr.error_correction == qrcode.constants.ERROR_CORRECT_H and qr.version <= 12


def test_content_over_version_12_raises():
    rng = random.Random(1)
    alnum = "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.") for _ in range(560))
    with pytest.raises(QRTooLarge, match="version") as info:
        make_qr(qr_content(BASE, "CD-PCF-2026-000123", payload=alnum))
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError, match="version"):
        make_qr(qr_content(BASE, "CD-PCF-2026-000123", payload=_payload(620)))


def test_min_print_size_is_version_12_at_gs1_minimum_module():
    # (17 + 4·12 + 2·4) = 73 modules x 0.396 mm = 28.908 mm, rounded up to 29.0 mm
    assert MIN_MODULE_MM == 0.396
    assert min_print_mm(12) == MIN_PRINT_MM == 29.0
    assert QR_MM >= MIN_PRINT_MM  # the label's 32 mm square holds a version-12 symbol at >= 0.396 mm modules
    assert len(qr_matrix(CONTENT)) == 73


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.:/#-abcdefxyz中é ", max_size=80),
       st.integers(min_value=1, max_value=40))
def test_segments_cover_the_text_in_order(text, version):
    parts = segments(text, version)
    assert "".join(chunk for _, chunk in parts) == text
    assert all(chunk for _, chunk in parts)
    assert all(a != b for (a, _), (b, _) in itertools.pairwise(parts))


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.:/#-%$ abcxyz?=&", min_size=1, max_size=120))
def test_segmented_symbols_decode_to_their_content(content):
    image = make_qr(content).make_image().get_image().convert("L")
    assert decode_qr_image(image) == [content]


def test_make_qr_rejects_non_ascii():
    with pytest.raises(ValueError, match="ASCII"):
        make_qr("https://pcf.example.cn/l/光伏")


def test_qr_svg_is_well_formed():
    svg = qr_svg("https://pcf.example.cn/l/CD-PCF-2026-000123")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg" and root.find(f"{SVG_NS}path") is not None
    assert len(svg) < 20_000


def test_wrap_breaks_words_cjk_and_cuts_with_ellipsis():
    def one_per_char(text: str, size: float, bold: bool) -> float:
        return len(text) * size

    assert wrap("ABCDEFGHIJ", 1, 3, one_per_char, 5) == ["ABC", "DEF", "GHI", "J"]
    assert wrap("ab cd ef", 1, 5, one_per_char, 5) == ["ab cd", "ef"]
    assert wrap("光伏组件产品", 1, 4, one_per_char, 5) == ["光伏组件", "产品"]
    assert wrap("ab cd ef gh", 1, 5, one_per_char, 1) == ["ab c…"]


def test_co2_is_written_with_a_subscript_run():
    assert runs("kg CO2e/kWp", 3.0) == (Run("kg CO", 3.0), Run("2", 2.1, sub=True), Run("e/kWp", 3.0))
    assert runs("CO₂", 3.0)[-1].sub and runs("CO200", 3.0) == (Run("CO200", 3.0),)


# ---- PNG -------------------------------------------------------------------------------------------------------


def test_png_qr_decodes_to_exactly_the_content(png, tmp_path):
    image = Image.open(io.BytesIO(png))
    assert image.size == (827, 1240)  # 70 x 105 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    assert decode_qr_image(png) == [CONTENT]
    assert decode_qr_image(image) == [CONTENT]
    (tmp_path / "label.png").write_bytes(png)
    assert decode_qr_image(tmp_path / "label.png") == [CONTENT]


def test_png_still_decodes_at_minimum_printed_size(png):
    # At 300 dpi a module is floor(32 mm / 25.4 · 300 / 73) = 5 px, so the symbol with quiet zone is 365 px.
    # Shrink the whole label so those 365 px become MIN_PRINT_MM at 300 dpi: 29.0 / 25.4 · 300 = 342.5 px.
    image = Image.open(io.BytesIO(png))
    scale = (MIN_PRINT_MM / 25.4 * 300) / 365
    small = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    assert decode_qr_image(small) == [CONTENT]


def test_png_refuses_a_dpi_that_prints_modules_too_small(cjk_font):
    # 150 dpi: floor(32 / 25.4 · 150 / 73) = 2 px = 0.339 mm < 0.396 mm
    with pytest.raises(QRDpiTooLow, match="dpi"):
        render_png(_data(), dpi=150)


def test_png_refuses_characters_the_font_lacks(cjk_font):
    with pytest.raises(GlyphMissing, match=r"U\+13000"):
        render_png(_data(product_name="Module \U00013000"))


def test_png_without_cjk_font_says_what_to_install(monkeypatch):
    monkeypatch.setattr(label.fonts, "_candidates", list)
    label.fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(FontMissing, match="fonts-noto-cjk"):
            render_png(_data())
        with pytest.raises(FontMissing):
            render_pdf(_data())
    finally:
        label.fonts.find_cjk_font.cache_clear()


# ---- SVG -------------------------------------------------------------------------------------------------------


def _svg_text(svg: str) -> str:
    root = ET.fromstring(svg)
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))


def test_svg_is_well_formed_and_escapes_text():
    svg = render_svg(_data(grade=GRADE))
    text = _svg_text(svg)
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in svg
    assert "<script>alert(1)</script> & Co" in text
    for needle in ("CD-PCF-2026-000123", "385", "产品碳足迹", "Product Carbon Footprint", "声明单位 Declared unit",
                   "系统边界 Boundary", "从摇篮到大门 cradle-to-gate", "标准 Standard", "认证机构 Certifier",
                   "有效期 Valid", "标识编号 Label ID", "GB/T 24067-2024 / ISO 14067", "EPEAT ultra-low-carbon solar"):
        assert needle in text, needle
    assert re.search(r'<tspan[^>]*font-size="[\d.]+" font-weight="700">385</tspan><tspan[^>]*> kg CO</tspan>'
                     r'<tspan[^>]*dy="[\d.]+">2</tspan><tspan[^>]*dy="-[\d.]+">e / kWp</tspan>', svg)
    assert "₂" not in svg  # the subscript is a lowered "2": CJK fonts have no U+2082


def test_svg_prints_grade_only_when_given_and_grave_boundary():
    text = _svg_text(render_svg(_data(boundary="cradle-to-grave")))
    assert "EPEAT" not in text and "从摇篮到坟墓 cradle-to-grave" in text


def test_svg_long_declared_unit_and_status():
    data = _data(declared_unit="1 monitor over 6 years of use", unit="kg CO2e", value="285.4", status="revoked")
    text = _svg_text(render_svg(data))
    assert "1 monitor over 6 years of use" in text and "已撤销 REVOKED" in text
    assert "285.4 kg CO2e" in text.replace("\n", "")


@pytest.mark.parametrize(("share", "printed"), [("0.782", "78.2 %"), ("0.0028", "0.3 %"), ("0.0004", "< 0.1 %"),
                                               ("1.000", "100 %"), ("0.000", "0 %")])
def test_svg_prints_the_certificate_and_the_data_basis_in_one_line(share: str, printed: str) -> None:
    data = _data(declared_unit="1 monitor over 6 years of use", certificate="C-CD-PCF-2026-000123",
                 primary_data_share=share)
    text = _svg_text(render_svg(data))
    assert "证书编号 Certificate" in text and "C-CD-PCF-2026-000123" in text
    assert f"一手数据 {printed} primary data" in text
    assert "证书编号" not in _svg_text(render_svg(_data()))  # nothing printed when the claim states neither


@pytest.mark.parametrize(("field", "value"), [("primary_data_share", "1.5"), ("primary_data_share", "78%"),
                                              ("certificate", "C-\n1"), ("certificate", "x" * 41)])
def test_a_bad_certificate_or_share_is_refused_by_name(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        _data(**{field: value})


# ---- layout ----------------------------------------------------------------------------------------------------


def _overlaps_qr(data: LabelData) -> list[Text]:
    card = layout(data, estimate_width)
    qr = next(item for item in card.items if isinstance(item, QRBlock))
    assert qr.y == HEIGHT_MM - MARGIN_MM - QR_MM
    return [item for item in card.items if isinstance(item, Text) and item.x < qr.x + qr.side and item.y > qr.y]


def test_layout_long_texts_stay_above_the_qr():
    data = _data(
        product_name="高效N型TOPCon双面双玻光伏组件（182mm 72片半片）" * 2,
        product_name_en="High-efficiency N-type TOPCon bifacial dual-glass photovoltaic module, 72 half cells",
        declared_unit="1 monitor over 6 years of use at 8 hours a day",
        certifier="中国质量认证中心 China Quality Certification Centre (CQC), Beijing",
        grade=GRADE, status="suspended",
    )
    assert _overlaps_qr(data) == []
    assert decode_qr_image(render_png(data)) == [CONTENT]


def test_layout_refuses_texts_that_cannot_fit():
    data = _data(product_name="很" * 120, product_name_en="W" * 120, declared_unit="W " * 39 + "W",
                 certifier="W" * 120, standard="W" * 80, grade=GRADE)
    with pytest.raises(LabelTooLong):
        layout(data, estimate_width)


# ---- PDF -------------------------------------------------------------------------------------------------------


def test_pdf_embeds_the_cjk_font(cjk_font):
    pdf = render_pdf(_data(grade=GRADE))
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile" in pdf
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansCJKSC", pdf) or cjk_font.name not in ("Noto Sans CJK SC",)
    assert render_pdf(_data(grade=GRADE)) == pdf  # creation date is valid_from: same label, same bytes


# ---- data model and purity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field"), [
    ({"label_id": "CD PCF"}, "label_id"),
    ({"version": 0}, "version"),
    ({"version": True}, "version"),
    ({"product_name": " "}, "product_name"),
    ({"product_name": "a\nb"}, "product_name"),
    ({"value": "4.1e2"}, "value"),
    ({"value": 412}, "value"),
    ({"boundary": "gate-to-gate"}, "boundary"),
    ({"valid_until": date(2025, 1, 1)}, "valid_until"),
    ({"qr_content": "https://x.cn/a b"}, "qr_content"),
    ({"status": "deleted"}, "status"),
    ({"model": ""}, "model"),
])
def test_label_data_names_the_bad_field(changes, field):
    with pytest.raises(ValueError, match=f"^{field}"):
        _data(**changes)


def test_grade_threshold_needs_unit():
    with pytest.raises(ValueError, match=r"grade\.threshold_unit"):
        Grade("A", "低碳", "EPEAT", "NSF/ANSI 457", "400")
