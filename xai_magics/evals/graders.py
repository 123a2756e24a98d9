"""Graders: turn each answer into a score (0..1), a pass/fail and the reason, from a spec string.

    exact · contains · number[:TOL] · regex:PATTERN · json:FIELD · judge[:MODEL] · python:FUNC

Text graders compare normalised text: case folded, runs of whitespace made one space, and
the quoting and closing punctuation models wrap short answers in ("**42**.") taken off. The
normalising is done once per distinct value, then compared as integer codes, so a million
answers grade in a fraction of a second (``exact``, ``contains`` and ``number`` never loop over
rows in Python). A failed request grades 0 with its error as the reason; a Python grader that
raises grades that row 0 with the exception named, and the other rows carry on.
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

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

    from xai_magics.evals.judge import JudgeSettings

__all__ = ["Graded", "Grader", "grade_rows", "normalise", "parse_grader"]

Array = np.ndarray[Any, Any]

_SPECS = "exact, contains, number[:TOL], regex:PATTERN, json:FIELD, judge[:MODEL] or python:FUNC"
# The last number of an answer ("The answer is 1,234.5." -> "1,234.5"), in RE2 for Arrow.
_LAST_NUMBER = r"^(?s:.*?)(?P<n>[-+]?(?:\d[\d,]*)?\.?\d+(?:[eE][-+]?\d+)?)\D*$"
# What Python's str.isspace() calls whitespace, for RE2 (whose \s is only [\t\n\f\r ]).
_WHITESPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]+"
)
_LEADING = " \t\n\r*_\"'`“”‘’"
_TRAILING = _LEADING + ".!?;:,"


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
    everyone = bool(answered.all())
    # Vectorised graders take every row (a missing answer fails them); the others only answers.
    whole = everyone or getattr(grader, "vectorised", False)
    sub = rows if whole else rows[answered]
    graded = grader.grade(sub["answer"], sub["expected"], sub, data)
    at = slice(None) if whole else answered
    score, passed, cost = np.zeros(n), np.zeros(n, dtype=bool), np.zeros(n)
    score[at], passed[at] = graded.score, graded.passed
    if graded.cost_usd is not None:
        cost[at] = graded.cost_usd
    score[~answered], passed[~answered] = 0.0, False
    failures = [
        "no answer: " + (str(e) if e else "the request failed")
        for e in rows["error"].to_numpy(dtype=object)[~answered]
    ]
    if graded.categories is not None:
        codes = np.full(n, -1, dtype=np.int64)
        codes[at] = graded.reason
        categories = list(graded.categories)
        if failures:
            failure_codes, failure_texts = pd.factorize(pd.Series(failures, dtype=object))
            codes[~answered] = len(categories) + failure_codes
            categories += [t for t in failure_texts if t not in categories]
        reason = pd.Categorical.from_codes(codes, categories=categories)
    else:
        texts = np.empty(n, dtype=object)
        texts[at] = np.asarray(graded.reason, dtype=object)
        texts[~answered] = failures
        reason = pd.Categorical(texts)
    return rows.assign(score=score, passed=passed, reason=reason, grader_cost_usd=cost)


# -- text ---------------------------------------------------------------------------------------


def _trim(v: pa.Array) -> pa.Array:
    return pc.utf8_ltrim(pc.utf8_rtrim(v, _TRAILING), _LEADING)


def _maybe_spaced(v: pa.Array) -> Array:
    """Rows that may hold whitespace other than single spaces: a double space, a control
    character, or any non-ASCII byte (Unicode spaces are among them). Read from Arrow's bytes
    with numpy: a few milliseconds for a million answers, where a regex pass takes ~60."""
    flags = np.zeros(len(v), dtype=bool)
    _, offsets_buffer, data_buffer = v.buffers()
    if not len(v) or data_buffer is None:
        return flags
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[v.offset : v.offset + len(v) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    odd = (data < 0x20) | (data >= 0x80)
    odd[:-1] |= (data[:-1] == 0x20) & (data[1:] == 0x20)
    hits = np.flatnonzero(odd) + offsets[0]
    flags[np.searchsorted(offsets, hits, side="right") - 1] = True
    return flags


def _collapse(v: pa.Array, flags: Array) -> pa.Array:
    """Runs of whitespace made one space in the flagged rows (``_maybe_spaced``)."""
    # A regex, not utf8_split_whitespace: in pyarrow 26 that sometimes keeps a trailing
    # "\n " or "\t" on its last word (a few arrays in a thousand), so equal answers differed.
    flagged = np.flatnonzero(flags)
    joined = pc.replace_substring_regex(pc.take(v, pa.array(flagged)), _WHITESPACE, " ")
    positions = np.arange(len(v))
    positions[flagged] = len(v) + np.arange(len(flagged))
    return pc.take(pa.concat_arrays([v, joined]), pa.array(positions))


def _first_pass(values: pa.Array) -> pa.Array:
    """Cased and trimmed: already the normal form of every row ``_maybe_spaced`` leaves out."""
    v = values.cast(pa.large_string())
    data = v.buffers()[2]
    ascii_only = data is None or not len(data) or np.frombuffer(data, np.uint8).max() < 0x80
    return _trim(pc.ascii_lower(v) if ascii_only else pc.utf8_lower(v))


def normalise(values: pa.Array) -> pa.Array:
    """Case folded, whitespace collapsed, wrapping quotes, emphasis and closing punctuation gone.

    Trimmed before and after collapsing, so text with no run of whitespace skips the
    collapsing (most answers) and ``exact`` can compare them after one cheap pass.
    """
    v = _first_pass(values)
    flags = _maybe_spaced(v)
    return _trim(_collapse(v, flags)) if flags.any() else v


def _text_array(values: pd.Series) -> pa.Array:
    """The answers as an Arrow string array (nulls where missing), zero-copy when they are."""
    if getattr(values.dtype, "storage", None) == "pyarrow":
        arr = pa.array(values, from_pandas=True)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            return arr.cast(pa.large_string())
    texts = [v if isinstance(v, str) else None if _missing(v) else str(v) for v in values]
    return pa.array(texts, type=pa.large_string())


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _exact(answers: pd.Series, expected: pd.Series) -> tuple[Array, Array]:
    """``(passed, has_expected)``: answer and expected equal once normalised.

    Every distinct expected value is normalised once; answers get one cased-and-trimmed pass,
    and only those neither equal nor already normal are collapsed and compared again.
    """
    e_codes, e_texts = _encode(expected)
    has_expected = e_codes >= 0
    want = pc.take(normalise(e_texts), pa.array(e_codes, mask=~has_expected))
    given = _first_pass(_text_array(answers))
    same = pc.equal(given, want).fill_null(False).to_numpy(zero_copy_only=False)
    passed = np.array(same, dtype=bool)
    retry = np.flatnonzero(~passed & has_expected & _maybe_spaced(given))
    if len(retry):
        at = pa.array(retry)
        spaced = pc.take(given, at)
        again = _trim(_collapse(spaced, np.ones(len(retry), dtype=bool)))
        passed[retry] = (
            pc.equal(again, pc.take(want, at)).fill_null(False).to_numpy(zero_copy_only=False)
        )
    return passed, has_expected


def _as_text(value: Any) -> str:
    """An expected value as the text an answer would show (42.0 -> "42")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _encode(values: pd.Series) -> tuple[Array, pa.Array]:
    """Codes (-1: missing) into the distinct values, as text: ``(codes, dictionary)``.

    Arrow-backed strings are encoded by Arrow, anything else by pandas' hash table; only the
    distinct values are turned into text in Python.
    """
    import pandas as pd

    dtype = values.dtype
    if getattr(dtype, "storage", None) == "pyarrow" or isinstance(dtype, pd.ArrowDtype):
        arr = pa.array(values, from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            encoded = pc.dictionary_encode(arr)
            codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            return codes.astype(np.int64), encoded.dictionary.cast(pa.large_string())
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "integer":
        values = values.astype(np.int64)
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "i" and len(values):
        ints = values.to_numpy()
        low, high = int(ints.min()), int(ints.max())
        if high - low <= 4 * len(ints):  # a compact range (row numbers, quiz answers): no hashing
            span = pa.array(np.arange(low, high + 1, dtype=np.int64))
            return (ints - low).astype(np.int64), pc.cast(span, pa.large_string())
    codes, uniques = pd.factorize(values)
    if np.asarray(uniques).dtype.kind in "iu":  # integers print the same in Arrow, in C
        return codes, pc.cast(pa.array(np.asarray(uniques)), pa.large_string())
    return codes, pa.array([_as_text(v) for v in uniques], type=pa.large_string())


def _take(mapping: Array, codes: Array) -> Array:
    """``mapping[codes]``, -1 where the code is -1."""
    if not len(mapping):
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes >= 0, mapping[np.maximum(codes, 0)], -1)


def _normalised_codes(answers: pd.Series, expected: pd.Series) -> tuple[Array, Array, pa.Array]:
    """Codes into one table of normalised texts, for answers and expected (-1: missing)."""
    a_codes, a_dictionary = _encode(answers)
    e_codes, e_dictionary = _encode(expected)
    both = pc.dictionary_encode(normalise(pa.concat_arrays([a_dictionary, e_dictionary])))
    shared = both.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    split = len(a_dictionary)
    return _take(shared[:split], a_codes), _take(shared[split:], e_codes), both.dictionary


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
            passed, has_expected = _exact(answers, expected)
        else:
            a, e, table = _normalised_codes(answers, expected)
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
        codes = np.where(passed, 0, np.where(has_expected, 1, 2)).astype(np.int8)
        return Graded(passed.astype(float), passed, codes, categories)


# -- numbers ------------------------------------------------------------------------------------


def _last_numbers(answers: pd.Series) -> Array:
    """The last number in each answer (commas as thousands separators), NaN where none."""

    codes, dictionary = _encode(answers)
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
        a, e, _ = _normalised_codes(pd.Series(values, dtype=object), expected)
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
