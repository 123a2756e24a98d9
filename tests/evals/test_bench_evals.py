"""The 1M-answer benchmark, small: its grading and leaderboard are right (timing is the bench's)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from benchmarks.bench_evals import VARIANTS, arrow_baseline, pandas_baseline, quiz_rows
from tests.evals.test_graders import _reference_normal_form
from xai_magics.evals.graders import grade_rows, parse_grader
from xai_magics.evals.result import EvalResult


def test_benchmark_grades_and_aggregates_like_plain_python_and_a_group_by() -> None:
    rows = quiz_rows(200, VARIANTS, 5, seed=3)
    assert len(rows) == 200 * 4 * 5
    graded = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": range(200)}))
    want = [
        isinstance(a, str) and _reference_normal_form(a) == _reference_normal_form(str(e))
        for a, e in zip(rows["answer"], rows["expected"], strict=True)
    ]
    assert graded["passed"].tolist() == want
    assert 0.3 < graded["passed"].mean() < 0.9  # the styles and error rate do vary the grades

    board = EvalResult(graded, name="bench", mode="batch").leaderboard.set_index("variant")
    baseline = pandas_baseline(graded)
    columns = ["variant", "passed", "cost_usd", "grader_cost_usd", "tokens"]
    table = pa.Table.from_pandas(graded[columns], preserve_index=False)
    arrow = arrow_baseline(table).to_pandas().set_index("variant")
    for variant in VARIANTS:
        assert board.loc[variant, "n"] == baseline.loc[variant, "n"] == 1000
        assert board.loc[variant, "accuracy"] == baseline.loc[variant, "accuracy"]
        assert board.loc[variant, "cost_usd"] == pytest.approx(baseline.loc[variant, "cost_usd"])
        assert board.loc[variant, "tokens"] == baseline.loc[variant, "tokens"]
        assert arrow.loc[variant, "passed_sum"] == baseline.loc[variant, "correct"]
    # the variants' skills differ (0.9, 0.8, 0.6, 0.5 before formatting): so do the accuracies
    assert list(board.index[:2]) == ["grok-4.3 · concise", "grok-4.3 · steps"]
