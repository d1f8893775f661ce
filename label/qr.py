"""The label's QR code: what it says (:func:`qr_content`), the symbol (:func:`make_qr`) and reading it back.

Content. With a GTIN the QR holds a GS1 Digital Link URI on the registry's own host,
``{base}/01/{gtin14}[/21/{serial}]``, so one symbol serves both retail systems that understand GS1 and
a phone camera that just opens the link; without a GTIN it holds ``{base}/l/{label_id}``. A signed
payload, when given, goes after ``#``: browsers never send the fragment to the server, so the registry
sees which label was scanned but not the payload, and an offline verifier still has it.

Symbol. Error correction is the highest of H, Q and M whose symbol still fits version 12, with a
4-module quiet zone; segments are split so digits and upper-case letters use the dense modes
(:mod:`label.segments`). Content that needs more than version 12 at M raises :class:`QRTooLarge`.
A ~560-character payload only fits when it is mostly digits (numeric mode, 10 bits per 3 digits): 560
random characters of ``0-9A-Z.`` need version 14 at L or 16 at M.

Printed size. ISO/IEC 18004 leaves the module size to the application. GS1 General Specifications
(section 5.12.3, symbol specification table 1, items scanned at general retail point of sale) sets the
X-dimension of GS1 QR Code and GS1 DataMatrix at 1.5 times that of linear symbols: minimum 0.396 mm,
target 0.495 mm, maximum 0.990 mm (1.5 x 0.264 / 0.330 / 0.660 mm for EAN-13). We take the GS1 minimum,
which phone cameras also read comfortably at 10-20 cm. A version-12 symbol is 65 modules wide, 73
with its quiet zone: 73 x 0.396 mm = 28.9 mm, so :data:`MIN_PRINT_MM` is 29.0 mm (rounded up).
Smaller versions get larger modules at the same printed size.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from urllib.parse import quote

import qrcode
import zxingcpp
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, MODE_NUMBER, QRData

from label.errors import QRTooLarge
from label.gs1 import gtin14
from label.segments import ALPHANUMERIC, NUMERIC, segments

MAX_VERSION = 12
QUIET_ZONE = 4
MIN_MODULE_MM = 0.396  # GS1 General Specifications 5.12.3, SST 1: 2D X-dimension minimum


def modules_for(version: int) -> int:
    """Side of a QR symbol of ``version`` in modules, quiet zone included (17 + 4 x version + 2 x 4)."""
    return 17 + 4 * version + 2 * QUIET_ZONE


def min_print_mm(version: int) -> float:
    """Smallest printed side in mm, quiet zone included, of a symbol of ``version``, rounded up to 0.1 mm."""
    return math.ceil(modules_for(version) * MIN_MODULE_MM * 10 - 1e-9) / 10


MIN_PRINT_MM = min_print_mm(MAX_VERSION)  # 73 modules x 0.396 mm = 28.9 mm -> 29.0 mm

_EC_LEVELS = (  # best first
    ("H", qrcode.constants.ERROR_CORRECT_H),
    ("Q", qrcode.constants.ERROR_CORRECT_Q),
    ("M", qrcode.constants.ERROR_CORRECT_M),
)
_QR_MODES = {NUMERIC: MODE_NUMBER, ALPHANUMERIC: MODE_ALPHA_NUM}
_PAYLOAD = re.compile(r"[0-9A-Z.]+")
_BASE_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")
_LABEL_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def qr_content(
    base_url: str,
    label_id: str,
    gtin: str | None = None,
    serial: str | None = None,
    payload: str | None = None,
) -> str:
    """Build the text of a label's QR code.

    Args:
        base_url: the registry's public address, e.g. ``"https://pcf.example.cn"`` (a path is kept, a
            trailing ``/`` dropped; no query or fragment).
        label_id: the label number, used when there is no GTIN.
        gtin: the product's GTIN-8/12/13/14; with it the content is a GS1 Digital Link URI.
        serial: the item's serial number (GS1 AI 21, at most 20 characters); needs ``gtin``.
        payload: an opaque signed payload of digits, upper-case letters and ``.``, put after ``#``.

    Returns:
        ``{base}/01/{gtin14}/21/{serial}``, ``{base}/01/{gtin14}`` or ``{base}/l/{label_id}``, followed by
        ``#{payload}`` when a payload is given.

    Raises:
        ValueError: naming the bad argument; :class:`InvalidGTIN` for a bad GTIN.
    """
    if not isinstance(base_url, str) or not _BASE_URL.fullmatch(base_url):
        raise ValueError(f"base_url: must be an http(s) URL without query or fragment, got {base_url!r}")
    base = base_url.rstrip("/")
    if gtin is not None:
        url = f"{base}/01/{gtin14(gtin)}"
        if serial is not None:
            if not isinstance(serial, str) or not 1 <= len(serial) <= 20 or not serial.isascii():
                raise ValueError(f"serial: GS1 AI 21 is 1 to 20 ASCII characters, got {serial!r}")
            url += f"/21/{quote(serial, safe='')}"
    elif serial is not None:
        raise ValueError("serial: a serial number (AI 21) needs a gtin")
    else:
        if not isinstance(label_id, str) or not _LABEL_ID.fullmatch(label_id):
            raise ValueError(f"label_id: letters, digits, '.', '_' or '-', got {label_id!r}")
        url = f"{base}/l/{label_id}"
    if payload is not None:
        if not isinstance(payload, str) or not _PAYLOAD.fullmatch(payload):
            raise ValueError("payload: must be digits, upper-case letters and '.' only")
        url += f"#{payload}"
    return url


def _size_class(version: int) -> int:
    return 0 if version <= 9 else 1 if version <= 26 else 2


def _build(content: str, error_correction: int) -> tuple[qrcode.QRCode, int]:
    """A QRCode holding ``content`` in its cheapest segments and the version it needs (41: none fits)."""
    qr = qrcode.QRCode(version=None, error_correction=error_correction, border=QUIET_ZONE)
    assumed = 1
    for _ in range(3):  # count fields widen at versions 10 and 27, which can change the best split
        qr.clear()
        for mode, chunk in segments(content, assumed):
            qr.add_data(QRData(chunk.encode("utf-8"), mode=_QR_MODES.get(mode, MODE_8BIT_BYTE), check_data=False))
        try:
            fitted = qr.best_fit()
        except qrcode.exceptions.DataOverflowError:
            return qr, 41
        if _size_class(fitted) <= _size_class(assumed):
            break
        assumed = fitted
    return qr, fitted


def make_qr(content: str) -> qrcode.QRCode:
    """Make the QR symbol for ``content``: best error correction that fits version 12, 4-module quiet zone.

    Args:
        content: the text to encode, usually from :func:`qr_content`; ASCII only, because byte mode without an
            ECI header leaves readers guessing the character set.

    Returns:
        A made :class:`qrcode.QRCode`; ``version`` and ``error_correction`` tell what was chosen.

    Raises:
        QRTooLarge: (a ValueError) when even error correction M needs a version above 12.
    """
    if not isinstance(content, str) or not content or not content.isascii():
        raise ValueError("content: must be a non-empty ASCII string (percent-encode anything else in a URI)")
    needed = 41
    for _name, level in _EC_LEVELS:
        qr, needed = _build(content, level)
        if needed <= MAX_VERSION:
            qr.make(fit=False)
            return qr
    raise QRTooLarge(
        f"content: {len(content)} characters need QR version {needed if needed <= 40 else '>40'} at error "
        f"correction M, above the label's maximum of {MAX_VERSION}; shorten the URL or the payload"
    )


def qr_matrix(content: str) -> list[list[bool]]:
    """The symbol for ``content`` as rows of modules (True = dark), quiet zone included."""
    return [list(row) for row in make_qr(content).get_matrix()]


def svg_path(matrix: list[list[bool]], x: float = 0, y: float = 0, module: float = 1) -> str:
    """The ``d`` attribute of one SVG path drawing the dark modules, one rectangle per horizontal run."""

    def num(v: float) -> str:
        return f"{v:.4f}".rstrip("0").rstrip(".")

    parts = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            parts.append(f"M{num(x + start * module)} {num(y + r * module)}h{num((c - start) * module)}"
                         f"v{num(module)}h-{num((c - start) * module)}z")
    return "".join(parts)


def qr_svg(content: str) -> str:
    """A standalone SVG of the symbol: one path, one user unit per module, quiet zone included.

    Scale it with CSS or the ``width``/``height`` attributes; keep at least :data:`MIN_PRINT_MM` wide.
    """
    matrix = qr_matrix(content)
    n = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{n * 0.5}mm" height="{n * 0.5}mm" '
        f'shape-rendering="crispEdges"><rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{svg_path(matrix)}"/></svg>'
    )


def decode_qr_image(path_or_image: str | Path | bytes | Image.Image) -> list[str]:
    """Read every QR code in a photo or rendered label.

    Args:
        path_or_image: a file path, the bytes of an image file, or a Pillow image.

    Returns:
        The text of each QR code found, in zxing-cpp's order; empty when none is found.
    """
    if isinstance(path_or_image, Image.Image):
        image = path_or_image
    elif isinstance(path_or_image, bytes):
        image = Image.open(io.BytesIO(path_or_image))
    else:
        image = Image.open(path_or_image)
    image.load()
    gray = image.convert("L")
    return [r.text for r in zxingcpp.read_barcodes(gray, formats=_QR_ONLY)]
