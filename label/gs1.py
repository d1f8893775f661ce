"""GS1 identifiers: the GTIN check digit and the 14-digit form (the one implementation; pure, no I/O).

The check digit is the GS1 mod-10 check: weights 3 and 1 alternate from the digit left of the check digit, and
the check digit brings the weighted sum up to a multiple of 10 (GS1 General Specifications, 7.9.1).
"""

from __future__ import annotations

from label.errors import InvalidGTIN

GTIN_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (the digits before the check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin14(gtin: str) -> str:
    """Return ``gtin`` (GTIN-8, -12, -13 or -14) as 14 digits after checking its check digit.

    The check digit is the GS1 mod-10 check: weights 3 and 1 alternate from the digit left of the
    check digit, and the check digit brings the weighted sum up to a multiple of 10.

    Args:
        gtin: the digits, without spaces.

    Returns:
        The GTIN padded with leading zeros to 14 digits, e.g. ``"04006381333931"``.

    Raises:
        InvalidGTIN: (a ValueError) on a non-digit, a length other than 8, 12, 13 or 14, or a wrong check digit.
    """
    if not isinstance(gtin, str) or not gtin.isascii() or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise InvalidGTIN(f"gtin: must be 8, 12, 13 or 14 digits, got {gtin!r}")
    padded = gtin.zfill(14)
    check = check_digit(padded[:13])
    if int(padded[13]) != check:
        raise InvalidGTIN(f"gtin: check digit of {gtin} should be {check}, not {padded[13]}")
    return padded
