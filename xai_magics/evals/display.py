"""How an ``EvalResult`` shows in a notebook: leaderboard, significance, chart, disagreements.

The HTML is built from our own markup around escaped text (``render.escape`` and
``render_table``); answers are model output and are shown as inert text, never as HTML or
Markdown, with invisible control characters and TeX links taken out. The chart is inline SVG,
so the saved notebook keeps it without a kernel.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from xai_magics.evals.chart import Point, accuracy_cost_svg
from xai_magics.render import escape, render_table, strip_controls, text_table
from xai_magics.rendering.tex import neutralise_tex
from xai_magics.usage import format_usd

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

    from xai_magics.evals.compare import Comparison
    from xai_magics.evals.result import EvalResult

__all__ = ["eval_html", "eval_text"]

#: disagreements shown in the cell; the rest are in ``.disagreements(a, b)``
SHOWN_DISAGREEMENTS = 20
_ANSWER_CHARS = 300
# Dollar amounts are not math, and answers are not to be typeset: MathJax 3 and 2 skip these
# classes (as render.py's status lines). Answers also lose TeX links, for viewers that do not.
_NO_TEX = "mathjax_ignore tex2jax_ignore"
_HEADERS = ["variant", "n", "accuracy", "95% interval", "cost", "per correct", "tokens"]


def _percent(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.1%}"


def _seconds(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f} s"


def _money(x: float) -> str:
    return "–" if math.isnan(x) else format_usd(x)


def _tier_refused(board: pd.DataFrame) -> bool:
    """Whether some variant was not served the tier it asked for, on some rows."""
    labels = board["tier_served"]
    return any(isinstance(label, str) and label.startswith("asked ") for label in labels)


def _board_cells(board: pd.DataFrame, latency: bool) -> tuple[list[str], list[list[str]]]:
    """The leaderboard's cells; a "tier served" column only when a tier asked was not served
    (priority refused), saying it as ``%%grok`` receipts do: "asked priority, served default"."""
    tiers = _tier_refused(board)
    headers = [
        "variant",
        *(["tier served"] if tiers else []),
        *_HEADERS[1:],
        *(["latency p50", "latency p95"] if latency else []),
    ]
    rows = []
    for r in board.itertuples(index=False):
        served = [r.tier_served if isinstance(r.tier_served, str) else "–"] if tiers else []
        cells = [
            r.variant,
            *served,
            f"{r.n:,}",
            _percent(r.accuracy),
            f"[{_percent(r.ci_low)}, {_percent(r.ci_high)}]",
            _money(r.cost_usd),
            _money(r.cost_per_correct_usd),
            f"{r.tokens:,}",
        ]
        if latency:
            cells += [_seconds(r.latency_p50_s), _seconds(r.latency_p95_s)]
        rows.append(cells)
    return headers, rows


def _shown(answer: Any) -> str:
    """An answer as one line of inert text, cut to a readable length."""
    if answer is None or (isinstance(answer, float) and math.isnan(answer)):
        return "(no answer)"
    text = " ".join(neutralise_tex(strip_controls(str(answer))).split())
    return text if len(text) <= _ANSWER_CHARS else text[: _ANSWER_CHARS - 1] + "…"


def _disagreement_cells(rows: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    headers = ["row", "repeat", "expected", "A answer", "A", "B answer", "B"]
    cells = [
        [
            str(r.row),
            str(r.repeat),
            _shown(r.expected),
            _shown(r.answer_a),
            "pass" if r.passed_a else "fail",
            _shown(r.answer_b),
            "pass" if r.passed_b else "fail",
        ]
        for r in rows.head(SHOWN_DISAGREEMENTS).itertuples(index=False)
    ]
    return headers, cells


def _summary(result: EvalResult) -> str:
    rows = result.rows
    inputs = rows["row"].nunique()
    repeats = rows["repeat"].nunique()
    variants = rows["variant"].nunique()
    cost = float(rows["cost_usd"].sum() + rows["grader_cost_usd"].sum())
    times = f" × {repeats} repeats" if repeats > 1 else ""
    return (
        f"Eval {result.name} ({result.mode}): {inputs:,} rows × {variants} variants{times}, "
        f"{len(rows):,} answers, {format_usd(cost)} in all"
    )


def _parts(result: EvalResult) -> tuple[Comparison | None, pd.DataFrame | None]:
    top = result.top_comparison()
    return (None, None) if top is None else top


def eval_html(result: EvalResult) -> str:
    """The cell's HTML view."""
    board = result.leaderboard
    latency = bool(board["latency_p50_s"].notna().any())
    headers, cells = _board_cells(board, latency)
    points = [
        Point(r.variant, r.cost_usd, r.accuracy, r.ci_low, r.ci_high)
        for r in board.itertuples(index=False)
    ]
    comparison, differ = _parts(result)
    html = [
        f'<div class="xai-eval {_NO_TEX}">',
        f"<p><strong>{escape(_summary(result))}</strong></p>",
        render_table(headers, cells),
    ]
    if comparison is not None and differ is not None:
        html.append(f"<p>Top two: {escape(str(comparison))}</p>")
    html.append(accuracy_cost_svg(points, title=f"Eval {result.name}: accuracy against cost"))
    if comparison is not None and differ is not None:
        shown = min(len(differ), SHOWN_DISAGREEMENTS)
        more = f" (the first {shown}; all in <code>.disagreements(a, b)</code>)"
        more = more if len(differ) > shown else ""
        html.append(f"<p>Where A and B disagree: {len(differ):,} rows{more}</p>")
        if len(differ):
            html.append(render_table(*_disagreement_cells(differ)))
    html.append("</div>")
    return "".join(html)


def eval_text(result: EvalResult) -> str:
    """The plain-text view (terminals, ``repr``, the saved notebook's text/plain)."""
    board = result.leaderboard
    latency = bool(board["latency_p50_s"].notna().any())
    lines = [_summary(result), "", text_table(*_board_cells(board, latency))]
    comparison, differ = _parts(result)
    if comparison is not None and differ is not None:
        lines += ["", f"Top two: {comparison}"]
        if len(differ):
            lines += [
                "",
                f"Where A and B disagree ({len(differ):,} rows):",
                text_table(*_disagreement_cells(differ)),
            ]
    return "\n".join(lines)
