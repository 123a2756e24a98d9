"""Grading and aggregating an eval of 1,000,000 answers (``%grok_eval``'s local work).

The rows table is what the runner hands over: 10,000 quiz questions x 4 variants x 25
repeats, answers as a model gives them ("The answer is 42.", "**42**", "42", a wrong number,
some failed requests). Timed, from the rows table to the leaderboard:
``grade_rows`` with the ``exact`` grader, then ``EvalResult(...).leaderboard``.

Baseline, in the same run, over the same grades computed beforehand: a plain pandas group-by
giving the same numbers (n, correct, cost with grading, tokens, accuracy), and the same with
Arrow's ``Table.group_by``. Goal: within 2x of the pandas group-by. Also printed: the
leaderboard's share alone, the obvious pandas version of grading plus the group-by (for
context), and grading when every answer is distinct. Times are CPU seconds, medians.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

N_QUESTIONS = 10_000
VARIANTS = [
    "grok-4.3 · concise",
    "grok-4.3 · steps",
    "grok-3-mini · concise",
    "grok-3-mini · steps",
]
REPEATS = 25
ROUNDS = 5


def quiz_rows(questions: int, variants: list[str], repeats: int, *, seed: int = 0) -> Any:
    """A rows table as the runner builds it, one row per question x variant x repeat."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = questions * len(variants) * repeats
    expected = np.tile(np.arange(questions) * 7 + 3, len(variants) * repeats)
    variant = np.repeat(np.arange(len(variants)), questions * repeats)
    skill = np.array([0.9, 0.8, 0.6, 0.5])[variant % 4]
    right = rng.random(n) < skill
    given = np.where(right, expected, expected + rng.integers(1, 9, n))
    style = rng.integers(0, 4, n)
    pieces = np.array(["The answer is {}.", "**{}**", "{}", " {} "], dtype=object)
    answers = pd.Series(given.astype(str), dtype=object)
    answers = pd.Series(
        [pieces[s].format(a) for s, a in zip(style.tolist(), answers.tolist(), strict=True)],
        dtype="str",
    )
    failed = rng.random(n) < 0.002
    answers[failed] = None
    names = np.array(variants, dtype=object)[variant]
    specs = [v.partition(" · ") for v in variants]
    return pd.DataFrame(
        {
            "variant": pd.Series(names, dtype="str"),
            "model": pd.Series([specs[i][0] for i in range(len(variants))], dtype="str")[
                variant
            ].to_numpy(),
            "tier": "default",
            "tier_served": pd.Series(np.where(failed, None, "default"), dtype="str"),
            "prompt": pd.Series([specs[i][2] for i in range(len(variants))], dtype="str")[
                variant
            ].to_numpy(),
            "row": np.tile(np.arange(questions), len(variants) * repeats),
            "repeat": np.tile(np.repeat(np.arange(repeats), questions), len(variants)),
            "answer": answers,
            "expected": pd.Series(expected, dtype=object),
            "error": pd.Series(np.where(failed, "HTTP 503", None), dtype=object),
            "input_tokens": 40,
            "output_tokens": rng.integers(2, 30, n),
            "reasoning_tokens": 0,
            "tokens": 40 + rng.integers(2, 30, n),
            "cost_usd": rng.random(n) * 1e-4,
            "latency_s": np.nan,
        }
    )


def pandas_baseline(graded: Any) -> Any:
    """The same numbers as the leaderboard, by a plain pandas group-by over given grades."""
    board = graded.groupby("variant").agg(
        model=("model", "first"),
        tier=("tier", "first"),
        prompt=("prompt", "first"),
        n=("passed", "size"),
        correct=("passed", "sum"),
        cost=("cost_usd", "sum"),
        grading=("grader_cost_usd", "sum"),
        tokens=("tokens", "sum"),
    )
    board["accuracy"] = board["correct"] / board["n"]
    board["cost_usd"] = board["cost"] + board["grading"]
    return board


def pandas_grading(rows: Any) -> Any:
    """For context: the obvious pandas version of the grading too (case and outer spaces and
    punctuation only, no whitespace collapsing), then the same group-by."""
    chars = " \t\n*_\"'`.!?;:,"
    answers = rows["answer"].str.lower().str.strip(chars)
    expected = rows["expected"].astype(str).str.lower().str.strip(chars)
    return pandas_baseline(rows.assign(passed=answers == expected, grader_cost_usd=0.0))


def arrow_baseline(table: Any) -> Any:
    """The same sums with Arrow's group-by."""
    return table.group_by("variant").aggregate(
        [
            ("passed", "count"),
            ("passed", "sum"),
            ("cost_usd", "sum"),
            ("grader_cost_usd", "sum"),
            ("tokens", "sum"),
        ]
    )


def _timed(fn: Any) -> tuple[float, float, Any]:
    """``(wall s, CPU s, result)``: CPU time is what the figures use, as other processes on a
    shared machine inflate the wall time of whichever side they happen to overlap."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    import pandas as pd
    import pyarrow as pa

    from xai_magics.evals.graders import grade_rows, parse_grader
    from xai_magics.evals.result import EvalResult, leaderboard

    rows = quiz_rows(N_QUESTIONS, VARIANTS, REPEATS)
    n = len(rows)
    data = pd.DataFrame({"question": [f"q{i}" for i in range(N_QUESTIONS)]})
    exact = parse_grader("exact", {})
    graded = grade_rows(rows, exact, data)  # the precomputed grades of the baselines
    table = pa.Table.from_pandas(
        graded[["variant", "passed", "cost_usd", "grader_cost_usd", "tokens"]],
        preserve_index=False,
    )

    def ours() -> Any:
        return EvalResult(grade_rows(rows, exact, data), name="bench", mode="batch").leaderboard

    times: dict[str, list[float]] = {
        "ours": [], "board": [], "pandas": [], "arrow": [], "plain": []
    }  # fmt: skip
    walls: list[float] = []
    for _ in range(ROUNDS):
        wall, cpu, board = _timed(ours)
        walls.append(wall)
        times["ours"].append(cpu)
        times["board"].append(_timed(lambda: leaderboard(graded))[1])
        _, cpu, baseline = _timed(lambda: pandas_baseline(graded))
        times["pandas"].append(cpu)
        times["arrow"].append(_timed(lambda: arrow_baseline(table))[1])
        times["plain"].append(_timed(lambda: pandas_grading(rows))[1])
    med = {k: statistics.median(v) for k, v in times.items()}
    same = (
        board.set_index("variant")["accuracy"]
        .sort_index()
        .equals(baseline["accuracy"].sort_index())
    )
    distinct = rows.assign(
        answer=pd.Series([f"{a} (row {i})" for i, a in enumerate(rows["answer"])], dtype="str")
    )
    _, distinct_s, _ = _timed(lambda: grade_rows(distinct, exact, data))

    def rate(seconds: float) -> str:
        return f"{n / seconds:>12,.0f} rows/s ({seconds * 1e3:5.0f} ms CPU)"

    print(
        f"{n:,} answers: {N_QUESTIONS:,} questions x {len(VARIANTS)} variants x {REPEATS} repeats"
    )
    print(f"grade (exact) + leaderboard            {rate(med['ours'])}, median of {ROUNDS}")
    print(f"  of which the leaderboard             {rate(med['board'])}")
    print(f"baseline: pandas group-by on grades    {rate(med['pandas'])}")
    print(f"baseline: Arrow group-by on grades     {rate(med['arrow'])}")
    print(f"context: pandas str grading + group-by {rate(med['plain'])}")
    print(
        f"ratio to the pandas group-by: {med['ours'] / med['pandas']:.2f}x for grading and "
        f"aggregating (goal <= 2x), {med['board'] / med['pandas']:.2f}x for aggregating alone; "
        f"wall time {statistics.median(walls) * 1e3:.0f} ms; "
        f"accuracies equal to the baseline's: {same}"
    )
    print(f"grading alone, every answer distinct   {rate(distinct_s)}")
