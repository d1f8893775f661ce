"""Draw a label (:mod:`label.layout`) as SVG, PNG or PDF.

* :func:`render_svg`: vector, 70 x 105 mm, text as text in a CJK font stack (Noto Sans CJK SC first), so the
  viewer or print shop needs a CJK font; every piece of text is XML-escaped. Needs no font on this machine:
  lines are wrapped with a width estimate.
* :func:`render_png`: Pillow raster at ``dpi`` (300 by default), QR modules a whole number of pixels.
* :func:`render_pdf`: fpdf2, vector QR, the CJK font embedded as a subset (fpdf2 reads the .ttc directly).

PNG and PDF need a CJK font (:func:`label.fonts.find_cjk_font`) and raise :class:`FontMissing` without one, and
:class:`GlyphMissing` for a character the font cannot draw, rather than print empty boxes.
"""

from __future__ import annotations

import functools
import io
import math
from datetime import UTC, datetime, time
from xml.sax.saxutils import escape, quoteattr

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from label.errors import QRDpiTooLow
from label.fonts import CJKFont, FontFace, check_glyphs, find_cjk_font
from label.layout import QRBlock, Rect, Text, layout
from label.model import LabelData
from label.qr import MIN_MODULE_MM, svg_path
from label.text import SUB_DROP, Measure, estimate_width, runs_width

SVG_FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH


def _num(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".")


# ---- SVG -------------------------------------------------------------------------------------------------------


def _svg_text(item: Text) -> str:
    anchor = f' text-anchor="{item.anchor}"' if item.anchor != "start" else ""
    spans, offset = [], 0.0
    for run in item.runs:
        drop = run.size * SUB_DROP if run.sub else 0.0
        dy = drop - offset
        offset = drop
        attrs = f' font-size="{_num(run.size)}"' + (' font-weight="700"' if run.bold else "")
        attrs += f' dy="{_num(dy)}"' if dy else ""
        spans.append(f"<tspan{attrs}>{escape(run.text)}</tspan>")
    return f'<text x="{_num(item.x)}" y="{_num(item.y)}" fill="{item.color}"{anchor}>{"".join(spans)}</text>'


def render_svg(data: LabelData) -> str:
    """The label as a standalone SVG document, 70 x 105 mm, one user unit per millimetre.

    Args:
        data: the label's content.

    Returns:
        SVG text (UTF-8 when written to a file).
    """
    card = layout(data, estimate_width)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(card.width)}mm" height="{_num(card.height)}mm" '
        f'viewBox="0 0 {_num(card.width)} {_num(card.height)}" xml:space="preserve">',
        f"<title>{escape(f'产品碳足迹 Product Carbon Footprint {data.label_id}')}</title>",
        f"<style>text{{font-family:{escape(SVG_FONTS)}}}</style>",
    ]
    for item in card.items:
        if isinstance(item, Rect):
            fill = item.fill or "none"
            stroke = f' stroke="{item.stroke}" stroke-width="{_num(item.stroke_width)}"' if item.stroke else ""
            out.append(f'<rect x="{_num(item.x)}" y="{_num(item.y)}" width="{_num(item.w)}" height="{_num(item.h)}" '
                       f'fill="{fill}"{stroke}/>')
        elif isinstance(item, Text):
            out.append(_svg_text(item))
        else:
            module = item.side / len(item.matrix)
            out.append(f'<g shape-rendering="crispEdges"><desc>{escape(item.content)}</desc>'
                       f'<rect x="{_num(item.x)}" y="{_num(item.y)}" width="{_num(item.side)}" '
                       f'height="{_num(item.side)}" fill="#fff"/>'
                       f'<path fill="#000" d={quoteattr(svg_path(item.matrix, item.x, item.y, module))}/></g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- fonts for PNG and PDF -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _pil_font(face: FontFace, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face.path), size_px, index=face.index)


def _measure(font: CJKFont) -> Measure:
    """Text widths from the real font (at 1000 px, scaled), so the layout wraps as the PNG and PDF draw."""

    def measure(text: str, size: float, bold: bool) -> float:
        face = font.bold if bold else font.regular
        return _pil_font(face, 1000).getlength(text) / 1000 * size

    return measure


def _check(font: CJKFont, items: tuple[Rect | Text | QRBlock, ...]) -> None:
    texts = [run for item in items if isinstance(item, Text) for run in item.runs]
    check_glyphs(font.regular, [r.text for r in texts if not r.bold])
    check_glyphs(font.bold, [r.text for r in texts if r.bold])


# ---- PNG -------------------------------------------------------------------------------------------------------


def _qr_pixels(block: QRBlock, dpi: int) -> tuple[int, int]:
    """Module size in whole pixels and the offset that centres the symbol in its square."""
    side_px = block.side / MM_PER_INCH * dpi
    n = len(block.matrix)
    module = math.floor(side_px / n)
    if module * MM_PER_INCH / dpi < MIN_MODULE_MM:
        raise QRDpiTooLow(
            f"dpi: at {dpi} dpi the QR modules would print at {module * MM_PER_INCH / dpi:.3f} mm, below the "
            f"{MIN_MODULE_MM} mm minimum; use 300 dpi or more, or the PDF"
        )
    return module, round((side_px - module * n) / 2)


def render_png(data: LabelData, dpi: int = 300) -> bytes:
    """The label as a PNG of 70 x 105 mm at ``dpi`` (827 x 1240 pixels at 300 dpi), dpi recorded in the file.

    Raises:
        FontMissing: no CJK font is installed.
        GlyphMissing: the font cannot draw a character of the label.
        QRDpiTooLow: at this dpi the QR modules would be smaller than :data:`label.qr.MIN_MODULE_MM`.
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 72 <= dpi <= 2400:
        raise ValueError(f"dpi: must be an integer from 72 to 2400, got {dpi!r}")
    font = find_cjk_font()
    card = layout(data, _measure(font))
    _check(font, card.items)

    def px(mm: float) -> int:
        return round(mm / MM_PER_INCH * dpi)

    image = Image.new("RGB", (px(card.width), px(card.height)), "white")
    draw = ImageDraw.Draw(image)
    for item in card.items:
        if isinstance(item, Rect):
            width = max(1, px(item.stroke_width)) if item.stroke else 0
            box = (px(item.x), px(item.y), px(item.x + item.w) - 1, px(item.y + item.h) - 1)
            draw.rectangle(box, fill=item.fill, outline=item.stroke, width=width)
        elif isinstance(item, Text):
            x = item.x / MM_PER_INCH * dpi
            if item.anchor == "middle":
                x -= runs_width(item.runs, _measure(font)) / MM_PER_INCH * dpi / 2
            for run in item.runs:
                face = _pil_font(font.bold if run.bold else font.regular, max(1, px(run.size)))
                y = (item.y + (run.size * SUB_DROP if run.sub else 0)) / MM_PER_INCH * dpi
                draw.text((x, y), run.text, font=face, fill=item.color, anchor="ls")
                x += face.getlength(run.text)
        else:
            module, offset = _qr_pixels(item, dpi)
            x0, y0 = px(item.x) + offset, px(item.y) + offset
            for r, row in enumerate(item.matrix):
                for c, dark in enumerate(row):
                    if dark:
                        draw.rectangle((x0 + c * module, y0 + r * module, x0 + (c + 1) * module - 1,
                                        y0 + (r + 1) * module - 1), fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


# ---- PDF -------------------------------------------------------------------------------------------------------


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def render_pdf(data: LabelData) -> bytes:
    """The label as a one-page PDF of 70 x 105 mm: vector QR, CJK font embedded as a subset.

    The creation date is ``valid_from`` at midnight UTC, so the same label gives the same bytes.

    Raises:
        FontMissing: no CJK font is installed.
        GlyphMissing: the font cannot draw a character of the label.
    """
    font = find_cjk_font()
    measure = _measure(font)
    card = layout(data, measure)
    _check(font, card.items)
    pdf = FPDF(unit="mm", format=(card.width, card.height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creation_date(datetime.combine(data.valid_from, time(), tzinfo=UTC))
    pdf.set_title(f"产品碳足迹 Product Carbon Footprint {data.label_id}")
    pdf.set_creator("pcf-registry label")
    pdf.add_font("cjk", "", str(font.regular.path), collection_font_number=font.regular.index)
    pdf.add_font("cjk", "B", str(font.bold.path), collection_font_number=font.bold.index)
    pdf.add_page()
    for item in card.items:
        if isinstance(item, Rect):
            style = ("F" if item.fill else "") + ("D" if item.stroke else "")
            if item.fill:
                pdf.set_fill_color(*_rgb(item.fill))
            if item.stroke:
                pdf.set_draw_color(*_rgb(item.stroke))
                pdf.set_line_width(item.stroke_width)
            pdf.rect(item.x, item.y, item.w, item.h, style=style)
        elif isinstance(item, Text):
            pdf.set_text_color(*_rgb(item.color))
            x = item.x - (runs_width(item.runs, measure) / 2 if item.anchor == "middle" else 0)
            for run in item.runs:
                pdf.set_font("cjk", "B" if run.bold else "", run.size * PT_PER_MM)
                pdf.text(x, item.y + (run.size * SUB_DROP if run.sub else 0), run.text)
                x += pdf.get_string_width(run.text)
        else:
            module = item.side / len(item.matrix)
            pdf.set_fill_color(255, 255, 255)
            pdf.rect(item.x, item.y, item.side, item.side, style="F")
            pdf.set_fill_color(0, 0, 0)
            for r, row in enumerate(item.matrix):
                c = 0
                while c < len(row):
                    if not row[c]:
                        c += 1
                        continue
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    pdf.rect(item.x + start * module, item.y + r * module, (c - start) * module, module, style="F")
    return bytes(pdf.output())
