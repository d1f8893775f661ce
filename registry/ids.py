"""Identifiers: GTIN (GS1, the check digit from :mod:`label.gs1`), the unified social credit code (GB 32100-2015),
object ids and label UUIDs."""

from __future__ import annotations

import secrets
import uuid

from label.gs1 import GTIN_LENGTHS, check_digit
from registry.errors import InvalidInput

#: Label numbers are CD-PCF-<year>-<6 digits> (Chengdu PCF label).
LABEL_PREFIX = "CD-PCF"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: 31 characters (no I, O, Z, S, V)


def gtin14(gtin: str, field: str = "gtin") -> str:
    """A GTIN-8/12/13/14 as 14 digits, its GS1 check digit verified (weights 3,1,3,... from the right).

    Raises:
        InvalidInput: not 8, 12, 13 or 14 digits, or a wrong check digit.
    """
    if not isinstance(gtin, str) or not gtin.isascii() or not gtin.isdigit() or len(gtin) not in GTIN_LENGTHS:
        raise InvalidInput("a GTIN has 8, 12, 13 or 14 digits", field)
    expected = check_digit(gtin[:-1])
    if expected != int(gtin[-1]):
        raise InvalidInput(f"GTIN {gtin} has a wrong check digit (expected {expected})", field)
    return gtin.zfill(14)


def uscc(code: str, field: str = "uscc") -> str:
    """A unified social credit code (统一社会信用代码), its check character verified (weights 3**i mod 31).

    Raises:
        InvalidInput: not 18 characters of the code's alphabet, or a wrong check character.
    """
    code = code.strip().upper() if isinstance(code, str) else ""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        raise InvalidInput("a unified social credit code has 18 characters (digits and capitals but I, O, S, V, Z)",
                           field)
    total = sum(_USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    expected = _USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        raise InvalidInput(f"unified social credit code {code} has a wrong check character (expected {expected})",
                           field)
    return code


def new_id(prefix: str) -> str:
    """A random, URL-safe object id such as ``dec_3q9...`` (not guessable: ids of unpublished work are private)."""
    return f"{prefix}_{secrets.token_hex(10)}"


#: Namespace of every label's UUID (uuid5 of the label id): fixed forever, since exchanges (PACT footprint ids)
#: publish these UUIDs.
LABEL_UUID_NAMESPACE = uuid.UUID("2344b1b4-e7b8-4095-8b58-c876c4b52b4e")


def label_uuid(label_id: str) -> str:
    """The stable UUID of a label (its PACT footprint id)."""
    return str(uuid.uuid5(LABEL_UUID_NAMESPACE, label_id))
