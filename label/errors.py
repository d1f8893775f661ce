"""Errors of the label package.

LabelError (code: label-error)
 ├── InvalidGTIN        invalid-gtin        a GTIN has the wrong length, a non-digit or a wrong check digit (ValueError)
 ├── QRTooLarge         qr-too-large        the QR content needs a symbol version above 12 (ValueError)
 ├── LabelTooLong       label-too-long      the texts do not fit above the QR code even in small type (ValueError)
 ├── QRDpiTooLow        qr-dpi-too-low      a raster's QR modules would print smaller than the minimum (ValueError)
 ├── FontMissing        font-missing        no CJK font was found on this machine
 └── GlyphMissing       glyph-missing       the CJK font has no glyph for a character of the label

The ValueError subclasses let callers that only know the standard library catch them; the API and
the command line read ``code``. Every error carries ``code``, ``message`` and ``field`` (the offending input, or
None): the one error shape of every package.
"""

from __future__ import annotations


class LabelError(Exception):
    """Base class of every error raised by :mod:`label`."""

    code = "label-error"

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidGTIN(LabelError, ValueError):
    """A GTIN has the wrong length, a non-digit character or a wrong check digit."""

    code = "invalid-gtin"


class QRTooLarge(LabelError, ValueError):
    """The QR content does not fit a symbol of version 12 at error correction M."""

    code = "qr-too-large"


class LabelTooLong(LabelError, ValueError):
    """The label's texts do not fit above the QR code even in the smallest type."""

    code = "label-too-long"


class QRDpiTooLow(LabelError, ValueError):
    """At the requested resolution the QR modules would print below the minimum module size."""

    code = "qr-dpi-too-low"


class FontMissing(LabelError):
    """No CJK font was found; the message names the Debian package to install."""

    code = "font-missing"


class GlyphMissing(LabelError):
    """The CJK font has no glyph for a character; rendering would print a tofu box."""

    code = "glyph-missing"
