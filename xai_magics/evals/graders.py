"""Graders: turn each answer into a score (0..1), a pass/fail and the reason, from a spec string.

    exact · contains · number[:TOL] · regex:PATTERN · json:FIELD · judge[:MODEL] · python:FUNC

Text graders compare normalised text (``normal_text``: case, whitespace, wrapping quotes and
closing punctuation aside), in Arrow: a million answers grade in a fraction of a second
(``exact``, ``contains`` and ``number`` never loop over rows in Python; ``contains`` checks
each distinct pair once). A failed request grades 0 with its error as the reason; a Python
grader that raises grades that row 0 with the exception named, and the other rows carry on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.evals.normal_text import encode, exact_matches, normalised_codes

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

    from xai_magics.evals.judge import JudgeSettings

__all__ = ["Graded", "Grader", "grade_rows", "parse_grader"]

Array = np.ndarray[Any, Any]

_SPECS = "exact, contains, number[:TOL], regex:PATTERN, json:FIELD, judge[:MODEL] or python:FUNC"
# The last number of an answer ("The answer is 1,234.5." -> "1,234.5"), in RE2 for Arrow.
_LAST_NUMBER = r"^(?s:.*?)(?P<n>[-+]?(?:\d[\d,]*)?\.?\d+(?:[eE][-+]?\d+)?)\D*$"


@dataclass
class Graded:
    """What a grader says about the answered rows it was given, in their order."""

    score: Array
    passed: Array
    #: one reason per row: a sequence, or codes into ``categories`` (cheap at a million rows)
    reason: Any
    categories: list[str] | None = None
    cost_usd: Array | None = None


class Grader(Protocol):
    """Grades answered rows; ``answers`` and ``expected`` are aligned with ``rows``."""

    spec: str

    def grade(
        self, answers: pd.Series, expected: pd.Series, rows: pd.DataFrame, data: pd.DataFrame
    ) -> Graded: ...


def parse_grader(
    spec: str, namespace: Mapping[str, Any], *, judge: JudgeSettings | None = None
) -> Grader:
    """The grader a ``--grader`` spec names; ``ValueError`` saying what to write instead."""
    kind, colon, arg = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind in ("exact", "contains") and not colon:
        return TextGrader(spec, kind)
    if kind == "number":
        return NumberGrader(spec, _tolerance(arg) if colon else None)
    if kind == "regex" and arg:
        try:
            return RegexGrader(spec, re.compile(arg))
        except re.error as exc:
            raise ValueError(f"regex:{arg} is not a valid regular expression ({exc}).") from None
    if kind == "json" and arg.strip():
        return JsonGrader(spec, arg.strip())
    if kind == "judge":
        from xai_magics.evals.judge import JudgeGrader, JudgeSettings

        settings = judge if judge is not None else JudgeSettings()
        return JudgeGrader(spec, settings.with_model(arg.strip()) if arg.strip() else settings)
    if kind == "python" and arg.strip():
        name = arg.strip()
        func = namespace.get(name)
        if not callable(func):
            what = "is not defined" if func is None else "is not a function"
            raise ValueError(
                f"python:{name}: {name} {what}; define f(answer, expected, row) -> bool | float."
            )
        return PythonGrader(spec, name, func)
    raise ValueError(f"Unknown grader {spec!r}: use {_SPECS}.")


def _tolerance(arg: str) -> float:
    try:
        tol = float(arg)
    except ValueError:
        tol = math.nan
    if not tol >= 0:  # also NaN
        raise ValueError(f"number:{arg}: the tolerance must be a number >= 0, e.g. number:0.01.")
    return tol


def grade_rows(rows: pd.DataFrame, grader: Grader, data: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``rows`` with ``score``, ``passed``, ``reason`` and ``grader_cost_usd``."""
    import pandas as pd

    n = len(rows)
    answered = rows["answer"].notna().to_numpy()
    missing = ~answered
    everyone = not missing.any()
    # Vectorised graders take every row (a missing answer fails them); the others only answers.
    whole = everyone or getattr(grader, "vectorised", False)
    sub = rows if whole else rows[answered]
    graded = grader.grade(sub["answer"], sub["expected"], sub, data)
    at = slice(None) if whole else answered
    # Filled in place where the grader graded every row (a million rows: no copies).
    score = np.asarray(graded.score, dtype=float) if whole else np.zeros(n)
    passed = np.asarray(graded.passed, dtype=bool) if whole else np.zeros(n, dtype=bool)
    cost = np.zeros(n)
    if not whole:
        score[at], passed[at] = graded.score, graded.passed
    if graded.cost_usd is not None:
        cost[at] = graded.cost_usd
    score[missing], passed[missing] = 0.0, False
    failures = [
        "no answer: " + (str(e) if e else "the request failed")
        for e in rows["error"].to_numpy(dtype=object)[missing]
    ]
    if graded.categories is not None:
        codes = np.full(n, -1, dtype=np.int32)
        codes[at] = graded.reason
        categories = list(graded.categories)
        if failures:
            failure_codes, failure_texts = pd.factorize(pd.Series(failures, dtype=object))
            codes[missing] = len(categories) + failure_codes
            categories += list(failure_texts)  # "no answer: ...": never a grader's own reason
        reason = pd.Categorical.from_codes(codes, categories=categories)
    else:
        texts = np.empty(n, dtype=object)
        texts[at] = np.asarray(graded.reason, dtype=object)
        texts[missing] = failures
        reason = pd.Categorical(texts)
    return rows.assign(score=score, passed=passed, reason=reason, grader_cost_usd=cost)


@dataclass
class TextGrader:
    """``exact``: equal after normalising; ``contains``: the expected text within the answer."""

    spec: str
    kind: str
    vectorised = True

    def grade(
        self, answers: pd.Series, expected: pd.Series, rows: pd.DataFrame, data: pd.DataFrame
    ) -> Graded:
        if self.kind == "exact":
            passed, has_expected = exact_matches(answers, expected)
        else:
            a, e, table = normalised_codes(answers, expected)
            has_expected = e >= 0
            # Each distinct (answer, expected) pair is checked once.
            pairs, inverse = np.unique(np.stack([a, e]), axis=1, return_inverse=True)
            texts = table.to_pylist()
            found = np.array(
                [i >= 0 and j >= 0 and texts[j] in texts[i] for i, j in pairs.T.tolist()],
                dtype=bool,
            )
            passed = found[inverse.reshape(-1)] if len(found) else np.zeros(len(a), dtype=bool)
        what = "equals" if self.kind == "exact" else "contains"
        categories = [
            f"{what} the expected answer (normalised)",
            f"does not {'equal' if self.kind == 'exact' else 'contain'} the expected answer "
            "(normalised)",
            "no expected value for this row",
        ]
        # 0 passed, 1 failed, 2 no expected value (which never passes): by arithmetic, as
        # nested np.where over a million rows costs several times more.
        codes = 2 - has_expected.astype(np.int8) - passed
        return Graded(passed.astype(float), passed, codes, categories)


# -- numbers ------------------------------------------------------------------------------------


def _last_numbers(answers: pd.Series) -> Array:
    """The last number in each answer (commas as thousands separators), NaN where none."""

    codes, dictionary = encode(answers)
    found = pc.struct_field(pc.extract_regex(dictionary, _LAST_NUMBER), [0])
    numbers = pc.cast(pc.replace_substring(found, ",", ""), pa.float64(), safe=False)
    values = numbers.to_numpy(zero_copy_only=False).astype(float)
    if not len(values):
        return np.full(len(codes), math.nan)
    return np.where(codes >= 0, values[np.maximum(codes, 0)], math.nan)


@dataclass
class NumberGrader:
    """The answer's last number within ``tolerance`` of the expected one (default: equal)."""

    spec: str
    tolerance: float | None
    vectorised = True

    def grade(
        self, answers: pd.Series, expected: pd.Series, rows: pd.DataFrame, data: pd.DataFrame
    ) -> Graded:
        import pandas as pd

        got = _last_numbers(answers)
        want = pd.to_numeric(expected, errors="coerce").to_numpy(dtype=float)
        tol = self.tolerance if self.tolerance is not None else 1e-9 * np.maximum(1, abs(want))
        with np.errstate(invalid="ignore"):
            passed = np.abs(got - want) <= tol
        within = f"within {self.tolerance:g} of" if self.tolerance else "equal to"

        def why(g: float, w: float, ok: bool) -> str:
            if ok:
                return f"found {g:g}, {within} the expected {w:g}"
            if math.isnan(g):
                return "no number in the answer"
            if math.isnan(w):
                return "the expected value is not a number"
            return f"found {g:g}, expected {w:g}"

        # One reason per distinct (found, expected): formatted once each, not per row.
        keys = np.stack([got, want, passed.astype(float)])
        pairs, codes = np.unique(keys, axis=1, return_inverse=True)
        categories = [why(g, w, bool(ok)) for g, w, ok in pairs.T.tolist()]
        texts, merged = np.unique(np.array(categories, dtype=object), return_inverse=True)
        reason = merged[codes.reshape(-1)]
        return Graded(passed.astype(float), passed, reason, texts.tolist())


# -- regex and JSON -----------------------------------------------------------------------------


@dataclass
class RegexGrader:
    """Passes when the pattern is found in the answer (Python ``re.search``)."""

    spec: str
    pattern: re.Pattern[str]

    def grade(
        self, answers: pd.Series, expected: pd.Series, rows: pd.DataFrame, data: pd.DataFrame
    ) -> Graded:
        found = [self.pattern.search(str(a)) for a in answers]
        passed = np.array([m is not None for m in found], dtype=bool)
        reason = [f"matched {m.group(0)[:80]!r}" if m else "no match" for m in found]
        return Graded(passed.astype(float), passed, reason)


def _json_field(answer: str, path: str) -> Any:
    """The field at a dotted path (``items.0.label``) of a JSON answer, fenced or not."""
    text = answer.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    value = json.loads(text)
    for part in path.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit():
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[part]
        else:
            raise KeyError(part)
    return value


@dataclass
class JsonGrader:
    """A field of a structured answer equals the expected value (as text, normalised)."""

    spec: str
    path: str

    def grade(
        self, answers: pd.Series, expected: pd.Series, rows: pd.DataFrame, data: pd.DataFrame
    ) -> Graded:
        import pandas as pd

        values: list[Any] = []
        reason: list[str] = []
        for answer in answers:
            try:
                value = _json_field(str(answer), self.path)
            except ValueError as exc:
                values.append(None)
                reason.append(f"the answer is not JSON ({str(exc).splitlines()[0]})")
            except (KeyError, IndexError):
                values.append(None)
                reason.append(f"no field {self.path!r} in the answer")
            else:
                values.append(value if isinstance(value, str) else json.dumps(value))
                reason.append(f"{self.path} is {values[-1][:80]!r}")
        a, e, _ = normalised_codes(pd.Series(values, dtype=object), expected)
        passed = (a == e) & (a >= 0)
        return Graded(passed.astype(float), passed, reason)


# -- Python -------------------------------------------------------------------------------------


@dataclass
class PythonGrader:
    """``f(answer, expected, row) -> bool | float`` (or ``(score, reason)``), row by row."""

    spec: str
    name: str
    func: Callable[..., Any] = field(repr=False)

    def grade(
        self, answers: pd.Series, expected: pd.Series, rows: pd.DataFrame, data: pd.DataFrame
    ) -> Graded:
        inputs: dict[int, Any] = {}
        scores, reasons = [], []
        for answer, want, at in zip(answers, expected, rows["row"], strict=True):
            if at not in inputs:
                inputs[at] = data.iloc[int(at)]
            score, reason = self._one(answer, want, inputs[at])
            scores.append(score)
            reasons.append(reason)
        score_arr = np.array(scores, dtype=float)
        return Graded(score_arr, score_arr >= 0.5, reasons)

    def _one(self, answer: str, expected: Any, row: Any) -> tuple[float, str]:
        try:
            out = self.func(answer, expected, row)
        except Exception as exc:  # the user's code: any failure grades this row only
            return 0.0, f"{self.name} raised {type(exc).__name__}: {exc}"[:300]
        reason = f"{self.name} returned {out!r}"[:300]
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], str):
            out, reason = out
        if isinstance(out, (bool, np.bool_)):
            return float(out), reason
        if isinstance(out, (int, float, np.integer, np.floating)) and 0 <= out <= 1:
            return float(out), reason
        return 0.0, f"{self.name} returned {out!r}, not a bool or a score between 0 and 1"[:300]
