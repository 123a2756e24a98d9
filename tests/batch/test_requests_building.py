"""Building request lines and chunks: byte-identical to json.dumps, bounded by count and bytes."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from xai_magics.batch.cells import python_cell_text
from xai_magics.batch.chunks import iter_chunks
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.plan import EmptyBatchError, plan_rows
from xai_magics.batch.template import parse_template
from xai_magics.batch.wire import LineBuilder, RequestSpec, reference_line

HARD_TEXTS = [
    'quotes " and \\ backslashes',
    "newline\nreturn\rtab\t",
    "controls \x00 \x01 \x08 \x0c \x1f end",
    "unicode é 日本 🎉 \u2028 \u2029",
    "braces {other} {{x}} stay",
    "x" * 3000,
]
SPEC = RequestSpec(model="grok-4.3", system='Be "brief"', max_tokens=16, temperature=0.0)
MAX_PROMPT = 4_000_000


def _chunks(df: object, template: str, **kwargs: int) -> list:  # type: ignore[type-arg]
    source = FrameSource.of(df)
    builder = LineBuilder(SPEC, "fp-", parse_template(template))
    return list(
        iter_chunks(
            source, parse_template(template), builder, max_prompt_bytes=MAX_PROMPT, **kwargs
        )
    )


def test_lines_equal_json_dumps_for_hard_strings() -> None:
    df = pd.DataFrame({"t": HARD_TEXTS})
    [chunk] = _chunks(df, "Say: {t}")
    expected = [
        json.loads(reference_line(f"fp-{i}", SPEC, f"Say: {t}")) for i, t in enumerate(HARD_TEXTS)
    ]
    assert json.loads(chunk.body)["batch_requests"] == expected
    reference_body = (
        '{"batch_requests":['
        + ",".join(reference_line(f"fp-{i}", SPEC, f"Say: {t}") for i, t in enumerate(HARD_TEXTS))
        + "]}"
    )
    assert chunk.body == reference_body.encode()


LINE = len(reference_line("fp-0", SPEC, "row 0 " + "y" * 200)) + 1  # with its comma
ENVELOPE = len('{"batch_requests":[]}')


@pytest.mark.parametrize(
    ("max_rows", "max_bytes", "expected_counts"),
    [(4, 10_000_000, [4, 4, 2]), (100, ENVELOPE + 3 * LINE + 5, [3, 3, 3, 1])],
    ids=["by-count", "by-bytes"],
)
def test_chunks_respect_count_and_byte_limits(
    max_rows: int, max_bytes: int, expected_counts: list[int]
) -> None:
    df = pd.DataFrame({"t": [f"row {i} " + "y" * 200 for i in range(10)]})
    chunks = _chunks(df, "{t}", max_rows=max_rows, max_bytes=max_bytes)
    assert [c.count for c in chunks] == expected_counts
    assert all(len(c.body) <= max_bytes for c in chunks)
    ids = [r["batch_request_id"] for c in chunks for r in json.loads(c.body)["batch_requests"]]
    assert ids == [f"fp-{i}" for i in range(10)]


def test_resuming_at_a_chunk_rebuilds_the_same_chunks() -> None:
    df = pd.DataFrame({"t": [None if i % 7 == 3 else f"v{i}" for i in range(50)]})
    everything = _chunks(df, "{t}", max_rows=6)
    fifth = everything[4]
    source = FrameSource.of(df)
    resumed = list(
        iter_chunks(
            source,
            parse_template("{t}"),
            LineBuilder(SPEC, "fp-", parse_template("{t}")),
            max_prompt_bytes=MAX_PROMPT,
            start_row=everything[3].stop_row,
            start_index=4,
            max_rows=6,
        )
    )
    assert resumed == everything[4:]
    assert resumed[0].positions == fifth.positions


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (2.5, "2.5"),
        (1.0, "1"),
        (True, "true"),
        (decimal.Decimal("1.50"), "1.50"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        ([1, "a"], '[1,"a"]'),
        ({"k": "é"}, '{"k":"é"}'),
        (b"bytes", "bytes"),
    ],
    ids=[
        "int",
        "float",
        "whole-float",
        "bool",
        "decimal",
        "date",
        "datetime",
        "list",
        "dict",
        "bytes",
    ],
)
def test_non_string_cells_follow_the_documented_rule_in_both_paths(
    value: object, text: str
) -> None:
    assert python_cell_text(value, "c") == (text, None)
    if isinstance(value, (list, dict, bytes)):
        return
    typed = pa.array([value])
    source = FrameSource.of(pa.table({"c": typed}))
    plan = plan_rows(source, parse_template("{c}"), MAX_PROMPT)
    assert plan.samples == [(0, text)]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (None, "missing"),
        (float("nan"), "missing"),
        ("", "empty"),
        ("   ", "empty"),
        ("bad \ud800 surrogate", "lone surrogate"),
        (b"\xff\xfe", "not UTF-8"),
        ("x" * 5_000_001, "MB"),
    ],
    ids=["none", "nan", "empty", "blank", "lone-surrogate", "bad-bytes", "5MB-cell"],
)
def test_bad_cells_skip_their_row_with_a_reason(cell: object, reason: str) -> None:
    df = pd.DataFrame({"c": pd.Series(["fine", cell, "also fine"], dtype=object)})
    plan = plan_rows(FrameSource.of(df), parse_template("Q: {c}"), MAX_PROMPT)
    assert list(plan.skipped) == [1]
    assert reason in plan.skipped[1]
    assert plan.n_sent == 2
    chunk_positions = [p for c in _chunks(df, "Q: {c}") for p in c.positions]
    assert chunk_positions == [0, 2]


def test_empty_frame_and_all_invalid_rows_are_refused() -> None:
    empty = plan_rows(FrameSource.of(pd.DataFrame({"c": []})), parse_template("{c}"), MAX_PROMPT)
    with pytest.raises(EmptyBatchError, match="no rows"):
        empty.require_rows()
    invalid = plan_rows(
        FrameSource.of(pd.DataFrame({"c": [None, "", " "]})), parse_template("{c}"), MAX_PROMPT
    )
    with pytest.raises(EmptyBatchError, match="every one of the 3 rows"):
        invalid.require_rows()


@pytest.mark.parametrize(
    "make",
    [
        lambda d: pd.DataFrame(d, index=[10, 10, 3]),
        lambda d: pl.DataFrame(d),
        lambda d: pa.table(d),
        lambda d: pl.LazyFrame(d),
    ],
    ids=["pandas-duplicate-index", "polars", "pyarrow", "polars-lazy"],
)
def test_every_frame_type_builds_the_same_requests(make: object) -> None:
    data = {"a": ["x", "y", "z"], "n": [1, 2, 3]}
    [chunk] = _chunks(make(data), "{a}={n}")  # type: ignore[operator]
    prompts = [
        r["batch_request"]["chat_get_completion"]["messages"][-1]["content"]
        for r in json.loads(chunk.body)["batch_requests"]
    ]
    assert prompts == ["x=1", "y=2", "z=3"]


def test_digest_changes_with_any_cell_and_not_with_other_columns() -> None:
    template = parse_template("{a}")
    base = pd.DataFrame({"a": ["x", "y"], "other": [1, 2]})

    def digest(df: pd.DataFrame) -> str:
        return plan_rows(FrameSource.of(df), template, MAX_PROMPT).digest

    assert digest(base) == digest(base.assign(other=[5, 6]))
    assert digest(base) != digest(base.assign(a=["x", "Y"]))
    assert digest(base) != digest(pd.DataFrame({"a": ["xy", ""]}))


def test_a_seed_goes_into_every_line_and_changes_the_job() -> None:
    from dataclasses import replace

    from xai_magics.batch.api import prepare_rows

    seeded = replace(SPEC, seed=2)
    builder = LineBuilder(seeded, "fp-", parse_template("Say: {t}"))
    lines = builder.lines(pa.array([0, 1]), {"t": pa.array(["a", "b"], pa.large_string())})
    bodies = [json.loads(line.as_py().rstrip(","))["batch_request"] for line in lines]
    assert [b["chat_get_completion"]["seed"] for b in bodies] == [2, 2]
    df = pd.DataFrame({"t": ["a", "b"]})

    def digest(seed: int | None) -> str:
        args = (df, "Say: {t}", "grok-4.3", None, None, None, None, MAX_PROMPT)
        return prepare_rows(*args, seed=seed).fingerprint.digest

    assert len({digest(None), digest(1), digest(2)}) == 3
