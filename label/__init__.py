"""Printable product carbon-footprint labels: label data -> SVG, PNG and PDF with a verifiable QR code.

A pure package: no database, no settings, nothing imported from the rest of the project.

>>> content = qr_content("https://pcf.example.cn", "CD-PCF-2026-000123")
>>> content
'https://pcf.example.cn/l/CD-PCF-2026-000123'
"""

from label.errors import FontMissing, GlyphMissing, InvalidGTIN, LabelError, LabelTooLong, QRDpiTooLow, QRTooLarge
from label.fonts import CJKFont, FontFace, find_cjk_font
from label.gs1 import gtin14
from label.model import BOUNDARIES, DEFAULT_STANDARD, STATUSES, Grade, LabelData
from label.qr import (
    MAX_VERSION,
    MIN_MODULE_MM,
    MIN_PRINT_MM,
    QUIET_ZONE,
    decode_qr_image,
    make_qr,
    min_print_mm,
    qr_content,
    qr_matrix,
    qr_svg,
)
from label.render import render_pdf, render_png, render_svg

__all__ = [
    "BOUNDARIES",
    "DEFAULT_STANDARD",
    "MAX_VERSION",
    "MIN_MODULE_MM",
    "MIN_PRINT_MM",
    "QUIET_ZONE",
    "STATUSES",
    "CJKFont",
    "FontFace",
    "FontMissing",
    "GlyphMissing",
    "Grade",
    "InvalidGTIN",
    "LabelData",
    "LabelError",
    "LabelTooLong",
    "QRDpiTooLow",
    "QRTooLarge",
    "decode_qr_image",
    "find_cjk_font",
    "gtin14",
    "make_qr",
    "min_print_mm",
    "qr_content",
    "qr_matrix",
    "qr_svg",
    "render_pdf",
    "render_png",
    "render_svg",
]
