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
