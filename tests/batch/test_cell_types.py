"""Every column type narwhals can hand us, through the real request builder.

Each frame has three rows: a value, a missing value, another value. The missing row must be
skipped with a reason naming the column and the missing value as the frame's library calls it;
the others must be sent, with the prompt text the rule in ``cells.py`` gives their type.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from xai_magics.batch.chunks import iter_chunks
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.plan import plan_rows
from xai_magics.batch.template import parse_template
from xai_magics.batch.wire import LineBuilder, RequestSpec

SPEC = RequestSpec(model="grok-4.3")
TEMPLATE = parse_template("V={c}")
MAX_PROMPT = 4_000_000
PARIS = "Europe/Paris"


def _pd(values: Any, dtype: Any = None) -> pd.DataFrame:
    return pd.DataFrame({"c": pd.Series(values, dtype=dtype)})


def _gap(values: pd.Series) -> pd.Series:
    """The series with its second value missing, as its dtype writes a missing value."""
    return values.where(values.index != 1)


def _pl_tz() -> pl.DataFrame:
    stamps = [dt.datetime(2024, 1, 2, 3, 4), None, dt.datetime(2024, 6, 1, 0, 0, 0, 250000)]
    return pl.DataFrame({"c": stamps}).with_columns(pl.col("c").dt.replace_time_zone(PARIS))


MAP = pa.map_(pa.string(), pa.int64())

# (frame, prompt of row 0, prompt of row 2, what the skip reason of row 1 says it holds)
CASES: dict[str, tuple[Callable[[], Any], str, str, str]] = {
    "pandas-float-nan": (lambda: _pd([0.1, np.nan, 3.0]), "0.1", "3", "NaN"),
    "pandas-Float64-NA": (lambda: _pd([1.5, None, 3.0], "Float64"), "1.5", "3", "NA"),
    "pandas-Int64-NA": (lambda: _pd([1, None, 3], "Int64"), "1", "3", "NA"),
    "pandas-string-NA": (lambda: _pd(["a", None, "c"], "string"), "a", "c", "NA"),
    "pandas-arrow-string-NA": (
        lambda: _pd(["a", None, "c"], "string[pyarrow]"),
        "a",
        "c",
        "NA",
    ),
    "pandas-boolean-NA": (lambda: _pd([True, None, False], "boolean"), "true", "false", "NA"),
    "pandas-NaT": (
        lambda: _pd(
            pd.to_datetime(
                ["2024-01-02 00:00:00", None, "2024-03-04 05:06:07.500"], format="ISO8601"
            )
        ),
        "2024-01-02T00:00:00",
        "2024-03-04T05:06:07.5",
        "NaT",
    ),
    "pandas-tz-NaT": (
        lambda: _pd(
            pd.to_datetime(["2024-01-02 03:04:00", None, "2024-06-01 00:00:00"]).tz_localize(PARIS)
        ),
        "2024-01-02T03:04:00+01:00",
        "2024-06-01T00:00:00+02:00",
        "NaT",
    ),
    "pandas-utc": (
        lambda: _pd(
            pd.to_datetime(["2024-01-02 03:04:05.120", None, "2024-01-03 00:00:00.000"], utc=True)
        ),
        "2024-01-02T03:04:05.12Z",
        "2024-01-03T00:00:00Z",
        "NaT",
    ),
    # pandas' default string dtype shows a missing cell as NaN
    "pandas-default-str": (lambda: pd.DataFrame({"c": ["a", None, "c"]}), "a", "c", "NaN"),
    "pandas-object-None": (lambda: _pd(["a", None, "c"], object), "a", "c", "None/NaN"),
    "pandas-object-NA": (lambda: _pd(["a", pd.NA, "c"], object), "a", "c", "None/NaN"),
    "pandas-object-mixed": (lambda: _pd([1, None, "c"], object), "1", "c", "None"),
    "pandas-object-mixed-NaN": (lambda: _pd([1, float("nan"), "c"], object), "1", "c", "NaN"),
    "pandas-object-mixed-NA": (lambda: _pd([1, pd.NA, "c"], object), "1", "c", "NA"),
    "pandas-object-mixed-NaT": (lambda: _pd([1, pd.NaT, "c"], object), "1", "c", "NaT"),
    "pandas-categorical": (lambda: _pd(pd.Categorical(["a", None, "c"])), "a", "c", "NaN"),
    "pandas-bytes": (lambda: _pd([b"ab", None, "é".encode()], object), "ab", "é", "None/NaN"),
    "pandas-list": (lambda: _pd([[1, 2], None, ["x", "é"]], object), "[1,2]", '["x","é"]', "None"),
    # each dict keeps its own keys (Arrow's inferred struct would add the other rows' keys)
    "pandas-dicts": (
        lambda: _pd([{"k": "é"}, None, {"n": [1, 2], "d": dt.date(2024, 1, 2)}], object),
        '{"k":"é"}',
        '{"n":[1,2],"d":"2024-01-02"}',
        "None",
    ),
    "pandas-numpy-arrays": (
        lambda: _pd([np.array([1, 2]), None, np.array([3.5])], object),
        "[1,2]",
        "[3.5]",
        "None",
    ),
    "pandas-object-datetimes": (
        lambda: _pd([dt.datetime(2024, 1, 2, 3, 4, 5, 600000), None, dt.date(2024, 1, 3)], object),
        "2024-01-02T03:04:05.6",
        "2024-01-03",
        "None",
    ),
    "pandas-period": (
        lambda: _pd(_gap(pd.Series(pd.period_range("2024-01", periods=3, freq="M")))),
        "2024-01",
        "2024-03",
        "NaT",
    ),
    "pandas-interval": (
        lambda: _pd(_gap(pd.Series(pd.arrays.IntervalArray.from_breaks([0, 1, 2, 3])))),
        "(0, 1]",
        "(2, 3]",
        "NaN",
    ),
    "pandas-complex": (lambda: _pd([1 + 2j, np.nan, 3j]), "(1+2j)", "3j", "NaN"),
    "pandas-float32-nan": (lambda: _pd(np.array([1.5, np.nan, 3], np.float32)), "1.5", "3", "NaN"),
    "pandas-arrow-list": (
        lambda: _pd([[1, 2], None, [3]], pd.ArrowDtype(pa.list_(pa.int64()))),
        "[1,2]",
        "[3]",
        "NA",
    ),
    "polars-null": (lambda: pl.DataFrame({"c": ["a", None, "c"]}), "a", "c", "null"),
    "polars-int-null": (lambda: pl.DataFrame({"c": [1, None, 3]}), "1", "3", "null"),
    "polars-float-nan": (lambda: pl.DataFrame({"c": [1.0, float("nan"), 2.5]}), "1", "2.5", "NaN"),
    "polars-float-null": (lambda: pl.DataFrame({"c": [1.0, None, 2.5]}), "1", "2.5", "null"),
    "polars-categorical": (
        lambda: pl.DataFrame({"c": pl.Series(["a", None, "c"], dtype=pl.Categorical)}),
        "a",
        "c",
        "null",
    ),
    "polars-tz": (_pl_tz, "2024-01-02T03:04:00+01:00", "2024-06-01T00:00:00.25+02:00", "null"),
    "polars-date": (
        lambda: pl.DataFrame({"c": [dt.date(2024, 1, 2), None, dt.date(2024, 1, 3)]}),
        "2024-01-02",
        "2024-01-03",
        "null",
    ),
    "polars-list": (lambda: pl.DataFrame({"c": [[1, 2], None, [3]]}), "[1,2]", "[3]", "null"),
    "polars-struct": (
        lambda: pl.DataFrame({"c": [{"a": 1, "b": "x"}, None, {"a": 2, "b": None}]}),
        '{"a":1,"b":"x"}',
        '{"a":2,"b":null}',
        "null",
    ),
    "polars-bytes": (lambda: pl.DataFrame({"c": [b"ab", None, b"cd"]}), "ab", "cd", "null"),
    "polars-time": (
        lambda: pl.DataFrame({"c": [dt.time(1, 2, 3), None, dt.time(4, 5, 6, 700000)]}),
        "01:02:03",
        "04:05:06.7",
        "null",
    ),
    "polars-list-of-structs": (
        lambda: pl.DataFrame({"c": [[{"a": 1}], None, [{"a": 2}, {"a": None}]]}),
        '[{"a":1}]',
        '[{"a":2},{"a":null}]',
        "null",
    ),
    "polars-struct-with-datetime": (
        lambda: pl.DataFrame({"c": [{"t": dt.datetime(2024, 1, 2, 3, 4)}, None, {"t": None}]}),
        '{"t":"2024-01-02T03:04:00"}',
        '{"t":null}',
        "null",
    ),
    "polars-enum": (
        lambda: pl.DataFrame({"c": pl.Series(["a", None, "b"], dtype=pl.Enum(["a", "b"]))}),
        "a",
        "b",
        "null",
    ),
    "polars-array": (
        lambda: pl.DataFrame({"c": pl.Series([[1, 2], None, [3, 4]], dtype=pl.Array(pl.Int64, 2))}),
        "[1,2]",
        "[3,4]",
        "null",
    ),
    "pyarrow-null": (lambda: pa.table({"c": pa.array(["a", None, "c"])}), "a", "c", "null"),
    "pyarrow-decimal": (
        lambda: pa.table({"c": pa.array([decimal.Decimal("1.5"), None, 2], pa.decimal128(5, 2))}),
        "1.50",
        "2.00",
        "null",
    ),
    "pyarrow-map": (
        lambda: pa.table({"c": pa.array([[("k", 1)], None, [("j", 2), ("é", 3)]], MAP)}),
        '{"k":1}',
        '{"j":2,"é":3}',
        "null",
    ),
    "pyarrow-struct-of-list": (
        lambda: pa.table({"c": pa.array([{"tags": ["a"], "n": 1}, None, {"tags": [], "n": 2}])}),
        '{"tags":["a"],"n":1}',
        '{"tags":[],"n":2}',
        "null",
    ),
    "pyarrow-dictionary": (
        lambda: pa.table({"c": pa.array(["a", None, "c"]).dictionary_encode()}),
        "a",
        "c",
        "null",
    ),
    "pyarrow-bad-utf8": (
        lambda: pa.table({"c": pa.array([b"ab", None, "é".encode()], pa.large_binary())}),
        "ab",
        "é",
        "null",
    ),
    "pyarrow-time": (
        lambda: pa.table({"c": pa.array([dt.time(1, 2, 3, 500000), None, dt.time(4, 5)])}),
        "01:02:03.5",
        "04:05:00",
        "null",
    ),
    "pyarrow-binary": (lambda: pa.table({"c": pa.array([b"ab", None, b"cd"])}), "ab", "cd", "null"),
}


def _sent_prompts(df: Any) -> dict[int, str]:
    source = FrameSource.of(df)
    builder = LineBuilder(SPEC, "fp-", TEMPLATE)
    chunks = iter_chunks(source, TEMPLATE, builder, max_prompt_bytes=MAX_PROMPT)
    prompts: dict[int, str] = {}
    for chunk in chunks:
        for request in json.loads(chunk.body)["batch_requests"]:
            body = request["batch_request"]["chat_get_completion"]
            prompts[int(request["batch_request_id"][3:])] = body["messages"][-1]["content"]
    return prompts


@pytest.mark.parametrize(("make", "first", "last", "missing"), CASES.values(), ids=CASES.keys())
def test_missing_cells_skip_their_row_and_the_others_are_sent(
    make: Callable[[], Any], first: str, last: str, missing: str
) -> None:
    df = make()
    plan = plan_rows(FrameSource.of(df), TEMPLATE, MAX_PROMPT)
    assert plan.skipped == {1: f"column 'c' is missing ({missing})"}
    assert plan.samples == [(0, f"V={first}"), (2, f"V={last}")]
    assert _sent_prompts(df) == {0: f"V={first}", 2: f"V={last}"}


def test_a_nan_in_the_second_block_is_skipped_too() -> None:
    values = np.arange(20_000, dtype=float)
    values[[3, 12_345]] = np.nan
    df = pd.DataFrame({"c": values})
    plan = plan_rows(FrameSource.of(df), TEMPLATE, MAX_PROMPT, block_rows=8_192)
    assert sorted(plan.skipped) == [3, 12_345]
    prompts = _sent_prompts(df)
    assert len(prompts) == 19_998
    assert 3 not in prompts
    assert 12_345 not in prompts
    assert prompts[12_346] == "V=12346"


def test_bytes_that_are_not_utf8_skip_their_row_only() -> None:
    df = pa.table({"c": pa.array([b"ab", b"\xff\xfe", b"cd"])})
    plan = plan_rows(FrameSource.of(df), TEMPLATE, MAX_PROMPT)
    assert plan.skipped == {1: "column 'c' holds bytes that are not UTF-8"}
    assert _sent_prompts(df) == {0: "V=ab", 2: "V=cd"}
