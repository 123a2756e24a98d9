"""What an EvalResult shows in a cell: leaderboard, top-two test, chart, disagreements, inert."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

from tests.evals.rows import rows_table
from tests.inert_html import ALLOWED_TAGS, live_markup, typeset_text, unsafe_tex_links
from xai_magics.evals.display import SHOWN_DISAGREEMENTS
from xai_magics.evals.graders import grade_rows, parse_grader
from xai_magics.evals.result import EvalResult

A, B = "grok-4.3 · concise", "grok-3-mini · concise"
HOSTILE = (
    '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    "[click](javascript:alert(3)) $\\href{javascript:alert(4)}{math}$"
)
SVG_TAGS = {"svg", "title", "rect", "line", "text", "polyline", "circle", "g"}


def _result(n: int = 6) -> EvalResult:
    expected: list[object] = list(range(n))
    a = [str(e) for e in expected]
    b = [HOSTILE] + [str(e) for e in expected[1:]]
    rows = rows_table({A: a, B: b}, expected, cost_usd={A: 0.002, B: 0.001})
    graded = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": expected}))
    return EvalResult(graded, name="quiz <1>", mode="batch")


def test_hostile_answer_in_disagreements_renders_as_text() -> None:
    page = _result()._repr_html_()
    found = live_markup(page)
    assert set(found.tags) <= ALLOWED_TAGS | SVG_TAGS | {"code"}, found.tags
    assert "script" not in found.tags
    assert "img" not in found.tags
    assert not [k for k, _ in found.attrs if k.startswith("on") or k in ("src", "href")]
    # the answer is there, as the text a reader sees (TeX link command taken out)
    shown = html.unescape(page)
    assert '<img src=x onerror="alert(1)"><script>alert(2)</script>' in shown
    assert "[click](javascript:alert(3))" in shown
    assert unsafe_tex_links(typeset_text(page), dom=True) == []
    # and nothing of ours is typeset as math ($ amounts), by MathJax 3 or 2
    assert 'class="xai-eval mathjax_ignore tex2jax_ignore"' in page


def test_cell_shows_leaderboard_top_two_chart_and_disagreements() -> None:
    result = _result()
    bundle = result._repr_mimebundle_()
    page, text = bundle["text/html"], bundle["text/plain"]
    assert set(bundle) == {"text/html", "text/plain"}
    # the leaderboard, best first: A is right on every row, B misses one
    assert page.index(html.escape(A)) < page.index(html.escape(B))
    assert "100.0%" in page
    assert "83.3%" in page
    assert f"Top two: A = {html.escape(A)}, B = {html.escape(B)}: 6/6 vs 5/6" in page
    # A is more accurate, B cheaper: neither dominates, both are on the front
    assert page.count("<svg") == 1
    assert page.count('class="pareto-front"') == 1
    assert page.count('<g class="pareto">') == 2
    assert '<g class="dominated">' not in page
    assert "Where A and B disagree: 1 rows" in page
    assert html.escape("Eval quiz <1> (batch): 6 rows × 2 variants, 12 answers") in page
    # the same in text: leaderboard, the comparison, the row
    assert text.splitlines()[0].startswith("Eval quiz <1> (batch): 6 rows × 2 variants")
    assert f"Top two: A = {A}, B = {B}: 6/6 vs 5/6 passed" in text
    assert "Where A and B disagree (1 rows):" in text
    assert repr(result) == text


def test_many_disagreements_are_cut_in_the_cell_and_all_kept_in_the_method() -> None:
    n = SHOWN_DISAGREEMENTS + 5
    expected: list[object] = list(range(n))
    rows = rows_table({A: [str(e) for e in expected], B: ["no"] * n}, expected)
    graded = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": expected}))
    result = EvalResult(graded, name="many", mode="batch")
    page = result._repr_html_()
    assert f"{n} rows (the first {SHOWN_DISAGREEMENTS}; all in" in page
    assert len(result.disagreements(A, B)) == n


def test_one_variant_shows_without_a_comparison() -> None:
    rows = rows_table({A: ["1", "2"]}, [1, 3])
    graded = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": [1, 3]}))
    result = EvalResult(graded, name="solo", mode="now")
    assert "Top two" not in result._repr_html_()
    assert "50.0%" in repr(result)


def test_large_score_graded_eval_shows_a_bounded_bootstrap_made_once() -> None:
    n = 20_000
    rng = np.random.default_rng(9)
    rows = rows_table({A: ["a"] * n, B: ["b"] * n}, list(range(n)))
    rows["score"] = np.concatenate([rng.uniform(0.4, 1.0, n), rng.uniform(0.3, 0.9, n)])
    rows["passed"] = rows["score"] >= 0.5
    rows["reason"] = "judge: simulated"
    rows["grader_cost_usd"] = 0.0
    result = EvalResult(rows, name="big", mode="batch")
    text = repr(result)
    assert "paired bootstrap: A is better at the 5% level" in text
    top = result.top_comparison()
    assert top is not None
    assert top is result.top_comparison()
    comparison, differ = top
    assert comparison.mean_diff == pytest.approx(0.1, abs=0.01)
    assert comparison.ci_low < comparison.mean_diff < comparison.ci_high
    assert len(differ) > n / 2


def test_a_refused_priority_tier_gets_a_tier_served_column_and_none_otherwise() -> None:
    a, b = "grok-4.3 · terse", "grok-4.3@priority · terse"
    rows = rows_table({a: ["1", "2", "3"], b: ["1", "2", "0"]}, [1, 2, 3])
    fine = _graded(rows)
    assert "tier served" not in fine._repr_html_()
    assert "tier served" not in repr(fine)
    rows.loc[(rows["variant"] == b) & (rows["row"] == 0), "tier_served"] = "default"
    refused = _graded(rows)
    for view in (refused._repr_html_(), repr(refused)):
        assert "tier served" in view
        assert "asked priority, served default 1/3" in view


def _graded(rows: pd.DataFrame) -> EvalResult:
    graded = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": range(3)}))
    return EvalResult(graded, name="q", mode="now")
