"""The statistics against published values and against independent computations."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest

from xai_magics.evals.stats import (
    binomial_cdf,
    mcnemar_exact,
    paired_bootstrap,
    wilson_interval,
    wilson_intervals,
)


# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17:857-872, Table I, method 3 (score interval without continuity correction).
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
    ids=["81of263", "15of148", "0of20", "1of29"],
)
def test_wilson_matches_newcombe_table(successes: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=6e-5)


def _score_test_bounds(k: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson interval by its definition: the p the score test does not reject, by bisection."""
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    phat = k / n

    def accepted(p: float) -> bool:
        return abs(phat - p) <= z * math.sqrt(p * (1 - p) / n)

    def edge(inside: float, outside: float) -> float:
        for _ in range(200):
            mid = (inside + outside) / 2
            inside, outside = (mid, outside) if accepted(mid) else (inside, mid)
        return inside

    inside = min(max(phat, 1e-12), 1 - 1e-12)
    low = 0.0 if k == 0 else edge(inside, 0.0)
    high = 1.0 if k == n else edge(inside, 1.0)
    return low, high


@pytest.mark.parametrize(
    ("k", "n", "confidence"),
    [(0, 1, 0.95), (1, 1, 0.95), (7, 30, 0.95), (29, 30, 0.9), (500, 1000, 0.99), (3, 7, 0.8)],
)
def test_wilson_is_the_score_test_inversion(k: int, n: int, confidence: float) -> None:
    assert wilson_interval(k, n, confidence) == pytest.approx(
        _score_test_bounds(k, n, confidence), abs=1e-9
    )


def test_wilson_vectorised_agrees_with_scalar_and_empty_group_knows_nothing() -> None:
    low, high = wilson_intervals([0, 3, 10, 0], [10, 10, 10, 0])
    for i, (k, n) in enumerate([(0, 10), (3, 10), (10, 10)]):
        assert (low[i], high[i]) == pytest.approx(wilson_interval(k, n))
    assert (low[3], high[3]) == (0.0, 1.0)


def test_wilson_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(5, 3)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 3, confidence=1.5)


def _exact_two_sided(only_a: int, only_b: int) -> float:
    """The same test in exact rational arithmetic, term by term."""
    n, k = only_a + only_b, min(only_a, only_b)
    tail = sum(Fraction(math.comb(n, i), 2**n) for i in range(k + 1))
    return float(min(Fraction(1), 2 * tail))


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [
        # hand-computed: 2 * (1 + 12 + 66) / 4096, and 2 * (1 + 10) / 1024
        (2, 10, 158 / 4096),
        (1, 9, 22 / 1024),
        (0, 5, 2 / 32),
        (5, 5, 1.0),
        (0, 0, 1.0),
    ],
)
def test_mcnemar_exact_known_values(only_a: int, only_b: int, p: float) -> None:
    assert mcnemar_exact(only_a, only_b) == pytest.approx(p, rel=1e-12)
    assert mcnemar_exact(only_b, only_a) == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize(("only_a", "only_b"), [(3, 17), (40, 61), (120, 80), (333, 400)])
def test_mcnemar_exact_agrees_with_rational_arithmetic(only_a: int, only_b: int) -> None:
    assert mcnemar_exact(only_a, only_b) == pytest.approx(
        _exact_two_sided(only_a, only_b), rel=1e-9
    )


def test_binomial_cdf_survives_large_n_without_overflow() -> None:
    # P(X <= n/2) for a fair coin with n even is 1/2 + P(X = n/2) / 2.
    n = 20_000
    middle = math.exp(math.lgamma(n + 1) - 2 * math.lgamma(n // 2 + 1) - n * math.log(2))
    assert binomial_cdf(n // 2, n) == pytest.approx(0.5 + middle / 2, rel=1e-9)
    assert binomial_cdf(-1, 10) == 0.0
    assert binomial_cdf(10, 10) == 1.0


def test_bootstrap_is_reproducible_with_a_seed_and_varies_without() -> None:
    rng = np.random.default_rng(7)
    a = rng.random(200)
    b = a - 0.05 + rng.normal(0, 0.1, 200)
    first = paired_bootstrap(a, b, resamples=2000, seed=3)
    assert paired_bootstrap(a, b, resamples=2000, seed=3) == first
    assert paired_bootstrap(a, b, resamples=2000, seed=4) != first


def test_bootstrap_interval_agrees_with_the_normal_approximation() -> None:
    """For a mean of 400 differences the percentile interval is close to mean ± z·sd/√n."""
    rng = np.random.default_rng(11)
    diffs = rng.normal(0.1, 0.3, 400)
    got = paired_bootstrap(diffs, np.zeros(400), resamples=20_000, seed=1)
    se = diffs.std(ddof=1) / math.sqrt(400)
    assert got.mean_diff == pytest.approx(diffs.mean(), abs=1e-12)
    assert got.ci_low == pytest.approx(diffs.mean() - 1.96 * se, abs=0.15 * se)
    assert got.ci_high == pytest.approx(diffs.mean() + 1.96 * se, abs=0.15 * se)
    # the mean is about 6.7 standard errors above 0: no resample lands at or below 0
    assert got.p_value < 0.001


def test_bootstrap_of_identical_samples_finds_no_difference() -> None:
    scores = [0.0, 0.5, 1.0, 1.0, 0.25]
    got = paired_bootstrap(scores, scores, resamples=500)
    assert (got.mean_diff, got.ci_low, got.ci_high, got.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_bootstrap_refuses_unpaired_samples() -> None:
    with pytest.raises(ValueError, match="same length"):
        paired_bootstrap([1.0, 0.0], [1.0])
