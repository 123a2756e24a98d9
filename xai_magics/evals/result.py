"""``EvalResult``: the graded rows of an eval, its leaderboard, paired comparisons, its display.

    r = xai_magics.evals.run(df, ...)         # or %grok_eval ... -o r
    r.leaderboard                             # one row per variant, best first
    r.compare("grok-4.3 · concise", "grok-3-mini · concise")
    r.disagreements(a, b)                     # the rows where they were graded differently

The leaderboard is computed from ``rows`` alone (one group-by), so it always agrees with them.
Accuracy is the share of rows that passed, with its 95% Wilson interval; cost counts the
answers and their grading (a judge's calls), and cost per correct answer divides it by the
rows that passed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from xai_magics.evals.compare import Comparison, compare, disagreements
from xai_magics.evals.stats import wilson_intervals

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

__all__ = ["LEADERBOARD_COLUMNS", "EvalResult", "leaderboard"]

LEADERBOARD_COLUMNS = [
    "variant", "model", "tier", "prompt", "n", "accuracy", "ci_low", "ci_high", "cost_usd",
    "cost_per_correct_usd", "tokens", "latency_p50_s", "latency_p95_s",
]  # fmt: skip


def leaderboard(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: accuracy with its interval, cost, tokens, latency; best first."""
    import pandas as pd

    groups = rows.groupby("variant", sort=False, observed=True)
    board = groups.agg(
        model=("model", "first"),
        tier=("tier", "first"),
        prompt=("prompt", "first"),
        n=("passed", "size"),
        correct=("passed", "sum"),
        answer_cost=("cost_usd", "sum"),
        grading_cost=("grader_cost_usd", "sum"),
        tokens=("tokens", "sum"),
    )
    correct, n = board["correct"].to_numpy(dtype=float), board["n"].to_numpy(dtype=float)
    board["accuracy"] = np.divide(correct, n, out=np.full(len(n), math.nan), where=n > 0)
    board["ci_low"], board["ci_high"] = wilson_intervals(correct, n)
    board["cost_usd"] = board["answer_cost"] + board["grading_cost"]
    cost = board["cost_usd"].to_numpy(dtype=float)
    board["cost_per_correct_usd"] = np.divide(
        cost, correct, out=np.full(len(n), math.nan), where=correct > 0
    )
    if rows["latency_s"].notna().any():  # --now; a batch has no per-request latency
        quantiles = groups["latency_s"].quantile([0.5, 0.95]).unstack()
        board["latency_p50_s"], board["latency_p95_s"] = quantiles[0.5], quantiles[0.95]
    else:
        board["latency_p50_s"] = board["latency_p95_s"] = math.nan
    board = board.reset_index()
    board["tokens"] = board["tokens"].astype("int64")
    order = np.lexsort((board["variant"].to_numpy(), cost, -board["accuracy"].to_numpy()))
    return pd.DataFrame(board.iloc[order][LEADERBOARD_COLUMNS]).reset_index(drop=True)


class EvalResult:
    """Every row x variant x repeat, graded; what ``%grok_eval -o VAR`` holds."""

    def __init__(self, rows: pd.DataFrame, *, name: str, mode: str) -> None:
        self._rows = rows
        self.name = name
        self.mode = mode
        self._leaderboard: pd.DataFrame | None = None

    @property
    def rows(self) -> pd.DataFrame:
        """Every answer with its grade (``score``, ``passed``, ``reason``), tokens and cost."""
        return self._rows

    @property
    def leaderboard(self) -> pd.DataFrame:
        """One row per variant, best first (accuracy, then the cheaper)."""
        if self._leaderboard is None:
            self._leaderboard = leaderboard(self._rows)
        return self._leaderboard.copy()

    @property
    def variants(self) -> list[str]:
        """The variants, best first."""
        return list(self.leaderboard["variant"])

    def compare(self, a: str, b: str, *, resamples: int = 10_000, seed: int = 0) -> Comparison:
        """Paired test between two variants on the rows both answered."""
        return compare(self._rows, a, b, resamples=resamples, seed=seed)

    def disagreements(self, a: str, b: str) -> pd.DataFrame:
        """The rows where ``a`` and ``b`` were graded differently, answers side by side."""
        return disagreements(self._rows, a, b)

    def top_two(self) -> tuple[str, str] | None:
        """The two best variants, or None with fewer than two."""
        best = self.variants
        return (best[0], best[1]) if len(best) >= 2 else None

    def __repr__(self) -> str:
        from xai_magics.evals.display import eval_text

        return eval_text(self)

    def _repr_html_(self) -> str:
        from xai_magics.evals.display import eval_html

        return eval_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from xai_magics.evals.display import eval_html, eval_text

        return {"text/html": eval_html(self), "text/plain": eval_text(self)}
