"""A stand-in for the grading side of ``xai_magics.evals`` (graders, result), tests only.

The graders, statistics and ``EvalResult`` are built on another branch at the same time
(``notes/evals-interface.md``). Until they are merged, ``install()`` puts these minimal versions
with the agreed signatures in their place, so the runner and the magic can be tested end to end.
Once the real modules exist ``install()`` does nothing, and the same tests run against them: the
switch needs no edit (to force the real ones, make ``install`` return at once).

Tests that depend on grading are marked with ``GRADING`` in their docstring.
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
#: the code a kernel runs first to use the stand-ins (a no-op once the real modules exist)
KERNEL_SETUP = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
    "from tests.evals.standin import install; install()\n"
)
GRADERS = "xai_magics.evals.graders"
RESULT = "xai_magics.evals.result"


def install() -> bool:
    """Put the stand-ins in ``sys.modules`` when the real modules are absent; say whether."""
    if GRADERS in sys.modules and RESULT in sys.modules:
        return sys.modules[GRADERS].__spec__ is None  # installed already (or the real ones)
    if importlib.util.find_spec(GRADERS) is not None and importlib.util.find_spec(RESULT):
        return False
    graders = types.ModuleType(GRADERS)
    graders.parse_grader = parse_grader  # type: ignore[attr-defined]
    graders.grade_rows = grade_rows  # type: ignore[attr-defined]
    result = types.ModuleType(RESULT)
    result.EvalResult = EvalResult  # type: ignore[attr-defined]
    sys.modules[GRADERS] = graders
    sys.modules[RESULT] = result
    return True


Grader = Callable[[Any, Any, Any], float]


def _norm(text: Any) -> str:
    return " ".join(str(text).split()).strip().lower().rstrip(".")


def _number(text: Any) -> float | None:
    found = re.findall(r"-?\d+(?:\.\d+)?", str(text))
    return float(found[-1]) if found else None


def parse_grader(spec: str, namespace: Mapping[str, Any], *, judge: Any = None) -> Grader:
    kind, _, arg = spec.partition(":")
    if kind == "exact":
        return lambda a, e, r: float(_norm(a) == _norm(e))
    if kind == "contains":
        return lambda a, e, r: float(_norm(e) in _norm(a))
    if kind == "number":
        tol = float(arg or 0)

        def number(a: Any, e: Any, r: Any) -> float:
            got = _number(a)
            return float(got is not None and abs(got - float(e)) <= tol)

        return number
    if kind == "python" and callable(namespace.get(arg)):
        func = namespace[arg]
        return lambda a, e, r: float(func(a, e, r))
    raise ValueError(f"--grader {spec!r}: not a grader this stand-in knows")


def grade_rows(rows: pd.DataFrame, grader: Grader, data: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    scores, reasons = [], []
    for answer, expected, row in zip(out["answer"], out["expected"], out["row"], strict=True):
        if answer is None:
            scores.append(0.0)
            reasons.append("no answer")
            continue
        try:
            scores.append(grader(answer, expected, data.iloc[row]))
            reasons.append("graded")
        except Exception as exc:
            scores.append(0.0)
            reasons.append(f"grader raised {type(exc).__name__}")
    out["score"] = scores
    out["passed"] = out["score"] >= 1.0
    out["reason"] = reasons
    out["grader_cost_usd"] = 0.0
    return out


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


class EvalResult:
    def __init__(self, rows: pd.DataFrame, *, name: str, mode: str) -> None:
        self.rows = rows
        self.name = name
        self.mode = mode

    @property
    def leaderboard(self) -> pd.DataFrame:
        records = []
        for variant, group in self.rows.groupby("variant", sort=False):
            n = len(group)
            k = int(group["passed"].sum())
            low, high = _wilson(k, n)
            cost = float(group["cost_usd"].sum() + group["grader_cost_usd"].sum())
            latency = group["latency_s"].dropna()
            records.append(
                {
                    "variant": variant,
                    "model": group["model"].iloc[0],
                    "tier": group["tier"].iloc[0],
                    "prompt": group["prompt"].iloc[0],
                    "n": n,
                    "accuracy": k / n,
                    "ci_low": low,
                    "ci_high": high,
                    "cost_usd": cost,
                    "cost_per_correct_usd": cost / k if k else math.inf,
                    "tokens": int(group["tokens"].sum()),
                    "latency_p50_s": latency.quantile(0.5) if len(latency) else math.nan,
                    "latency_p95_s": latency.quantile(0.95) if len(latency) else math.nan,
                }
            )
        board = pd.DataFrame(records)
        return board.sort_values("accuracy", ascending=False, kind="stable").reset_index(drop=True)

    def __repr__(self) -> str:
        return f"EvalResult {self.name!r} ({self.mode})\n" + self.leaderboard.to_string()

    def _paired(self, a: str, b: str) -> pd.DataFrame:
        keys = ["row", "repeat"]
        left = self.rows[self.rows["variant"] == a].set_index(keys)
        right = self.rows[self.rows["variant"] == b].set_index(keys)
        return left.join(right, lsuffix="_a", rsuffix="_b", how="inner")

    def compare(self, a: str, b: str) -> str:
        paired = self._paired(a, b)
        only_a = int((paired["passed_a"] & ~paired["passed_b"]).sum())
        only_b = int((~paired["passed_a"] & paired["passed_b"]).sum())
        n = only_a + only_b
        tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1)) / 2**n if n else 1.0
        return f"{a} vs {b}: only a {only_a}, only b {only_b}, McNemar p={min(1.0, 2 * tail):.3g}"

    def disagreements(self, a: str, b: str) -> pd.DataFrame:
        paired = self._paired(a, b)
        return paired[paired["passed_a"] != paired["passed_b"]].reset_index()
