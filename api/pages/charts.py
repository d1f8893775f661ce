"""Inline SVG charts: drawn on the server, readable without JavaScript, scaled by the browser (``viewBox``).

A chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` that lists every value, so a screen reader reads
the numbers the eye reads from the bars. Texts arrive translated and formatted; they are escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 320  # user units; the SVG is drawn at 100 % of its container
ROW = 42
BAR = 12


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (for the length) and the text written beside it."""

    label: str
    value: float
    text: str


def bar_chart(bars: Sequence[Bar], *, title: str, chart_id: str = "chart") -> Markup:
    """A horizontal bar chart, one row per bar: the label left, the value text right, the bar below.

    Negative values (credits) are drawn as zero-length bars; their text still says the value.
    """
    top = max((b.value for b in bars), default=0.0)
    height = ROW * len(bars) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape("; ".join(f"{b.label}: {b.text}" for b in bars))}</desc>',
    ]
    for i, b in enumerate(bars):
        y = i * ROW
        length = 0.0 if top <= 0 or b.value <= 0 else max(WIDTH * b.value / top, 2.0)
        parts += [
            f'<text x="0" y="{y + 16}" class="chart-label">{escape(b.label)}</text>',
            f'<text x="{WIDTH}" y="{y + 16}" text-anchor="end" class="chart-value">{escape(b.text)}</text>',
            f'<rect x="0" y="{y + 23}" width="{WIDTH}" height="{BAR}" rx="3" class="chart-track"/>',
            f'<rect x="0" y="{y + 23}" width="{length:.1f}" height="{BAR}" rx="3" class="chart-bar"/>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``value`` with its label (a percentile, the median)."""

    value: float
    label: str


def histogram_chart(bins: Sequence[tuple[float, float, int]], markers: Sequence[Marker], *, title: str,
                    description: str, chart_id: str = "dist") -> Markup:
    """A column chart of a distribution (one column per bin) with marker lines; ``description`` is read aloud.

    Columns are scaled to the fullest bin; the x axis runs from the lowest bin's lower edge to the highest's
    upper edge (a single value gets one full-width column).
    """
    height, top_pad, axis = 150, 34, 20
    lo, hi = bins[0][0], bins[-1][1]
    span = hi - lo or 1.0
    most = max(c for *_, c in bins) or 1
    plot = height - top_pad - axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(description)}</desc>',
        f'<line x1="0" y1="{height - axis}" x2="{WIDTH}" y2="{height - axis}" class="chart-axis"/>',
    ]
    for a, b, count in bins:
        x = 0.0 if hi == lo else WIDTH * (a - lo) / span
        w = WIDTH if hi == lo else WIDTH * (b - a) / span
        h = plot * count / most
        parts.append(f'<rect x="{x + 1:.1f}" y="{height - axis - h:.1f}" width="{max(w - 2, 1):.1f}" '
                     f'height="{h:.1f}" class="chart-bar"><title>{count}</title></rect>')
    for j, m in enumerate(markers):
        x = WIDTH / 2 if hi == lo else max(min(WIDTH * (m.value - lo) / span, WIDTH - 1), 1)
        anchor = "start" if x < WIDTH * 0.3 else ("end" if x > WIDTH * 0.7 else "middle")
        parts += [f'<line x1="{x:.1f}" y1="{top_pad - 4}" x2="{x:.1f}" y2="{height - axis}" class="chart-mark"/>',
                  f'<text x="{x:.1f}" y="{12 + 11 * (j % 2)}" text-anchor="{anchor}" class="chart-mark-label">'
                  f'{escape(m.label)}</text>']
    parts.append("</svg>")
    return Markup("".join(parts))
