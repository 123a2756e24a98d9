"""Cells to prompt text: one documented, deterministic rule for every column type.

A template column becomes text block by block (so memory stays near the frame's own size):

- strings pass through unchanged;
- integers, floats and decimals are written as Arrow casts them (``3``, ``2.5``, ``1e+20``; a
  float holding a whole number loses its ``.0``: ``1.0`` -> ``1``); booleans as ``true``/``false``;
- dates as ``YYYY-MM-DD``, times and timestamps as ISO 8601 (``2024-01-02T03:04:05``, a
  fraction without its trailing zeros, ``Z`` or ``+01:00`` for a time zone);
- categoricals as their category's text;
- lists, structs, maps and dicts as compact JSON, as the cell holds them (a map or dict becomes a
  JSON object, non-ASCII kept, dates inside as ISO 8601); pandas object columns keep each
  dict's own keys (Arrow would give every row the union of all rows' keys);
- bytes are decoded as UTF-8;
- anything else through ``str()`` (pandas periods ``2024-01``, intervals ``(0, 1]``, durations
  ``1 day, 2:00:00``, complex numbers ``(1+2j)``).

A cell that cannot become a prompt makes its row *skipped* (never sent), with a reason that
names the column and what the cell holds: missing (``NaN``, ``NaT``, ``NA``, ``None`` or
``null``, as the frame's library calls it), an empty or blank string, bytes that are not UTF-8,
or a string holding a lone surrogate (``"\\ud800"``), which no UTF-8 request can carry.

Flat columns are converted with vectorised Arrow kernels; nested and mixed-type columns go
through Python one cell at a time (they are rare, and JSON has no Arrow kernel).
"""

from __future__ import annotations

import cmath
import datetime as dt
import decimal
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
_FRACTION_ZEROS = re.compile(r"(\.\d+)(?=[+-]\d\d:\d\d$|$)")


@dataclass
class BlockText:
    """One column's text for a block of rows: null where the row has a problem."""

    text: pa.LargeStringArray
    problems: dict[int, str] = field(default_factory=dict)  # offset in block -> reason


def column_block_text(series: Any, column: str) -> BlockText:
    """Convert a narwhals Series slice to text following the module's rule."""
    native = series.to_native()
    # pandas object columns name each missing value after its own type; polars says null
    none_word = None if type(native).__module__.startswith("pandas") else "null"
    if _python_only(native):
        return _python_text(series.to_list(), column, none_word)
    try:
        arrow = series.to_arrow()
    except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError):
        return _python_text(series.to_list(), column, none_word)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if pa.types.is_nested(arrow.type) and _is_pandas_object(native):
        # Arrow infers one struct type for all the dicts, adding every key to every row
        return _python_text(series.to_list(), column)
    return _arrow_text(arrow, column, _missing_word(native))


def _arrow_text(arrow: pa.Array, column: str, missing_word: str) -> BlockText:
    kind = arrow.type
    if pa.types.is_dictionary(kind):
        arrow = arrow.dictionary_decode()
        kind = arrow.type
    missing = arrow.is_null()
    nan: pa.Array | None = None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        text = arrow.cast(TEXT)
    elif pa.types.is_floating(kind):
        # is_nan is null where the cell is null: filled, or the row would look fine
        nan = pc.fill_null(pc.is_nan(arrow), False)
        text = arrow.cast(TEXT)
    elif pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_boolean(kind):
        text = arrow.cast(TEXT)
    elif pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        text = _iso_timestamps(arrow.cast(TEXT))
    elif pa.types.is_date(kind):
        text = arrow.cast(TEXT)
    elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        try:
            text = arrow.cast(TEXT)  # one check of the whole block; per cell only if it fails
        except pa.ArrowInvalid:
            return _python_text(arrow.to_pylist(), column, missing_word)
    elif pa.types.is_null(kind):
        text = pa.nulls(len(arrow), TEXT)
    else:
        return _python_text(_python_values(arrow), column, missing_word)
    return _with_problems(text, missing, nan, column, missing_word)


def _iso_timestamps(text: pa.Array) -> pa.Array:
    """Arrow's ``2024-01-02 03:04:05.500000+0100`` as ISO 8601: ``2024-01-02T03:04:05.5+01:00``."""
    text = pc.replace_substring(text, " ", "T")
    text = pc.replace_substring_regex(text, r"(\.\d*?)0+(Z|[+-]\d{4})?$", r"\1\2")
    text = pc.replace_substring_regex(text, r"\.(Z|[+-]\d{4})?$", r"\1")
    return pc.replace_substring_regex(text, r"([+-]\d\d)(\d\d)$", r"\1:\2")


def _with_problems(
    text: pa.Array, missing: pa.Array, nan: pa.Array | None, column: str, missing_word: str
) -> BlockText:
    """Null out missing and blank cells and record why."""
    blank = pc.fill_null(pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text)), False)
    bad = pc.or_(missing, blank) if nan is None else pc.or_(pc.or_(missing, nan), blank)
    problems: dict[int, str] = {}
    if pc.any(bad).as_py():
        for i in pc.indices_nonzero(blank).to_pylist():
            problems[i] = f"column {column!r} is empty"
        if nan is not None:
            for i in pc.indices_nonzero(nan).to_pylist():
                problems[i] = f"column {column!r} is missing (NaN)"
        for i in pc.indices_nonzero(missing).to_pylist():
            problems[i] = f"column {column!r} is missing ({missing_word})"
        text = pc.if_else(bad, pa.scalar(None, TEXT), text)
    return BlockText(text.cast(TEXT), problems)


def _python_only(native: Any) -> bool:
    """Columns whose Arrow form loses what the cell says: read their Python values instead.

    pandas periods become ordinals and intervals structs in Arrow, complex numbers have no
    Arrow type, and a polars Object column holds arbitrary Python objects.
    """
    dtype = getattr(native, "dtype", None)
    module = type(native).__module__
    if module.startswith("pandas"):
        kind = getattr(dtype, "kind", "")
        return kind == "c" or type(dtype).__name__ in {"PeriodDtype", "IntervalDtype"}
    return module.startswith("polars") and str(dtype) == "Object"


def _is_pandas_object(native: Any) -> bool:
    """True for a pandas Series of dtype ``object`` (any Python values, one by one)."""
    dtype = getattr(native, "dtype", None)
    return (
        type(native).__module__.startswith("pandas")
        and getattr(dtype, "kind", "") == "O"
        and (type(dtype).__module__.startswith("numpy"))
    )


def _missing_word(native: Any) -> str:
    """What the frame's library calls a missing cell of this column, for skip reasons."""
    if not type(native).__module__.startswith("pandas"):
        return "null"  # polars, pyarrow
    dtype = native.dtype
    na_value = getattr(dtype, "na_value", None)  # pandas' own dtypes say which missing value
    if na_value is not None:
        return _missing_name(na_value) or "NA"
    kind = getattr(dtype, "kind", "")
    return {"f": "NaN", "c": "NaN", "M": "NaT", "m": "NaT"}.get(kind, "None/NaN")


def _python_values(arrow: pa.Array) -> list[Any]:
    """Python values of a nested Arrow column, maps as dicts (JSON objects, not pair lists)."""
    values: list[Any] = arrow.to_pylist(maps_as_pydicts="lossy")
    return values


def _python_text(values: list[Any], column: str, missing_word: str | None = None) -> BlockText:
    """The slow path for nested and object columns; same rule as Arrow's."""
    out: list[str | None] = []
    problems: dict[int, str] = {}
    for i, value in enumerate(values):
        text, problem = python_cell_text(value, column, missing_word)
        if problem is not None:
            problems[i] = problem
            text = None
        out.append(text)
    return BlockText(pa.array(out, TEXT), problems)


def python_cell_text(
    value: Any, column: str, missing_word: str | None = None
) -> tuple[str | None, str | None]:
    """Return (text, None) or (None, reason) for one Python cell value.

    ``missing_word`` names a None the way the column's library does (a null in a polars list
    column is ``null``); by default a missing value is named after its own type.
    """
    word = _missing_name(value)
    if word is not None:
        if value is None and missing_word:
            word = missing_word
        return None, f"column {column!r} is missing ({word})"
    if type(value).__module__ == "numpy":  # numpy scalars and arrays: their Python value decides
        return python_cell_text(value.tolist(), column, missing_word)
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


def _missing_name(value: Any) -> str | None:
    """``None``, ``NaN``, ``NA`` or ``NaT`` for a missing value, else None."""
    if value is None:
        return "None"
    if isinstance(value, (float, complex)) and cmath.isnan(value):
        return "NaN"
    name = type(value).__name__
    # pandas.NA and pandas.NaT, recognised without importing pandas
    if name in {"NAType", "NaTType"}:
        return name[:-4]
    if name in {"datetime64", "timedelta64"} and value != value:  # numpy's NaT
        return "NaT"
    if name.startswith("float") and type(value).__module__ == "numpy" and value != value:
        return "NaN"
    return None


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
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _iso
    if isinstance(value, (list, tuple, dict)):
        return _json_text
    return str


def _iso(value: dt.date | dt.time) -> str:
    """ISO 8601 as the Arrow path writes it: a fraction without its trailing zeros."""
    return _FRACTION_ZEROS.sub(lambda m: m.group(1).rstrip("0").rstrip("."), value.isoformat())


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    except (TypeError, ValueError):  # keys JSON cannot hold (tuples), circular containers
        return str(value)


def _json_default(value: Any) -> Any:
    """Values inside a nested cell that JSON has no type for, by the same rule as cells."""
    if type(value).__module__ == "numpy":
        return value.tolist()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _iso(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)
