"""Find a CJK font for the PNG and PDF labels, and refuse to print characters it cannot draw.

Searched in order (first existing file wins), Simplified Chinese face of each collection:

1. Noto Sans CJK (Debian/Ubuntu ``fonts-noto-cjk``): ``/usr/share/fonts/opentype/noto/NotoSansCJK-{Regular,Bold}.ttc``,
   face 2 = "Noto Sans CJK SC" (faces 0-4 are JP, KR, SC, TC, HK);
2. the same files under other distributions' paths (Fedora ``google-noto-sans-cjk-ttc-fonts``, Arch ``noto-fonts-cjk``,
   Homebrew/macOS user installs);
3. WenQuanYi Micro Hei (``fonts-wqy-microhei``), face 0, regular only (bold is drawn with the regular face);
4. Droid Sans Fallback (``fonts-droid-fallback``), regular only.

Pillow and fpdf2 both open TrueType collections (fpdf2 through ``add_font(..., collection_font_number=n)``), so the
.ttc files are used as they are. Noto Sans CJK has no glyph for U+2082 SUBSCRIPT TWO; the renderers draw ``CO2`` with a
smaller, lowered ``2`` instead, and :func:`check_glyphs` refuses any other character the font lacks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

from label.errors import FontMissing, GlyphMissing


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: ``path`` and ``index`` inside a collection (0 for a plain .ttf/.otf)."""

    path: Path
    index: int


@dataclass(frozen=True)
class CJKFont:
    """The regular and bold faces the labels are drawn with."""

    name: str
    regular: FontFace
    bold: FontFace


_NOTO_DIRS = (
    "/usr/share/fonts/opentype/noto",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/google-noto-cjk",  # Fedora
    "/usr/share/fonts/noto-cjk",  # Arch
    "/usr/share/fonts/truetype/noto",
    "/Library/Fonts",
    str(Path.home() / "Library/Fonts"),
    str(Path.home() / ".local/share/fonts"),
)
_SINGLE_FACE = (  # (name, path, collection index)
    ("WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("Droid Sans Fallback", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
)
_NOTO_SC_INDEX = 2


def _candidates() -> list[CJKFont]:
    fonts = []
    for folder in _NOTO_DIRS:
        regular = Path(folder) / "NotoSansCJK-Regular.ttc"
        bold = Path(folder) / "NotoSansCJK-Bold.ttc"
        if regular.is_file():
            bold_face = FontFace(bold, _NOTO_SC_INDEX) if bold.is_file() else FontFace(regular, _NOTO_SC_INDEX)
            fonts.append(CJKFont("Noto Sans CJK SC", FontFace(regular, _NOTO_SC_INDEX), bold_face))
    for name, path, index in _SINGLE_FACE:
        if Path(path).is_file():
            face = FontFace(Path(path), index)
            fonts.append(CJKFont(name, face, face))
    return fonts


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont:
    """The first CJK font installed on this machine.

    Returns:
        Its regular and bold faces.

    Raises:
        FontMissing: no known CJK font file exists; the message says what to install.
    """
    fonts = _candidates()
    if not fonts:
        raise FontMissing(
            "no CJK font found for the PNG/PDF label (looked for Noto Sans CJK, WenQuanYi Micro Hei, Droid Sans "
            "Fallback); install one, e.g. `apt-get install fonts-noto-cjk` on Debian/Ubuntu"
        )
    return fonts[0]


@functools.lru_cache(maxsize=8)
def _cmap(face: FontFace) -> frozenset[int]:
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def check_glyphs(face: FontFace, texts: list[str]) -> None:
    """Raise :class:`GlyphMissing` if ``face`` cannot draw a character of ``texts`` (spaces are always fine).

    Args:
        face: the font face that will draw the texts.
        texts: every string that will be drawn with it.
    """
    cmap = _cmap(face)
    missing = sorted({ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in cmap})
    if missing:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing)
        raise GlyphMissing(f"font {face.path.name} has no glyph for {shown}; the label would print empty boxes")
