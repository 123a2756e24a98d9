"""``EvalResult``: the graded rows of an eval, its leaderboard, paired comparisons, its display.

    r = xai_magics.evals.run(df, ...)         # or %grok_eval ... -o r
    r.leaderboard                             # one row per variant, best first
    r.compare("grok-4.3 · concise", "grok-3-mini · concise")
    r.disagreements(a, b)                     # the rows where they were graded differently

The leaderboard is computed from ``rows`` alone (one group-by), so it always agrees with them.
Accuracy is the share of rows that passed, with its 95% Wilson interval; cost counts the
answers and their grading (a judge's calls), and cost per correct answer divides it by the
rows that passed. ``tier_served`` says whether the tier asked is the tier the answers say
served them: the tier itself when every answer that named one agrees, "asked priority, served
default 3/30" when some did not (as ``%%grok`` receipts say it), NA when none named one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.evals.compare import Comparison, compare, disagreements
from xai_magics.evals.stats import wilson_intervals

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

Array = np.ndarray[Any, Any]

__all__ = ["LEADERBOARD_COLUMNS", "EvalResult", "leaderboard"]

_DISPLAY_DRAWS = 20_000_000
LEADERBOARD_COLUMNS = [
    "variant", "model", "tier", "tier_served", "prompt", "n", "accuracy", "ci_low", "ci_high",
    "cost_usd", "cost_per_correct_usd", "tokens", "latency_p50_s", "latency_p95_s",
]  # fmt: skip


def _runs(variant: pd.Series) -> tuple[Array, list[str]] | None:
    """``(first rows, names)`` when each variant's rows are one run (compared in Arrow, no
    hashing), else None."""
    if getattr(variant.dtype, "storage", None) != "pyarrow" or not len(variant):
        return None
    values = pa.array(variant)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if values.null_count:
        return None
    changed = pc.not_equal(values[1:], values[:-1]).to_numpy(zero_copy_only=False)
    firsts = np.concatenate([[0], np.flatnonzero(changed) + 1]).astype(np.int64)
    names = [str(v) for v in values.take(pa.array(firsts)).to_pylist()]
    return (firsts, names) if len(set(names)) == len(names) else None


class _Groups:
    """Rows grouped by variant: sums per group, by runs when each variant is contiguous (as
    the runner builds the table: a million rows sum in about a millisecond), else by codes.

    Groups are numbered in order of first appearance; ``firsts`` is each one's first row.
    """

    def __init__(self, variant: pd.Series) -> None:
        import pandas as pd

        runs = _runs(variant)
        self._codes: Array | None = None
        if runs is not None:
            self.firsts, self.names = runs
            self.runs, self.k = True, len(self.names)
            self.sizes = np.diff(np.append(self.firsts, len(variant)))
            return
        codes, names = pd.factorize(variant)
        self._codes, self.names, self.k, self.runs = codes, list(names), len(names), False
        self.sizes = np.bincount(codes, minlength=self.k)
        steps = np.flatnonzero(np.diff(np.maximum.accumulate(codes)) > 0) + 1
        self.firsts = np.concatenate([[0], steps])[: self.k].astype(np.int64)

    @property
    def codes(self) -> Array:
        """Each row's group (made only when asked, from the runs: latencies need it)."""
        if self._codes is None:
            self._codes = np.repeat(np.arange(self.k), self.sizes)
        return self._codes

    def members(self, values: pa.Array, group: int) -> pa.Array:
        """One group's values of an Arrow column: a slice of runs, else a filter."""
        if self.runs:
            return values.slice(int(self.firsts[group]), int(self.sizes[group]))
        return values.filter(pa.array(self.codes == group))

    def sums(self, values: Any) -> Array:
        """Per-group sums of a column (missing values count as 0, as in pandas)."""
        if not self.k:
            return np.zeros(0)
        array = np.asarray(values)
        if array.dtype.kind in "biu" and self.runs:  # nothing missing: summed as they are
            return np.add.reduceat(array, self.firsts, dtype=np.float64)
        weights = np.asarray(values, dtype=float)
        missing = np.isnan(weights)
        if missing.any():
            weights = np.where(missing, 0.0, weights)
        if self.runs:
            return np.add.reduceat(weights, self.firsts)
        return np.bincount(self.codes, weights=weights, minlength=self.k)


def leaderboard(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: accuracy with its interval, cost, tokens, latency; best first."""
    import pandas as pd

    # Runs (or one factorisation), then numpy sums: a million rows aggregate in about half
    # the time of a plain pandas group-by.
    groups = _Groups(rows["variant"])
    k, firsts = groups.k, groups.firsts
    n = groups.sizes.astype(float)
    correct = groups.sums(rows["passed"])
    cost = groups.sums(rows["cost_usd"]) + groups.sums(rows["grader_cost_usd"])
    board = pd.DataFrame(
        {
            "variant": groups.names,
            "model": rows["model"].iloc[firsts].to_numpy(),
            "tier": rows["tier"].iloc[firsts].to_numpy(),
            "prompt": rows["prompt"].iloc[firsts].to_numpy(),
            "n": n.astype("int64"),
            "accuracy": np.divide(correct, n, out=np.full(k, math.nan), where=n > 0),
            "cost_usd": cost,
            "cost_per_correct_usd": np.divide(
                cost, correct, out=np.full(k, math.nan), where=correct > 0
            ),
            "tokens": np.rint(groups.sums(rows["tokens"])).astype("int64"),
        }
    )
    board["tier_served"] = _tiers_served(rows, groups)
    board["ci_low"], board["ci_high"] = wilson_intervals(correct, n)
    latency = rows["latency_s"]
    board["latency_p50_s"] = board["latency_p95_s"] = math.nan
    if latency.notna().any():  # --now; a batch has no per-request latency
        quantiles = latency.groupby(groups.codes).quantile([0.5, 0.95]).unstack()
        board.loc[quantiles.index, "latency_p50_s"] = quantiles[0.5].to_numpy()
        board.loc[quantiles.index, "latency_p95_s"] = quantiles[0.95].to_numpy()
    order = np.lexsort((board["variant"].to_numpy(), cost, -board["accuracy"].to_numpy()))
    return pd.DataFrame(board.iloc[order][LEADERBOARD_COLUMNS]).reset_index(drop=True)


def _tiers_served(rows: pd.DataFrame, groups: _Groups) -> list[str | None]:
    """Per variant: the tier asked when every answer that named its tier names it, else what
    served how many ("asked priority, served default 3/30"); None when no answer named one.

    In Arrow, a variant's rows at a time: nulls are counted for free and one comparison with
    the tier asked settles the usual case (a million rows in about 5 ms).
    """
    if "tier_served" not in rows:  # a table made before the column was kept
        return [None] * groups.k
    served = pa.array(rows["tier_served"], from_pandas=True)
    asked = rows["tier"]
    labels: list[str | None] = []
    for group in range(groups.k):
        tier = str(asked.iloc[groups.firsts[group]])
        part = groups.members(served, group)
        named = len(part) - part.null_count
        if not named:
            labels.append(None)
            continue
        same = pc.sum(pc.equal(part, pa.scalar(tier, part.type))).as_py() or 0
        if same == named:
            labels.append(tier)
            continue
        counts = pc.value_counts(part.drop_null()).to_pylist()
        others = [
            f"{c['values']} {c['counts']}/{named}" if c["counts"] < named else str(c["values"])
            for c in counts
            if c["values"] != tier
        ]
        labels.append(f"asked {tier}, served {', '.join(others)}")
    return labels


class EvalResult:
    """Every row x variant x repeat, graded; what ``%grok_eval -o VAR`` holds."""

    def __init__(self, rows: pd.DataFrame, *, name: str, mode: str) -> None:
        self._rows = rows
        self.name = name
        self.mode = mode
        self._leaderboard: pd.DataFrame | None = None
        self._top: tuple[Comparison, pd.DataFrame] | None = None

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

    def top_comparison(self) -> tuple[Comparison, pd.DataFrame] | None:
        """The top two compared, and where they disagree: what the cell shows (kept once made).

        The bootstrap is cut to about 20 million draws in all (at least 1,000 resamples), so a
        large eval graded by scores still shows at once; ``compare`` itself takes 10,000.
        """
        pair = self.top_two()
        if pair is None:
            return None
        if self._top is None:
            n = int((self._rows["variant"] == pair[0]).sum())
            resamples = max(1_000, min(10_000, _DISPLAY_DRAWS // max(n, 1)))
            self._top = (self.compare(*pair, resamples=resamples), self.disagreements(*pair))
        return self._top

    def __repr__(self) -> str:
        from xai_magics.evals.display import eval_text

        return eval_text(self)

    def _repr_html_(self) -> str:
        from xai_magics.evals.display import eval_html

        return eval_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from xai_magics.evals.display import eval_html, eval_text

        return {"text/html": eval_html(self), "text/plain": eval_text(self)}
