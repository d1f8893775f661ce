"""Identifiers with check characters: GTIN (GS1) and the unified social credit code (GB 32100-2015)."""

from __future__ import annotations

import secrets

from registry.errors import InvalidInput

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: 31 characters (no I, O, Z, S, V)


def gtin14(gtin: str, field: str = "gtin") -> str:
    """A GTIN-8/12/13/14 as 14 digits, its GS1 check digit verified (weights 3,1,3,... from the right).

    Raises:
        InvalidInput: not 8, 12, 13 or 14 digits, or a wrong check digit.
    """
    if not isinstance(gtin, str) or not gtin.isascii() or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise InvalidInput("a GTIN has 8, 12, 13 or 14 digits", field)
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        raise InvalidInput(f"GTIN {gtin} has a wrong check digit (expected {(10 - total % 10) % 10})", field)
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
