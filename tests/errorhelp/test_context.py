"""What the kernel tells an "Ask Grok about this error" prompt about the failing line's names:
shapes, columns and dtypes, never values, secrets or the environment, and never too much."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import polars as pl
import pytest

from xai_magics.errorhelp import describe_in_kernel, describe_names
from xai_magics.errorhelp.context import MAX_CHARS, MAX_COLUMNS, MAX_NAMES


def test_a_pandas_frame_gives_its_shape_columns_and_dtypes() -> None:
    sales = pd.DataFrame({"Region": ["north", "south"], "units": [3, 4], "price": [1.5, 2.0]})
    text = describe_names('sales["region"].sum()', {"sales": sales})
    assert text.splitlines() == [
        "sales: pandas.DataFrame, 2 rows × 3 columns",
        f"  'Region': {sales['Region'].dtype}",  # object in pandas 2, str in pandas 3
        "  'units': int64",
        "  'price': float64",
    ]
    assert "north" not in text


def test_a_polars_frame_gives_its_schema() -> None:
    frame = pl.DataFrame({"when": ["2024-01-01"], "n": [1]})
    text = describe_names("frame.select(pl.col('When'))", {"frame": frame, "pl": pl})
    assert text.splitlines()[:3] == [
        "frame: polars.DataFrame, 1 rows × 2 columns",
        "  'when': String",
        "  'n': Int64",
    ]
    assert "2024-01-01" not in text
    assert "pl: module" in text  # what `pl` is, not what it holds


def test_series_and_arrays_give_dtype_and_size() -> None:
    namespace = {"s": pd.Series([1, 2, 3], name="qty"), "a": np.zeros((2, 5), dtype="int32")}
    assert describe_names("s + a", namespace).splitlines() == [
        "s: pandas.Series, name 'qty', dtype int64, length 3",
        "a: numpy.ndarray, dtype int32, shape (2, 5)",
    ]


def test_strings_are_described_by_length_never_by_value() -> None:
    namespace = {"token": "correct horse battery staple", "path": b"/secret/place", "n": 41}
    text = describe_names("open(path).read(n) + token", namespace)
    assert text.splitlines() == ["path: bytes of length 13", "n: int", "token: str of length 28"]


def test_the_environment_and_key_shaped_text_never_appear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_DB_PASSWORD", "hunter2-but-longer")
    leaky = pd.DataFrame({"xai-0123456789abcdefghij": [1], "hunter2-but-longer": [2], "ok": [3]})
    namespace = {"os": os, "env": os.environ, "leaky": leaky, "key": "xai-0123456789abcdef"}
    text = describe_names("env['MY_DB_PASSWORD'] + leaky + key + os.environ['X']", namespace)
    assert not any(line.startswith("env") for line in text.splitlines())  # skipped outright
    assert "xai-0123456789" not in text
    assert "hunter2" not in text
    assert "[redacted]" in text
    assert "'ok': int64" in text


def test_attributes_keywords_strings_and_unbound_names_are_not_described() -> None:
    namespace = {"df": pd.DataFrame({"a": [1]}), "mean": 3, "b": 2, "lambda_": 1}
    text = describe_names("df.mean() if 'b' in df else None", namespace)
    assert [line for line in text.splitlines() if not line.startswith(" ")] == [
        "df: pandas.DataFrame, 1 rows × 1 columns"
    ]


def test_an_unfinished_line_still_finds_its_names() -> None:
    text = describe_names("total = df.groupby(['a'", {"df": pd.DataFrame({"a": [1]})})
    assert text.startswith("df: pandas.DataFrame")


def test_private_names_are_skipped() -> None:
    assert describe_names("_secret + _", {"_secret": 1, "_": "last output"}) == ""


def test_the_description_is_capped() -> None:
    wide = pd.DataFrame({f"column_{i}": [i] for i in range(MAX_COLUMNS + 25)})
    text = describe_names("wide", {"wide": wide})
    assert "  … 25 more columns" in text
    assert f"'column_{MAX_COLUMNS}'" not in text

    many = {f"frame_{i}": wide for i in range(MAX_NAMES + 3)}
    capped = describe_names(" + ".join(many), many)
    assert len(capped) <= MAX_CHARS
    assert capped.endswith("…")
    assert "frame_0: pandas.DataFrame" in capped

    names = {f"n{i}": i for i in range(MAX_NAMES + 3)}
    assert len(describe_names(" + ".join(names), names).splitlines()) == MAX_NAMES


def test_long_column_names_are_shortened() -> None:
    frame = pd.DataFrame({"x" * 500: [1]})
    (_, column) = describe_names("frame", {"frame": frame}).splitlines()
    assert len(column) < 80
    assert column.endswith("…: int64")


def test_in_the_kernel_the_reply_is_a_json_string_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Shell:
        def __init__(self) -> None:
            self.user_ns = {"df": pd.DataFrame({'quote"d': [1]})}

    monkeypatch.setattr("IPython.get_ipython", Shell)
    # user_expressions send repr(value) as text/plain; the front end parses it as JSON.
    reply = repr(describe_in_kernel("df['x']"))
    assert json.loads(reply) == "df: pandas.DataFrame, 1 rows × 1 columns\n  'quote\"d': int64"


def test_outside_ipython_there_is_nothing_to_describe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    assert json.loads(repr(describe_in_kernel("df"))) == ""


def test_a_lazy_polars_frame_gives_its_columns_without_running() -> None:
    lazy = pl.DataFrame({"when": ["2024-01-01"], "n": [1]}).lazy().with_columns(m=pl.col("n") * 2)
    assert describe_names("lazy.select('N')", {"lazy": lazy}).splitlines() == [
        "lazy: polars.LazyFrame, 3 columns",
        "  'when': String",
        "  'n': Int64",
        "  'm': Int64",
    ]


def test_other_objects_are_not_asked_their_length() -> None:
    class Expensive:
        """Like a Dask DataFrame: len() would compute everything."""

        def __len__(self) -> int:
            raise AssertionError("len() was called")

    big, small = describe_names("big + small", {"big": Expensive(), "small": [1, 2, 3]}).split("\n")
    assert big.startswith("big: ")
    assert big.endswith(".Expensive")  # its type only
    assert small == "small: list of length 3"


def test_a_dask_frame_gives_its_columns_without_computing() -> None:
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}), npartitions=2)
    assert describe_names("frame['A']", {"frame": frame}).splitlines() == [
        "frame: dask.DataFrame, 2 columns",
        "  'a': int64",
        "  'b': float64",
    ]
