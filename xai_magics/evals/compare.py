"""Two variants on the same rows: a paired test of which is better, and where they disagree.

Pairs are the same input row and repeat under both variants, so the question's difficulty
cancels out. Pass/fail grades get McNemar's exact test (only the rows where exactly one
variant passed carry information); graded scores (a judge, a Python grader returning floats)
get a paired bootstrap of the mean score difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from xai_magics.evals.stats import mcnemar_exact, paired_bootstrap

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

__all__ = ["Comparison", "compare", "disagreements", "paired"]

_KEEP = ["row", "repeat", "expected", "answer", "passed", "score", "reason"]
ALPHA = 0.05


def paired(rows: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The rows both variants answered, side by side: ``answer_a``, ``answer_b``, ..."""
    known = list(dict.fromkeys(rows["variant"]))
    for name in (a, b):
        if name not in known:
            listed = ", ".join(repr(v) for v in known)
            raise ValueError(f"No variant {name!r} in this eval; its variants are {listed}.")
    if a == b:
        raise ValueError(f"Compare two different variants, not {a!r} with itself.")
    left = rows.loc[rows["variant"] == a, _KEEP]
    right = rows.loc[rows["variant"] == b, _KEEP].drop(columns="expected")
    both = left.merge(right, on=["row", "repeat"], suffixes=("_a", "_b"))
    return both.sort_values(["row", "repeat"], kind="stable").reset_index(drop=True)


def _pass_fail(both: pd.DataFrame) -> bool:
    scores = both[["score_a", "score_b"]].to_numpy(dtype=float)
    passed = both[["passed_a", "passed_b"]].to_numpy(dtype=float)
    return bool(np.array_equal(scores, passed))


@dataclass(frozen=True)
class Comparison:
    """The outcome of ``EvalResult.compare(a, b)``; ``str()`` says it in one sentence."""

    a: str
    b: str
    n: int
    test: str  # "McNemar exact" | "paired bootstrap"
    passed_a: int
    passed_b: int
    only_a: int
    only_b: int
    mean_diff: float  # mean score of A minus B over the paired rows
    ci_low: float  # bootstrap interval of mean_diff (NaN for McNemar)
    ci_high: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    @property
    def verdict(self) -> str:
        if self.n == 0:
            return "no rows answered by both: nothing to compare"
        if not self.significant:
            return f"no significant difference at the 5% level (p = {self.p_value:.3g})"
        better = "A" if self.mean_diff > 0 else "B"
        return f"{better} is better at the 5% level (p = {self.p_value:.3g})"

    def __str__(self) -> str:
        counts = (
            f"{self.passed_a}/{self.n} vs {self.passed_b}/{self.n} passed on {self.n} paired rows"
        )
        if self.test == "McNemar exact":
            detail = f"{self.only_a} passed only under A, {self.only_b} only under B; McNemar exact"
        else:
            detail = (
                f"mean score difference {self.mean_diff:+.3f} "
                f"[{self.ci_low:+.3f}, {self.ci_high:+.3f}]; paired bootstrap"
            )
        return f"A = {self.a}, B = {self.b}: {counts}; {detail}: {self.verdict}."

    def __repr__(self) -> str:
        return f"<Comparison {self}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def compare(
    rows: pd.DataFrame, a: str, b: str, *, resamples: int = 10_000, seed: int = 0
) -> Comparison:
    """The paired test between variants ``a`` and ``b`` of a graded rows table."""
    both = paired(rows, a, b)
    pa_, pb_ = both["passed_a"].to_numpy(dtype=bool), both["passed_b"].to_numpy(dtype=bool)
    only_a, only_b = int((pa_ & ~pb_).sum()), int((pb_ & ~pa_).sum())
    sa, sb = both["score_a"].to_numpy(dtype=float), both["score_b"].to_numpy(dtype=float)
    if _pass_fail(both):
        test, p_value = "McNemar exact", mcnemar_exact(only_a, only_b)
        diff = float((sa - sb).mean()) if len(both) else math.nan
        low = high = math.nan
    else:
        boot = paired_bootstrap(sa, sb, resamples=resamples, seed=seed)
        test, p_value = "paired bootstrap", boot.p_value
        diff, low, high = boot.mean_diff, boot.ci_low, boot.ci_high
    return Comparison(
        a=a,
        b=b,
        n=len(both),
        test=test,
        passed_a=int(pa_.sum()),
        passed_b=int(pb_.sum()),
        only_a=only_a,
        only_b=only_b,
        mean_diff=diff,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
    )


def disagreements(rows: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The paired rows where A and B were graded differently (pass/fail, or score)."""
    both = paired(rows, a, b)
    differ = (both["passed_a"] != both["passed_b"]) | (both["score_a"] != both["score_b"])
    return both[differ].reset_index(drop=True)
