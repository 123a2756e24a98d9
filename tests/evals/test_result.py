"""EvalResult: the leaderboard agrees with its rows, paired comparisons, disagreements."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.evals.rows import rows_table
from xai_magics.evals.graders import grade_rows, parse_grader
from xai_magics.evals.result import LEADERBOARD_COLUMNS, EvalResult
from xai_magics.evals.stats import mcnemar_exact, wilson_interval

A, B, C = "grok-4.3 · concise", "grok-3-mini · concise", "grok-4.3@priority · steps"


def _result(
    answers: dict[str, list[str | None]],
    expected: list[object],
    *,
    grader: str = "exact",
    mode: str = "batch",
    **kw: object,
) -> EvalResult:
    rows = rows_table(answers, expected, **kw)  # type: ignore[arg-type]
    data = pd.DataFrame({"q": range(len(expected))})
    graded = grade_rows(rows, parse_grader(grader, {"half": _half}), data)
    return EvalResult(graded, name="quiz", mode=mode)


def _half(answer: str, expected: object, row: pd.Series) -> float:
    return {"right": 1.0, "close": 0.5}.get(answer, 0.0)


def _quiz(seed: int) -> tuple[dict[str, list[str | None]], list[object]]:
    rng = np.random.default_rng(seed)
    expected: list[object] = list(range(30))
    answers: dict[str, list[str | None]] = {}
    for variant, rate in ((A, 0.9), (B, 0.6), (C, 0.9)):
        answers[variant] = [
            None if rng.random() < 0.05 else (str(e) if rng.random() < rate else "wrong")
            for e in expected
        ]
    return answers, expected


def test_leaderboard_agrees_with_its_rows_best_first() -> None:
    answers, expected = _quiz(1)
    cost = {A: 0.002, B: 0.0005, C: 0.004}
    result = _result(answers, expected, cost_usd=cost)
    board = result.leaderboard
    assert list(board.columns) == LEADERBOARD_COLUMNS
    assert sorted(board["variant"]) == sorted([A, B, C])
    for r in board.itertuples(index=False):
        mine = result.rows[result.rows["variant"] == r.variant]
        correct = int(mine["passed"].sum())
        assert (r.model, r.tier, r.prompt) == tuple(mine[["model", "tier", "prompt"]].iloc[0])
        assert r.n == len(mine) == 30
        assert r.accuracy == correct / 30
        assert (r.ci_low, r.ci_high) == pytest.approx(wilson_interval(correct, 30))
        total = float(mine["cost_usd"].sum())
        assert r.cost_usd == pytest.approx(total) == pytest.approx(30 * cost[r.variant])
        assert r.cost_per_correct_usd == pytest.approx(total / correct)
        assert r.tokens == 30 * 15
        assert math.isnan(r.latency_p50_s)
        assert math.isnan(r.latency_p95_s)
    keys = list(zip(-board["accuracy"], board["cost_usd"], strict=True))
    assert keys == sorted(keys)


def test_leaderboard_counts_grading_cost_and_now_latency_percentiles() -> None:
    latencies = {A: [float(i) for i in range(1, 21)], B: [0.5] * 20}
    rows = rows_table({A: ["1"] * 20, B: ["0"] * 20}, [1] * 20, latency_s=latencies)
    rows = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": range(20)}))
    rows["grader_cost_usd"] = 0.01
    board = EvalResult(rows, name="n", mode="now").leaderboard.set_index("variant")
    assert board.loc[A, "cost_usd"] == pytest.approx(20 * 0.001 + 20 * 0.01)
    # numpy's default (linear) percentile of 1..20
    assert board.loc[A, "latency_p50_s"] == pytest.approx(np.percentile(latencies[A], 50))
    assert board.loc[A, "latency_p95_s"] == pytest.approx(np.percentile(latencies[A], 95))
    assert board.loc[B, "accuracy"] == 0.0
    assert math.isnan(board.loc[B, "cost_per_correct_usd"])


def test_ties_on_accuracy_go_to_the_cheaper_variant() -> None:
    result = _result({A: ["1", "2"], C: ["1", "2"]}, [1, 2], cost_usd={A: 0.01, C: 0.001})
    assert result.variants == [C, A]
    assert result.top_two() == (C, A)


def test_compare_pass_fail_uses_exact_mcnemar_on_the_discordant_rows() -> None:
    expected: list[object] = list(range(12))
    a = [str(e) for e in expected[:10]] + ["x", "x"]  # passes 0-9
    b = ["x"] * 9 + [str(e) for e in expected[9:]]  # passes 9-11
    got = _result({A: a, B: b}, expected).compare(A, B)
    assert (got.n, got.passed_a, got.passed_b, got.only_a, got.only_b) == (12, 10, 3, 9, 2)
    assert got.test == "McNemar exact"
    # 2 * P(X <= 2 | 11, 1/2) = 2 * (1 + 11 + 55) / 2048
    assert got.p_value == pytest.approx(134 / 2048)
    assert not got.significant
    assert str(got) == (
        f"A = {A}, B = {B}: 10/12 vs 3/12 passed on 12 paired rows; 9 passed only under A, "
        "2 only under B; McNemar exact: no significant difference at the 5% level (p = 0.0654)."
    )


def test_compare_says_which_is_better_when_significant() -> None:
    expected: list[object] = list(range(12))
    got = _result({A: [str(e) for e in expected], B: ["x"] * 12}, expected).compare(B, A)
    assert got.p_value == pytest.approx(mcnemar_exact(0, 12))
    assert got.significant
    assert "B is better at the 5% level" in str(got)


def test_compare_scores_uses_a_seeded_paired_bootstrap() -> None:
    expected: list[object] = list(range(40))
    a = ["right"] * 30 + ["close"] * 10
    b = ["close"] * 20 + ["wrong"] * 20
    result = _result({A: a, B: b}, expected, grader="python:half")
    got = result.compare(A, B, resamples=4000, seed=2)
    assert got.test == "paired bootstrap"
    assert got.mean_diff == pytest.approx((30 + 5 - 10) / 40)
    assert got.ci_low < got.mean_diff < got.ci_high
    assert got.significant
    assert "A is better" in str(got)
    assert result.compare(A, B, resamples=4000, seed=2) == got


def test_compare_names_the_variants_it_knows() -> None:
    result = _result({A: ["1"], B: ["1"]}, [1])
    with pytest.raises(ValueError, match="No variant 'grok-9' in this eval; its variants are"):
        result.compare("grok-9", A)
    with pytest.raises(ValueError, match=r"not .* with itself"):
        result.disagreements(A, A)


def test_disagreements_are_the_rows_graded_differently_with_both_answers() -> None:
    result = _result({A: ["1", "2", "x", None], B: ["1", "y", "3", "4"]}, [1, 2, 3, 4])
    got = result.disagreements(A, B)
    assert got["row"].tolist() == [1, 2, 3]
    assert got["answer_a"].tolist()[:2] == ["2", "x"]
    assert pd.isna(got["answer_a"].iloc[2])  # the failed request
    assert got["answer_b"].tolist() == ["y", "3", "4"]
    assert got["passed_a"].tolist() == [True, False, False]
    assert got["expected"].tolist() == [2, 3, 4]


def test_repeats_pair_row_and_repeat() -> None:
    rows = rows_table({A: ["1", "2", "1", "x"], B: ["1", "x", "1", "2"]}, [1, 2], repeats=2)
    rows = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": [0, 1]}))
    result = EvalResult(rows, name="r", mode="batch")
    got = result.disagreements(A, B)
    assert list(zip(got["row"], got["repeat"], strict=True)) == [(1, 0), (1, 1)]
    assert result.leaderboard["n"].tolist() == [4, 4]


def test_leaderboard_does_not_depend_on_the_order_of_rows() -> None:
    """Contiguous variants are summed by runs, interleaved ones by codes: the same board."""
    answers, expected = _quiz(2)
    result = _result(answers, expected, cost_usd={A: 0.002, B: 0.0005, C: 0.004})
    shuffled = result.rows.sample(frac=1.0, random_state=4).reset_index(drop=True)
    assert shuffled["variant"].ne(shuffled["variant"].shift()).sum() > 3  # interleaved
    again = EvalResult(shuffled, name="quiz", mode="batch").leaderboard
    pd.testing.assert_frame_equal(again, result.leaderboard, check_exact=False, rtol=1e-12)
    as_objects = result.rows.astype({"variant": object})  # not Arrow-backed: factorised
    again = EvalResult(as_objects, name="quiz", mode="batch").leaderboard
    pd.testing.assert_frame_equal(
        again, result.leaderboard, check_exact=False, rtol=1e-12, check_dtype=False
    )


@pytest.mark.parametrize("contiguous", [True, False], ids=["runs", "interleaved"])
def test_tier_served_names_a_priority_tier_refused_on_some_rows(contiguous: bool) -> None:
    answers, expected = _quiz(2)
    rows = rows_table(answers, expected)
    priority = rows.index[rows["variant"] == C]
    answered = priority[rows.loc[priority, "answer"].notna().to_numpy()]
    named = len(answered)
    rows.loc[answered[:3], "tier_served"] = "default"  # the service served 3 at default
    refused_all = rows_table({C: ["1"] * 4}, [1] * 4)
    refused_all["variant"] = D = "grok-3-mini@priority · steps"
    refused_all["tier_served"] = "default"
    unknown = rows_table({B: ["1"] * 4}, [1] * 4)
    unknown["variant"] = E = "grok-3-mini · old"
    unknown["tier_served"] = None  # stored before the tier was kept
    rows = pd.concat([rows, refused_all, unknown], ignore_index=True)
    if not contiguous:
        rows = rows.sample(frac=1.0, random_state=0).reset_index(drop=True)
    graded = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"q": range(30)}))
    board = EvalResult(graded, name="t", mode="now").leaderboard.set_index("variant")
    assert board.loc[C, "tier_served"] == f"asked priority, served default 3/{named}"
    assert board.loc[D, "tier_served"] == "asked priority, served default"
    assert (board.loc[A, "tier_served"], board.loc[B, "tier_served"]) == ("default", "default")
    assert pd.isna(board.loc[E, "tier_served"])  # unknown, not made up
    assert board.loc[C, "tier"] == "priority"  # the tier asked stays as asked
