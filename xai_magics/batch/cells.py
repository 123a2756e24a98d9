"""Cells to prompt text: one documented, deterministic rule for every column type.

A template column becomes text block by block (so memory stays near the frame's own size):

- strings pass through unchanged;
- integers, floats and decimals are written as Arrow casts them (``3``, ``2.5``, ``1e+20``; a
  float holding a whole number loses its ``.0``: ``1.0`` -> ``1``); booleans as ``true``/``false``;
- dates as ``YYYY-MM-DD``, timestamps as ISO 8601 (``2024-01-02T03:04:05``, fractions kept);
- lists, dicts and structs as compact JSON (non-ASCII kept);
- bytes are decoded as UTF-8;
- anything else through ``str()``.

A cell that cannot become a prompt makes its row *skipped* (never sent), with a reason:
None/NaN/NA/NaT, an empty or blank string, bytes that are not UTF-8, and strings holding a lone
surrogate (``"\\ud800"``), which no UTF-8 request can carry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()


@dataclass
class BlockText:
    """One column's text for a block of rows: null where the row has a problem."""

    text: pa.LargeStringArray
    problems: dict[int, str] = field(default_factory=dict)  # offset in block -> reason


def column_block_text(series: Any, column: str) -> BlockText:
    """Convert a narwhals Series slice to text following the module's rule."""
    try:
        arrow = series.to_arrow()
    except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError):
        return _python_text(series.to_list(), column)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return _arrow_text(arrow, column)


def _arrow_text(arrow: pa.Array, column: str) -> BlockText:
    kind = arrow.type
    if pa.types.is_dictionary(kind):
        arrow = arrow.dictionary_decode()
        kind = arrow.type
    missing = arrow.is_null()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        text = arrow.cast(TEXT)
    elif pa.types.is_floating(kind):
        missing = pc.or_(missing, pc.is_nan(arrow))
        text = arrow.cast(TEXT)
    elif pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_boolean(kind):
        text = arrow.cast(TEXT)
    elif pa.types.is_timestamp(kind):
        raw = arrow.cast(TEXT)
        text = pc.replace_substring_regex(pc.replace_substring(raw, " ", "T"), r"\.0+(Z?)$", r"\1")
    elif pa.types.is_date(kind) or pa.types.is_time(kind):
        text = arrow.cast(TEXT)
    elif pa.types.is_null(kind):
        text = pa.nulls(len(arrow), TEXT)
    else:
        return _python_text(arrow.to_pylist(), column)
    return _with_problems(text, missing, column)


def _with_problems(text: pa.Array, missing: pa.Array, column: str) -> BlockText:
    """Null out missing and blank cells and record why."""
    blank = pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text))
    bad = pc.or_kleene(missing, pc.fill_null(blank, False))
    problems: dict[int, str] = {}
    if pc.any(bad).as_py():
        missing_idx = pc.indices_nonzero(pc.fill_null(missing, True)).to_pylist()
        blank_idx = pc.indices_nonzero(pc.fill_null(blank, False)).to_pylist()
        for i in blank_idx:
            problems[i] = f"column {column!r} is empty"
        for i in missing_idx:
            problems[i] = f"column {column!r} is missing (None/NaN)"
        text = pc.if_else(bad, pa.scalar(None, TEXT), text)
    return BlockText(text.cast(TEXT), problems)


def _python_text(values: list[Any], column: str) -> BlockText:
    """The slow path for object columns (mixed types, lone surrogates); same rule as Arrow's."""
    out: list[str | None] = []
    problems: dict[int, str] = {}
    for i, value in enumerate(values):
        text, problem = python_cell_text(value, column)
        if problem is not None:
            problems[i] = problem
            text = None
        out.append(text)
    return BlockText(pa.array(out, TEXT), problems)


def python_cell_text(value: Any, column: str) -> tuple[str | None, str | None]:
    """Return (text, None) or (None, reason) for one Python cell value."""
    if _is_missing(value):
        return None, f"column {column!r} is missing (None/NaN)"
    converter = _converter(value)
    try:
        text = converter(value)
    except UnicodeDecodeError:
        return None, f"column {column!r} holds bytes that are not UTF-8"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = text[exc.start]
        return None, (
            f"column {column!r} holds a lone surrogate {char!r} at character {exc.start}, "
            "which is not valid Unicode and cannot be sent"
        )
    if not text.strip():
        return None, f"column {column!r} is empty"
    return text, None


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA and pandas.NaT, recognised without importing pandas
    return type(value).__name__ in {"NAType", "NaTType"}


def _converter(value: Any) -> Callable[[Any], str]:
    if isinstance(value, str):
        return str
    if isinstance(value, bool):
        return lambda v: "true" if v else "false"
    if isinstance(value, float):
        return _float_text
    if isinstance(value, (int, decimal.Decimal)):
        return str
    if isinstance(value, (bytes, bytearray, memoryview)):
        return lambda v: bytes(v).decode("utf-8")
    if isinstance(value, dt.datetime):
        return lambda v: v.isoformat()
    if isinstance(value, dt.date):
        return lambda v: v.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return _json_text
    if hasattr(value, "tolist"):  # numpy scalars and arrays: their Python value decides
        return lambda v: python_cell_text(v.tolist(), "")[0] or ""
    return str


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
