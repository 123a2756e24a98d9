"""Accuracy against cost as a static SVG, the Pareto front marked: kept in a saved notebook.

Each variant is a point at (total cost, accuracy) with its 95% interval as a vertical bar,
numbered by its rank; a key beside the plot names them.
A variant is on the Pareto front when no other is at least as accurate for no more money
(and strictly better at one): those points are filled and joined by a line, the others are
hollow. Text in the chart (variant names, from prompt names the user chose) is escaped; the
SVG has no script, no link and no external reference, and takes its colours from the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from xai_magics.render import escape

__all__ = ["Point", "accuracy_cost_svg", "pareto_front"]

_W, _H = 640, 340
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 200, 18, 46
_FRONT = "#1f77b4"
_LABEL_CHARS = 30


@dataclass(frozen=True)
class Point:
    label: str
    cost_usd: float
    accuracy: float
    ci_low: float
    ci_high: float


def pareto_front(costs: Sequence[float], accuracies: Sequence[float]) -> list[bool]:
    """Which points no other dominates (cheaper or equal and more accurate or equal, one strictly).

    A point with an unknown (NaN) cost or accuracy is never on the front.
    """
    points = list(zip(costs, accuracies, strict=True))

    def dominated(c: float, a: float) -> bool:
        return any(c2 <= c and a2 >= a and (c2 < c or a2 > a) for c2, a2 in points)

    return [not (math.isnan(c) or math.isnan(a)) and not dominated(c, a) for c, a in points]


def _padded(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """The axis range (in log10 units on a log axis) with a margin around the points."""
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    pad = (hi - lo) * 0.08 or (abs(hi) * 0.1 or 1.0)
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:  # 1-2-5 within each decade when there are few decades, else the decades alone
        steps = (1, 2, 5) if hi - lo <= 3 else (1,)
        return [m * 10.0**e for e in range(math.floor(lo), math.ceil(hi) + 1) for m in steps]
    raw = (hi - lo) / 4
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if step * m >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1) if first + i * step >= 0]


def _usd(value: float) -> str:
    return f"${value:.2g}" if value < 1 else f"${value:,.2f}"


def accuracy_cost_svg(points: Sequence[Point], *, title: str = "Accuracy against cost") -> str:
    """The chart as an ``<svg>`` element (inline in HTML, or saved as an .svg file)."""
    shown = [p for p in points if not math.isnan(p.cost_usd) and not math.isnan(p.accuracy)]
    front = pareto_front([p.cost_usd for p in shown], [p.accuracy for p in shown])
    costs = [p.cost_usd for p in shown] or [0.0, 1.0]
    log = min(costs) > 0 and max(costs) / min(costs) > 20
    x_lo, x_hi = _padded(min(costs), max(costs), log)
    height = max(_H, _TOP + 16 * (len(shown) + 5))  # room for the key and the legend
    plot_w, plot_h = _W - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def x(cost: float) -> float:
        v = math.log10(cost) if log else cost
        return _LEFT + (v - x_lo) / (x_hi - x_lo) * plot_w

    def y(accuracy: float) -> float:
        return _TOP + (1.0 - accuracy) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" role="img" font-family="sans-serif" font-size="11" '
        f'fill="currentColor" stroke="currentColor"><title>{escape(title)}</title>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke-opacity="0.4"/>',
    ]
    for acc in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y(acc):.1f}" y2="{y(acc):.1f}" '
            f'stroke-opacity="0.12"/><text x="{_LEFT - 6}" y="{y(acc) + 4:.1f}" '
            f'text-anchor="end" stroke="none">{acc:.0%}</text>'
        )
    lo_v, hi_v = (10**x_lo, 10**x_hi) if log else (x_lo, x_hi)
    for tick in _ticks(x_lo, x_hi, log):
        if lo_v <= tick <= hi_v:
            parts.append(
                f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{_TOP + plot_h}" '
                f'y2="{_TOP + plot_h + 4}"/><text x="{x(tick):.1f}" y="{_TOP + plot_h + 16}" '
                f'text-anchor="middle" stroke="none">{escape(_usd(tick))}</text>'
            )
    scale_note = " (log scale)" if log else ""
    parts.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" stroke="none">'
        f"cost of the variant (answers + grading){scale_note}</text>"
        f'<text x="14" y="{_TOP + plot_h / 2:.1f}" text-anchor="middle" stroke="none" '
        f'transform="rotate(-90 14 {_TOP + plot_h / 2:.1f})">accuracy (95% interval)</text>'
    )
    on_front = sorted((p for p, f in zip(shown, front, strict=True) if f), key=lambda p: p.cost_usd)
    if len(on_front) > 1:
        path = " ".join(f"{x(p.cost_usd):.1f},{y(p.accuracy):.1f}" for p in on_front)
        parts.append(
            f'<polyline class="pareto-front" points="{path}" fill="none" stroke="{_FRONT}" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    # Points carry their rank in the leaderboard; the key beside the plot names them, so long
    # variant names never overlap each other or the points.
    key_x = _LEFT + plot_w + 16
    for rank, (p, is_front) in enumerate(zip(shown, front, strict=True), start=1):
        px, py = x(p.cost_usd), y(p.accuracy)
        label = p.label if len(p.label) <= _LABEL_CHARS else p.label[: _LABEL_CHARS - 1] + "…"
        colour = _FRONT if is_front else "currentColor"
        fill = _FRONT if is_front else "none"
        parts.append(
            f'<g class="{"pareto" if is_front else "dominated"}"><title>{escape(p.label)}: '
            f"{p.accuracy:.1%} [{p.ci_low:.1%}, {p.ci_high:.1%}], {escape(_usd(p.cost_usd))}"
            f'</title><line x1="{px:.1f}" x2="{px:.1f}" y1="{y(p.ci_low):.1f}" '
            f'y2="{y(p.ci_high):.1f}" stroke="{colour}" stroke-opacity="0.7"/>'
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{fill}" stroke="{colour}" '
            f'stroke-width="1.5"/><text x="{px + 6:.1f}" y="{py - 6:.1f}" stroke="none">'
            f'{rank}</text><text class="key" x="{key_x}" y="{_TOP + 4 + 16 * rank}" '
            f'stroke="none">{rank}  {escape(label)}</text></g>'
        )
    legend_y = _TOP + 16 * (len(shown) + 2)
    parts.append(
        f'<g transform="translate({key_x},{legend_y})" stroke="none">'
        f'<circle cx="4" cy="0" r="4.5" fill="{_FRONT}"/><text x="14" y="4">Pareto front: no other'
        '</text><text x="14" y="18">variant is as accurate for less</text>'
        '<circle cx="4" cy="36" r="4.5" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        '<text x="14" y="40">dominated</text></g></svg>'
    )
    return "".join(parts)
