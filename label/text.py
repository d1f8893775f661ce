"""Text helpers shared by the layout: runs with a subscript two, width estimates and line wrapping.

All lengths are millimetres; a font ``size`` is the em size in mm (1 pt = 0.3528 mm).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

SUB_SCALE = 0.7  # subscript size / base size
SUB_DROP = 0.3  # subscript baseline drop, in units of the subscript's own size
ELLIPSIS = "…"

# width(text, size_mm, bold) -> width in mm
Measure = Callable[[str, float, bool], float]

_CO2 = re.compile(r"CO[2₂](?!\d)")


@dataclass(frozen=True)
class Run:
    """A piece of a line drawn in one style; ``sub`` runs sit lower (already at subscript size)."""

    text: str
    size: float
    bold: bool = False
    sub: bool = False


def runs(text: str, size: float, bold: bool = False) -> tuple[Run, ...]:
    """Split ``text`` into runs, writing every ``CO2`` (or ``CO₂``) with a real subscript two.

    The CJK fonts lack U+2082, so the two is a smaller, lowered ``"2"`` rather than the Unicode character.
    """
    out: list[Run] = []
    pos = 0
    for match in _CO2.finditer(text):
        out.append(Run(text[pos : match.start()] + "CO", size, bold))
        out.append(Run("2", round(size * SUB_SCALE, 4), bold, sub=True))
        pos = match.end()
    out.append(Run(text[pos:], size, bold))
    return tuple(r for r in out if r.text)


def plain(text: str) -> str:
    """``text`` with ``CO₂`` spelt ``CO2``, for fonts and places without a subscript."""
    return text.replace("₂", "2")


def estimate_width(text: str, size: float, bold: bool = False) -> float:
    """A font-free width estimate for Noto Sans CJK, rounded up so estimated lines do not overflow.

    Calibrated on Noto Sans CJK SC Regular: CJK ideographs and full-width forms 1 em, digits 0.555 em,
    upper-case ~0.66 em, lower-case ~0.53 em, space 0.224 em; bold adds ~4 %.
    """
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch.isdigit():
            em += 0.56
        elif ch.isupper():
            em += 0.68
        elif ch.islower():
            em += 0.55
        elif ch == " ":
            em += 0.23
        else:
            em += 0.45
    return em * size * (1.05 if bold else 1.0)


def runs_width(parts: tuple[Run, ...], measure: Measure) -> float:
    """Total advance of ``parts``."""
    return sum(measure(r.text, r.size, r.bold) for r in parts)


def _tokens(text: str) -> list[str]:
    """Words, single CJK characters and single spaces: the places a line may break."""
    return re.findall(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\s|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+",
                      text)


def _cut(text: str, size: float, bold: bool, width: float, measure: Measure) -> str:
    """The longest prefix of ``text`` that, followed by an ellipsis, fits ``width``."""
    for end in range(len(text), 0, -1):
        candidate = text[:end].rstrip() + ELLIPSIS
        if measure(candidate, size, bold) <= width:
            return candidate
    return ELLIPSIS


def wrap(text: str, size: float, width: float, measure: Measure, max_lines: int, bold: bool = False) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines of at most ``width``; cut the last with an ellipsis.

    Lines break between words and between CJK characters; a word wider than a line is split anywhere.
    """
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        trial = line + token
        if measure(trial.rstrip(), size, bold) <= width:
            line = trial
            continue
        if token.isspace():
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token
        while measure(line, size, bold) > width and len(line) > 1:  # a word longer than the line
            end = 1
            while end < len(line) and measure(line[: end + 1], size, bold) <= width:
                end += 1
            lines.append(line[:end])
            line = line[end:]
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], _cut(rest, size, bold, width, measure)]
    return lines


def fit_size(parts_for: Callable[[float], tuple[Run, ...]], size: float, width: float, measure: Measure,
             minimum: float) -> float:
    """The largest size from ``size`` down to ``minimum`` (in 4 % steps) at which ``parts_for(size)`` fits ``width``."""
    while size > minimum and runs_width(parts_for(size), measure) > width:
        size = max(minimum, size * 0.96)
    return size
