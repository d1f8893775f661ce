"""Place everything a label shows on a 70 x 105 mm portrait card, in millimetres, for any renderer.

:func:`layout` turns :class:`LabelData` into a flat list of rectangles, text lines and one QR block; the
SVG, PNG and PDF renderers only draw that list, so the three outputs match. Long texts are wrapped to a
fixed number of lines (and cut with an ellipsis), so the card never grows and nothing overlaps the QR.

From the top: a green band with 产品碳足迹 Product Carbon Footprint; a red band if the label is not active;
the product; the footprint in large type with its unit (and a short declared unit, ``/ kWp``); the
declared unit, boundary, standard and certifier; the grade, if any; at the bottom the QR code (32 mm, above
:data:`label.qr.MIN_PRINT_MM`) beside the label number, version and validity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from label.errors import LabelTooLong
from label.model import LabelData
from label.qr import qr_matrix
from label.text import Measure, Run, fit_size, runs, wrap

WIDTH_MM = 70.0
HEIGHT_MM = 105.0
MARGIN_MM = 4.0
QR_MM = 32.0  # quiet zone included; >= MIN_PRINT_MM (29.0 mm) so a version-12 symbol keeps 0.396 mm modules

GREEN = "#1f6b3a"
INK = "#111111"
GREY = "#555555"
RULE = "#b8c4bc"
WHITE = "#ffffff"
RED = "#b3261e"
PALE = "#eef5f0"

BOUNDARY_TEXT = {"cradle-to-gate": "从摇篮到大门 cradle-to-gate", "cradle-to-grave": "从摇篮到坟墓 cradle-to-grave"}
STATUS_TEXT = {
    "suspended": "已暂停 SUSPENDED",
    "revoked": "已撤销 REVOKED",
    "expired": "已过期 EXPIRED",
    "superseded": "已替代 SUPERSEDED",
    "damaged": "记录受损 DAMAGED",
}

@dataclass(frozen=True)
class Rect:
    """A filled rectangle (``fill`` None: outline only)."""

    x: float
    y: float
    w: float
    h: float
    fill: str | None
    stroke: str | None = None
    stroke_width: float = 0.0


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is the baseline, ``anchor`` is ``start`` or ``middle``."""

    x: float
    y: float
    runs: tuple[Run, ...]
    color: str = INK
    anchor: str = "start"


@dataclass(frozen=True)
class QRBlock:
    """The QR symbol, quiet zone included, drawn in the square ``side`` at (``x``, ``y``)."""

    x: float
    y: float
    side: float
    matrix: list[list[bool]]
    content: str


@dataclass(frozen=True)
class Layout:
    """A card of ``width`` x ``height`` mm and what is drawn on it, back to front."""

    width: float
    height: float
    items: tuple[Rect | Text | QRBlock, ...]


class _Cursor:
    """Collects items and tracks the next free line from the top."""

    def __init__(self, measure: Measure) -> None:
        self.items: list[Rect | Text | QRBlock] = []
        self.y = 0.0
        self.measure = measure

    def line(self, x: float, parts: tuple[Run, ...], advance: float, color: str = INK) -> None:
        self.y += advance
        self.items.append(Text(x, round(self.y, 3), parts, color))

    def para(self, text: str, size: float, width: float, lines: int, leading: float, bold: bool = False,
             color: str = INK, x: float = MARGIN_MM) -> None:
        for row in wrap(text, size, width, self.measure, lines, bold):
            self.line(x, runs(row, size, bold), leading, color)


def _short_unit(declared_unit: str) -> str | None:
    """``"kWp"`` for ``"1 kWp"``: a declared unit short enough to print after the value as ``/ kWp``."""
    match = re.fullmatch(r"1\s*(\S{1,8})", declared_unit)
    return match.group(1) if match else None


def _status_badge(c: _Cursor, status: str, header: float) -> None:
    """A red badge at the right of the header for a label that is not active."""
    text = STATUS_TEXT[status]
    size = 2.3
    width = c.measure(text, size, True) + 3.0
    c.items.append(Rect(WIDTH_MM - MARGIN_MM - width, (header - 5.0) / 2, width, 5.0, RED, WHITE, 0.3))
    c.items.append(Text(WIDTH_MM - MARGIN_MM - width / 2, header / 2 + size * 0.36, runs(text, size, True), WHITE,
                        "middle"))


def _value_lines(c: _Cursor, data: LabelData, inner: float, k: float) -> None:
    short = _short_unit(data.declared_unit)
    tail = f" {data.unit}" + (f" / {short}" if short else "")

    def parts(size: float) -> tuple[Run, ...]:
        return (Run(data.value, size, True), *runs(tail, size * 0.36, False))

    size = fit_size(parts, 13.0 * k, inner, c.measure, 6.0)
    c.line(MARGIN_MM, parts(size), 1.8 + size * 0.76)


def _grade_box(c: _Cursor, data: LabelData, inner: float, k: float) -> None:
    grade = data.grade
    if grade is None:
        return
    top = c.y + 1.8 * k
    height = 10.2 if k == 1 else 9.4
    c.items.append(Rect(MARGIN_MM, top, inner, height, PALE, GREEN, 0.25))
    badge = 7.4
    c.items.append(Rect(MARGIN_MM + 1.4, top + (height - badge) / 2, badge, badge, GREEN))
    letter_size = fit_size(lambda s: runs(grade.letter, s, True), 5.2, badge - 1.2, c.measure, 2.5)
    c.items.append(Text(MARGIN_MM + 1.4 + badge / 2, top + height / 2 + letter_size * 0.36,
                        runs(grade.letter, letter_size, True), WHITE, "middle"))
    x = MARGIN_MM + 1.4 + badge + 2.0
    width = inner - (x - MARGIN_MM) - 1.2
    limit = f"≤ {grade.threshold} {grade.threshold_unit} · " if grade.threshold is not None else ""
    bench_size = fit_size(lambda s: runs(grade.benchmark, s), 2.15, width, c.measure, 1.7)
    texts = [
        (grade.name, 2.7, True, INK, 3.4),
        (grade.benchmark, bench_size, False, INK, 3.0),
        (limit + grade.source, fit_size(lambda s: runs(limit + grade.source, s), 1.9, width, c.measure, 1.6), False,
         GREY, 2.6),
    ]
    c.y = top
    for text, size, bold, color, leading in texts:
        c.para(text, size, width, 1, leading * height / 10.2, bold, color, x)
    c.y = top + height


def _percent(fraction: str) -> str:
    """A decimal fraction as a percentage of at most one decimal: "0.782" -> "78.2 %", "0.0028" -> "0.3 %"."""
    pct = float(fraction) * 100
    text = f"{pct:.1f}".removesuffix(".0") if pct >= 0.05 or pct == 0 else "< 0.1"
    return f"{text} %"


def _fields(c: _Cursor, data: LabelData, inner: float, k: float) -> None:
    key_width = 23.5
    value_x = MARGIN_MM + key_width
    value_width = inner - key_width
    rows = [
        ("声明单位 Declared unit", data.declared_unit, 2),
        ("系统边界 Boundary", BOUNDARY_TEXT[data.boundary], 1),
        ("标准 Standard", data.standard, 2),
        ("认证机构 Certifier", data.certifier, 2),
    ]
    if data.certificate:
        rows.append(("证书编号 Certificate", data.certificate, 1))
    if data.primary_data_share is not None:
        rows.append(("数据基础 Data basis", f"一手数据 {_percent(data.primary_data_share)} primary data", 1))
    c.y += 1.2
    for key, value, lines in rows:
        c.y += 0.7 * k
        first = c.y
        c.para(value, 2.35 * k, value_width, lines, 3.2 * k, x=value_x)
        c.items.append(Text(MARGIN_MM, round(first + 3.2 * k, 3), runs(key, 1.95 * k), GREY))


def _bottom(c: _Cursor, data: LabelData, inner: float) -> float:
    """The QR code and the label number beside it; returns the top of the block."""
    top = HEIGHT_MM - MARGIN_MM - QR_MM
    c.items.append(QRBlock(MARGIN_MM - 0.0, top, QR_MM, qr_matrix(data.qr_content), data.qr_content))
    # The quiet zone is white space inside the 32 mm square, so the text column starts right after it.
    x = MARGIN_MM + QR_MM + 1.0
    width = WIDTH_MM - MARGIN_MM - x
    c.y = top + 2.2
    c.line(x, runs("标识编号 Label ID", 1.95), 2.4, GREY)
    id_size = fit_size(lambda s: runs(data.label_id, s, True), 2.6, width, c.measure, 1.6)
    c.line(x, runs(data.label_id, id_size, True), 3.4)
    c.line(x, runs(f"版本 Version {data.version}", 2.2), 3.1)
    c.line(x, runs("有效期 Valid", 1.95), 4.6, GREY)
    c.line(x, runs(f"{data.valid_from.isoformat()} –", 2.35), 3.1)
    c.line(x, runs(data.valid_until.isoformat(), 2.35), 3.1)
    c.line(x, runs("扫码核验", 2.4, True), 5.4, GREEN)
    c.line(x, runs("Scan to verify", 2.2), 3.0, GREEN)
    return top


def _place(data: LabelData, measure: Measure, k: float) -> tuple[Layout, float]:
    """The card with the middle texts at ``k`` times their size, and how far (mm) they overlap the QR block."""
    c = _Cursor(measure)
    inner = WIDTH_MM - 2 * MARGIN_MM
    header = 13.0
    c.items.append(Rect(0, 0, WIDTH_MM, HEIGHT_MM, WHITE))
    c.items.append(Rect(0, 0, WIDTH_MM, header, GREEN))
    c.line(MARGIN_MM, runs("产品碳足迹", 4.6, True), 6.4, WHITE)
    c.line(MARGIN_MM, runs("Product Carbon Footprint", 2.7), 3.9, WHITE)
    if data.status != "active":
        _status_badge(c, data.status, header)
    c.y = header + 0.8
    c.para(data.product_name, 3.3 * k, inner, 2, 4.3 * k, bold=True)
    if data.product_name_en:
        c.para(data.product_name_en, 2.4 * k, inner, 1, 3.2 * k)
    detail = " · ".join(
        text for text in (
            f"型号 Model {data.model}" if data.model else "",
            f"制造商 Manufacturer {data.manufacturer}" if data.manufacturer else "",
        ) if text
    )
    if detail:
        c.para(detail, 2.0 * k, inner, 1, 2.9 * k, color=GREY)
    c.y += 1.6 * k
    c.items.append(Rect(MARGIN_MM, c.y, inner, 0.2, RULE))
    _value_lines(c, data, inner, k)
    _fields(c, data, inner, k)  # the declared unit right under the value it qualifies
    _grade_box(c, data, inner, k)
    text_bottom = c.y + 0.8
    qr_top = _bottom(c, data, inner)
    return Layout(WIDTH_MM, HEIGHT_MM, tuple(c.items)), text_bottom - qr_top


def layout(data: LabelData, measure: Measure) -> Layout:
    """Place ``data`` on the card, in smaller type (down to 82 %) if the texts are long.

    Args:
        data: the label's content.
        measure: the text width function of the font that will draw it (an estimate for SVG).

    Returns:
        The card and its items in drawing order.

    Raises:
        LabelTooLong: (a ValueError) the texts do not fit above the QR code even in the smallest type.
        QRTooLarge: the QR content does not fit a version-12 symbol.
    """
    overflow = 0.0
    for k in (1.0, 0.91, 0.82):
        card, overflow = _place(data, measure, k)
        if overflow <= 0:
            return card
    raise LabelTooLong(
        f"texts: the label's texts run {overflow:.1f} mm into the QR code even in small type; shorten the "
        "product name, model, manufacturer, declared unit, standard or certifier"
    )
