"""The statistics behind an eval's claims: intervals on accuracy, paired tests between variants.

scipy is not a dependency, so each test is written out here: the Wilson score interval (sound
at small n and near 0 or 1, where the normal interval is not), McNemar's exact test (a two-sided
binomial test on the discordant pairs, computed in log space so thousands of pairs do not
overflow) and a percentile paired bootstrap for graders that give scores rather than pass/fail.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = [
    "BootstrapResult",
    "binomial_cdf",
    "mcnemar_exact",
    "paired_bootstrap",
    "wilson_interval",
    "wilson_intervals",
]

# Resampled indices held at once by the bootstrap (the rest is done in chunks): about 80 MB.
_CHUNK_CELLS = 10_000_000


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), not {confidence!r}.")
    return NormalDist().inv_cdf((1.0 + confidence) / 2.0)


def wilson_intervals(
    successes: Any, n: Any, confidence: float = 0.95
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Wilson score intervals for arrays of counts; ``n == 0`` gives ``(0, 1)``: nothing known."""
    z = _z(confidence)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / m
        denominator = 1.0 + z * z / m
        centre = (p + z * z / (2.0 * m)) / denominator
        half = z / denominator * np.sqrt(p * (1.0 - p) / m + z * z / (4.0 * m * m))
        low = np.where(m > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
        high = np.where(m > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    # At k == 0 (k == n) the exact bound is 0 (1); floating point can leave it a hair off.
    low = np.where(k <= 0, 0.0, low)
    high = np.where(k >= m, 1.0, high)
    return low, high


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n``."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n, got {successes} of {n}.")
    low, high = wilson_intervals([successes], [n], confidence)
    return float(low[0]), float(high[0])


def binomial_cdf(k: int, n: int, p: float = 0.5) -> float:
    """``P(X <= k)`` for ``X ~ Binomial(n, p)``, summed in log space (no overflow at large n)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    i = np.arange(k + 1, dtype=float)
    log_pmf = (
        math.lgamma(n + 1)
        - np.array([math.lgamma(j + 1) for j in range(k + 1)])
        - np.array([math.lgamma(n - j + 1) for j in range(k + 1)])
        + i * math.log(p)
        + (n - i) * math.log1p(-p)
    )
    top = float(log_pmf.max())
    return min(1.0, math.exp(top) * float(np.exp(log_pmf - top).sum()))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs.

    ``only_a`` rows passed under A alone, ``only_b`` under B alone. Under "A and B are equally
    good" each discordant pair is a fair coin, so the p-value is the two-sided binomial test of
    ``min(only_a, only_b)`` in ``only_a + only_b`` trials at 1/2 (as statsmodels'
    ``mcnemar(exact=True)``). No discordant pairs: 1.
    """
    if only_a < 0 or only_b < 0:
        raise ValueError("discordant counts cannot be negative.")
    n = only_a + only_b
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * binomial_cdf(min(only_a, only_b), n))


@dataclass(frozen=True)
class BootstrapResult:
    """Mean of ``a - b`` over paired rows, its percentile interval and a two-sided p-value."""

    mean_diff: float
    ci_low: float
    ci_high: float
    p_value: float


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    *,
    resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> BootstrapResult:
    """Resample the paired differences; the same seed gives the same result.

    The p-value is twice the share of resampled means on the far side of zero (at most 1): how
    often the data, redrawn, would not even agree on which variant is ahead.
    """
    _z(confidence)  # validates it
    diffs = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if diffs.ndim != 1 or len(a) != len(b):
        raise ValueError(f"paired samples must have the same length, got {len(a)} and {len(b)}.")
    n = len(diffs)
    if n == 0:
        return BootstrapResult(math.nan, math.nan, math.nan, 1.0)
    if resamples < 1:
        raise ValueError("resamples must be at least 1.")
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    step = max(1, _CHUNK_CELLS // n)
    for start in range(0, resamples, step):
        count = min(step, resamples - start)
        picks = rng.integers(0, n, size=(count, n))
        means[start : start + count] = diffs[picks].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    below, above = float(np.mean(means <= 0.0)), float(np.mean(means >= 0.0))
    return BootstrapResult(
        mean_diff=float(diffs.mean()),
        ci_low=float(low),
        ci_high=float(high),
        p_value=min(1.0, 2.0 * min(below, above)),
    )
