"""Answers and expected values as normalised text, compared a million at a time in Arrow.

The normal form: case folded, runs of whitespace (what ``str.isspace`` calls whitespace) made
one space, and the quoting, emphasis and closing punctuation models wrap short answers in
("**42**.") taken off both ends. ``exact`` compares answers after one cased-and-trimmed pass
and collapses whitespace only in rows that differ and may hold some (a control character, a
non-ASCII byte or a double space, found with numpy over Arrow's bytes). Expected values are
coded once per distinct value: integers in a compact range by subtraction, strings by Arrow,
the rest by pandas' hash table.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

__all__ = ["encode", "exact_matches", "normalise", "normalised_codes"]

Array = np.ndarray[Any, Any]

# What Python's str.isspace() calls whitespace, for RE2 (whose \s is only [\t\n\f\r ]).
_WHITESPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]+"
)
LEADING = " \t\n\r*_\"'`“”‘’"
TRAILING = LEADING + ".!?;:,"


def _trim(v: pa.Array) -> pa.Array:
    return pc.utf8_ltrim(pc.utf8_rtrim(v, TRAILING), LEADING)


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
    odd = (data - np.uint8(0x20)) >= 0x60  # below 0x20 (wrapping round) or from 0x80 up
    space = data == 0x20
    odd[:-1] |= space[:-1] & space[1:]
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


def exact_matches(answers: pd.Series, expected: pd.Series) -> tuple[Array, Array]:
    """``(passed, has_expected)``: answer and expected equal once normalised.

    Every distinct expected value is normalised once; answers get one cased-and-trimmed pass,
    and only those neither equal nor already normal are collapsed and compared again.
    """
    e_codes, e_texts = encode(expected)
    has_expected = e_codes >= 0
    everyone = bool(has_expected.all())
    want = pc.take(normalise(e_texts), pa.array(e_codes, mask=None if everyone else ~has_expected))
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


def encode(values: pd.Series) -> tuple[Array, pa.Array]:
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
    ints = _integers(values)
    if ints is not None and len(ints):
        low, high = int(ints.min()), int(ints.max())
        if high - low <= 4 * len(ints):  # a compact range (row numbers, quiz answers): no hashing
            span = pa.array(np.arange(low, high + 1, dtype=np.int64))
            return ints - low, pc.cast(span, pa.large_string())
    codes, uniques = pd.factorize(values)
    if np.asarray(uniques).dtype.kind in "iu":  # integers print the same in Arrow, in C
        return codes, pc.cast(pa.array(np.asarray(uniques)), pa.large_string())
    return codes, pa.array([_as_text(v) for v in uniques], type=pa.large_string())


def _integers(values: pd.Series) -> Array | None:
    """The values as int64 when they are integers (an object column of Python ints too, as
    the runner hands expected values over), else None. Checked and converted as a numpy
    array: a Series' ``astype`` takes about twice as long over a million objects."""
    import pandas as pd

    if not isinstance(values.dtype, np.dtype) or values.dtype.kind not in "iO":
        return None
    array: Array = values.to_numpy()
    if array.dtype.kind == "i":
        return array.astype(np.int64, copy=False)
    if pd.api.types.infer_dtype(array, skipna=False) != "integer":
        return None
    try:
        return array.astype(np.int64)
    except OverflowError:  # beyond int64: hashed as objects, like other values
        return None


def _take(mapping: Array, codes: Array) -> Array:
    """``mapping[codes]``, -1 where the code is -1."""
    if not len(mapping):
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes >= 0, mapping[np.maximum(codes, 0)], -1)


def normalised_codes(answers: pd.Series, expected: pd.Series) -> tuple[Array, Array, pa.Array]:
    """Codes into one table of normalised texts, for answers and expected (-1: missing)."""
    a_codes, a_dictionary = encode(answers)
    e_codes, e_dictionary = encode(expected)
    both = pc.dictionary_encode(normalise(pa.concat_arrays([a_dictionary, e_dictionary])))
    shared = both.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    split = len(a_dictionary)
    return _take(shared[:split], a_codes), _take(shared[split:], e_codes), both.dictionary
