"""Spend by day as a picture: a static SVG (kept in the saved notebook) and text bars.

Plain shapes and text, no script, no external font or stylesheet: it reads the same in
JupyterLab, on GitHub and in nbviewer. Mid-grey text and a mid-blue bar read on light and
dark themes alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["svg_bars", "text_bars"]

_BAR = "█"


def text_bars(labels: Sequence[str], values: Sequence[float], notes: Sequence[str]) -> str:
    """One line per label: the label, a bar as long as its share of the largest, the note."""
    width = 30
    top = max(values, default=0.0)
    label_width = max((len(label) for label in labels), default=0)
    lines = []
    for label, value, note in zip(labels, values, notes, strict=True):
        length = round(width * value / top) if top > 0 else 0
        if value > 0 and length == 0:
            length = 1  # a day that cost something is never drawn as nothing
        lines.append(f"{label.ljust(label_width)}  {(_BAR * length).ljust(width)}  {note}")
    return "\n".join(lines)


def svg_bars(
    labels: Sequence[str], values: Sequence[float], notes: Sequence[str], *, title: str
) -> str:
    """Horizontal bars, one row per label, with the note at the end of each bar."""
    row, label_w, bar_w, note_w = 18, 90, 260, 160
    height = row * len(labels) + 28
    width = label_w + bar_w + note_w
    top = max(values, default=0.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<text x="0" y="14" font-weight="bold" fill="#555">{escape(title)}</text>',
    ]
    for i, (label, value, note) in enumerate(zip(labels, values, notes, strict=True)):
        y = 24 + i * row
        length = bar_w * value / top if top > 0 else 0.0
        if value > 0:
            length = max(length, 1.0)
        parts += [
            f'<text x="0" y="{y + 12}" fill="#555">{escape(label)}</text>',
            f'<rect x="{label_w}" y="{y + 2}" width="{length:.1f}" height="{row - 5}" '
            'fill="#4a7fd4"/>',
            f'<text x="{label_w + length + 4:.1f}" y="{y + 12}" fill="#555">{escape(note)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
