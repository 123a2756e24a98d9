"""Every grader on real rows tables: what passes, what fails, and the reason kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.evals.rows import rows_table
from xai_magics.evals.graders import grade_rows, parse_grader

V = "grok-4.3 · default"


def _grade(spec: str, answers: list[str | None], expected: list[object], **ns: object):
    rows = rows_table({V: answers}, expected)
    data = pd.DataFrame({"question": [f"q{i}" for i in range(len(expected))], "gold": expected})
    return grade_rows(rows, parse_grader(spec, ns), data)


def test_exact_normalises_case_spacing_quotes_and_closing_punctuation() -> None:
    got = _grade(
        "exact",
        ["**Paris**.", "  new   YORK ", "Lyon", "42", "42.", "Paris, France"],
        ["paris", "New York", "Paris", 42, 42.0, "Paris"],
    )
    assert got["passed"].tolist() == [True, True, False, True, True, False]
    assert got["score"].tolist() == [1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    assert got["reason"].astype(str).str.startswith("equals").tolist() == got["passed"].tolist()
    assert (got["grader_cost_usd"] == 0).all()


def test_grade_rows_returns_a_copy_with_failed_requests_graded_zero_with_their_error() -> None:
    rows = rows_table({V: ["4", None, "6"]}, ["4", "5", "6"])
    got = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"x": [1, 2, 3]}))
    assert "score" not in rows.columns
    assert got["passed"].tolist() == [True, False, True]
    assert str(got["reason"].iloc[1]) == "no answer: HTTP 503: simulated outage"
    assert got.drop(columns=["score", "passed", "reason", "grader_cost_usd"]).equals(rows)


def test_contains_finds_the_expected_text_inside_the_answer() -> None:
    got = _grade(
        "contains",
        ["The capital is Paris.", "It is LYON", "no idea", "Paris"],
        ["paris", "lyon", "Rome", "Paris"],
    )
    assert got["passed"].tolist() == [True, True, False, True]


@pytest.mark.parametrize(
    ("spec", "answer", "expected", "passed"),
    [
        ("number", "The answer is 1,234.", 1234, True),
        ("number", "First 3, then 7.", 7, True),
        ("number", "First 3, then 7.", 3, False),
        ("number", "-2.5e1", -25, True),
        ("number", "no digits here", 1, False),
        ("number:0.01", "about 3.141", 3.14159, True),
        ("number:0.001", "about 3.14", 3.14159, False),
        ("number", "42", "42", True),
    ],
)
def test_number_compares_the_last_number_within_the_tolerance(
    spec: str, answer: str, expected: object, passed: bool
) -> None:
    got = _grade(spec, [answer], [expected])
    assert got["passed"].tolist() == [passed]
    assert ("no number" in str(got["reason"].iloc[0])) == (answer == "no digits here")


def test_regex_searches_the_answer_and_says_what_matched() -> None:
    got = _grade(r"regex:\b(yes|oui)\b", ["Oui, yes indeed", "nope", "oui"], ["", "", ""])
    assert got["passed"].tolist() == [True, False, True]
    assert str(got["reason"].iloc[0]) == "matched 'yes'"


def test_json_field_of_structured_output_is_compared_to_the_expected_value() -> None:
    got = _grade(
        "json:label.name",
        [
            '{"label": {"name": "Positive"}}',
            '```json\n{"label": {"name": "negative"}}\n```',
            "not json",
            '{"other": 1}',
            '{"label": {"name": 3}}',
        ],
        ["positive", "positive", "positive", "positive", 3],
    )
    assert got["passed"].tolist() == [True, False, False, False, True]
    reasons = got["reason"].astype(str).tolist()
    assert reasons[1] == "label.name is 'negative'"
    assert reasons[2].startswith("the answer is not JSON")
    assert reasons[3] == "no field 'label.name' in the answer"


def test_python_grader_gets_answer_expected_and_the_input_row() -> None:
    seen = []

    def close_enough(answer: str, expected: object, row: pd.Series) -> float:
        seen.append(row["question"])
        return 1.0 if answer == str(expected) else 0.25

    got = _grade("python:close_enough", ["7", "8"], [7, 9], close_enough=close_enough)
    assert got["score"].tolist() == [1.0, 0.25]
    assert got["passed"].tolist() == [True, False]
    assert seen == ["q0", "q1"]


def test_python_grader_raising_grades_that_row_zero_and_the_rest_carry_on() -> None:
    def fussy(answer: str, expected: object, row: pd.Series) -> bool:
        if answer == "boom":
            raise ZeroDivisionError("division by zero")
        return answer == expected

    got = _grade("python:fussy", ["a", "boom", "c"], ["a", "b", "c"], fussy=fussy)
    assert got["passed"].tolist() == [True, False, True]
    assert got["score"].tolist() == [1.0, 0.0, 1.0]
    assert str(got["reason"].iloc[1]) == "fussy raised ZeroDivisionError: division by zero"


def test_python_grader_returning_nonsense_is_a_zero_with_the_reason() -> None:
    got = _grade(
        "python:odd",
        ["a", "b", "c"],
        ["a", "b", "c"],
        odd=lambda a, e, r: {"a": None, "b": 3.0, "c": (True, "fine")}[a],
    )
    assert got["score"].tolist() == [0.0, 0.0, 1.0]
    assert "not a bool or a score" in str(got["reason"].iloc[0])
    assert str(got["reason"].iloc[2]) == "fine"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fuzzy", "Unknown grader 'fuzzy': use exact, contains"),
        ("regex:(", "regex:( is not a valid regular expression"),
        ("regex:", "Unknown grader"),
        ("number:-1", "tolerance must be a number >= 0"),
        ("number:abc", "tolerance must be a number >= 0"),
        ("python:missing", "python:missing: missing is not defined"),
        ("python:value", "value is not a function"),
        ("json:", "Unknown grader"),
        ("judge:grok-4.3@fast", "the tier after @ must be default or priority"),
    ],
)
def test_bad_specs_are_one_clear_sentence(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_grader(spec, {"value": 3})


def test_exact_grades_many_repeated_answers_like_one_at_a_time() -> None:
    """The vectorised path (codes over distinct values) agrees with a plain loop."""
    rng = np.random.default_rng(5)
    pool = ["42", " 42.", "forty-two", "**41**", "41", "Forty-Two!", None]
    answers = [pool[i] for i in rng.integers(0, len(pool), 3000)]
    expected = [["42", "41", "forty-two"][i] for i in rng.integers(0, 3, 3000)]
    rows = rows_table({V: answers}, expected)
    got = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"x": range(3000)}))

    def plain(text: str) -> str:
        return " ".join(text.lower().split()).strip(" *").rstrip(".!").strip(" *")

    want = [a is not None and plain(a) == plain(e) for a, e in zip(answers, expected, strict=True)]
    assert got["passed"].tolist() == want


_LEADING = " \t\n\r*_\"'`“”‘’"
_TRAILING = _LEADING + ".!?;:,"


def _reference_normal_form(text: str) -> str:
    """The documented normal form, written plainly in Python."""
    v = text.lower().rstrip(_TRAILING).lstrip(_LEADING)
    return " ".join(v.split()).rstrip(_TRAILING).lstrip(_LEADING)


@pytest.mark.parametrize("seed", range(20))
def test_exact_agrees_with_a_plain_python_normal_form_on_awkward_text(seed: int) -> None:
    """Tabs, newlines, no-break and ideographic spaces, accents, emphasis: the fast path
    (one pass, collapsing only rows that may need it) gives the plain definition's answer.
    (It caught pyarrow's utf8_split_whitespace keeping trailing whitespace now and then.)"""
    rng = np.random.default_rng(seed)
    odd = ["  ", "\t", "\n", "\u00a0", "\u3000", "\u2003", "\x0b", "\x1f", "\x85", "“", "42"]
    alphabet = [*"aAé É*._ ", *odd]
    pool = ["".join(rng.choice(alphabet, int(rng.integers(0, 7)))) for _ in range(300)]
    answers = [pool[i] for i in rng.integers(0, len(pool), 2000)]
    expected = [pool[i] for i in rng.integers(0, 40, 2000)]  # few targets: many matches
    rows = rows_table({V: answers}, expected)
    got = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"x": range(2000)}))
    want = [
        _reference_normal_form(a) == _reference_normal_form(e)
        for a, e in zip(answers, expected, strict=True)
    ]
    assert sum(want) > 100
    assert got["passed"].tolist() == want


def test_normal_form_of_spaced_text_by_hand() -> None:
    got = _grade(
        "exact",
        ["New\tYork", "new\u00a0york", "new\u3000\u3000york.", "New\nYork!", "Café", "newyork"],
        ["new york"] * 4 + ["CAFÉ", "new york"],
    )
    assert got["passed"].tolist() == [True, True, True, True, True, False]


@pytest.mark.parametrize(
    ("expected", "want"),
    [
        # too spread for the integer range shortcut
        (pd.Series([-3, 10**12, 7, -3], dtype="int64"), [True, False, True, False]),
        (pd.Series([-3, 4, 7, -3], dtype="int64"), [True, True, True, False]),
        (pd.Series([-3, 4, 7, -3], dtype=object), [True, True, True, False]),
        (pd.Series([-3, 4, None, -3], dtype="Int64"), [True, True, False, False]),
        (pd.Series([-3, 4, 7.5, -3], dtype=object), [True, True, False, False]),
        (pd.Series([-3, 4, 2**70, -3], dtype=object), [True, True, False, False]),
        (pd.Series([-3, 4, True, -3], dtype=object), [True, True, False, False]),
        (pd.Series(["-3", "4", "7", "-3"], dtype="str"), [True, True, True, False]),
    ],
    ids=["spread", "compact", "object-ints", "nullable", "mixed", "beyond-int64", "bool", "text"],
)
def test_exact_reads_expected_values_of_any_dtype_as_their_text(
    expected: pd.Series, want: list[bool]
) -> None:
    # the last answer has a Unicode minus sign: another text than "-3"
    rows = rows_table({V: ["-3", "4", "7", "\u22123"]}, [0, 1, 2, 3])
    rows["expected"] = expected
    got = grade_rows(rows, parse_grader("exact", {}), pd.DataFrame({"x": range(4)}))
    assert got["passed"].tolist() == want
