"""The shapes of the variables a failing line names, for a prompt that asks why it failed.

A KeyError on ``df["price"]`` is fixed by knowing that the column is ``Price``: the front end asks
the kernel (silently, through ``user_expressions``) to describe the names in the failing line,
and puts the answer in the ``%%grok`` cell it inserts. The description says what things *are*,
never what they hold: DataFrames give their shape, columns and dtypes; Series and arrays their
dtype and length; strings and built-in containers their type and length; anything else only its
type (its len() could run a whole Dask or database computation). No string's value, nothing from
``os.environ``, nothing that looks like a key, and never more than ``MAX_CHARS`` characters.
"""

from __future__ import annotations

import io
import json
import keyword
import os
import re
import sys
import tokenize
from collections.abc import Iterator, Mapping
from typing import Any

from xai_magics.client.redact import redact

__all__ = ["MAX_CHARS", "MAX_COLUMNS", "MAX_NAMES", "describe_in_kernel", "describe_names"]

MAX_NAMES = 8
MAX_COLUMNS = 40
MAX_CHARS = 2000
_MAX_LABEL = 60
_MAX_CODE = 4000
# Containers whose len() is cheap and side-effect free.
_SIZED = (list, tuple, dict, set, frozenset, range)
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
# Environment values this short are ordinary words ("1", "true", "en_US"), not secrets.
_MIN_ENV_VALUE = 8


class JsonText:
    """A string whose repr is its JSON literal: ``user_expressions`` return ``text/plain``
    reprs, and a JSON literal is what the front end can parse safely."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return json.dumps(self.text)


def describe_in_kernel(code: str) -> JsonText:
    """The description of ``code``'s names in the running IPython's namespace (the expression
    the front end evaluates); empty outside IPython."""
    from IPython import get_ipython

    shell = get_ipython()
    namespace = getattr(shell, "user_ns", None) or {}
    return JsonText(describe_names(code, namespace))


def describe_names(code: str, namespace: Mapping[str, Any]) -> str:
    """One line (plus column lines) per name in ``code`` bound in ``namespace``, capped."""
    lines: list[str] = []
    for name in _names(code[:_MAX_CODE]):
        if name not in namespace or name.startswith("_"):
            continue
        described = _describe(name, namespace[name])
        if described:
            lines.append(described)
        if len(lines) == MAX_NAMES:
            break
    text = _scrub("\n".join(lines))
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - 1].rsplit("\n", 1)[0] + "\n…"
    return text


def _names(code: str) -> Iterator[str]:
    """Names the code reads, in order, once each: not attributes, keywords or text in strings."""
    seen: set[str] = set()
    for name in _tokens(code):
        if name not in seen and not keyword.iskeyword(name):
            seen.add(name)
            yield name


def _tokens(code: str) -> list[str]:
    names: list[str] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NAME and previous != ".":
                names.append(token.string)
            previous = token.string
    except (tokenize.TokenError, SyntaxError):
        # An unfinished line (an open bracket): fall back to a pattern; strings may leak names
        # in, but only names bound in the namespace are described, and never their text.
        return names or _IDENTIFIER.findall(code)
    return names


def _describe(name: str, value: Any) -> str:
    if value is os.environ or isinstance(value, type(os.environ)):
        return ""
    kind = _kind(value)
    frame = _frame_lines(value)
    if frame is not None:
        return f"{name}: {kind}" + "".join(frame)
    series = _series_line(value)
    if series is not None:
        return f"{name}: {kind}, {series}"
    if isinstance(value, (str, bytes, bytearray)):
        return f"{name}: {kind} of length {len(value)}"
    if isinstance(value, _SIZED):
        return f"{name}: {kind} of length {len(value)}"
    # Nothing else is asked its length: len() of a Dask DataFrame or a database relation runs
    # the whole computation.
    return f"{name}: {kind}"


def _kind(value: Any) -> str:
    cls = type(value)
    module = cls.__module__.split(".")[0]
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _frame_lines(value: Any) -> list[str] | None:
    """``, N rows × M columns`` and one line per column (name: dtype), for pandas and polars
    DataFrames (lazy polars and Dask frames: their columns only, counting rows would run them);
    None for anything else."""
    pandas = sys.modules.get("pandas")
    polars = sys.modules.get("polars")
    dask_frame = getattr(sys.modules.get("dask.dataframe"), "DataFrame", None)
    is_dask = isinstance(dask_frame, type) and isinstance(value, dask_frame)
    rows: int | None = None
    if pandas is not None and isinstance(value, pandas.DataFrame):
        pairs = [(column, str(dtype)) for column, dtype in value.dtypes.items()]
        rows = len(value)
    elif polars is not None and isinstance(value, polars.DataFrame):
        pairs = [(column, str(dtype)) for column, dtype in value.schema.items()]
        rows = value.height
    elif polars is not None and isinstance(value, polars.LazyFrame):
        # The schema only: resolving it runs no query (counting the rows would).
        pairs = [(column, str(dtype)) for column, dtype in value.collect_schema().items()]
    elif is_dask:
        # Dask keeps its dtypes as metadata; its row count is a computation.
        pairs = [(column, str(dtype)) for column, dtype in value.dtypes.items()]
    else:
        return None
    width = len(pairs)
    size = "" if rows is None else f"{rows} rows × "
    lines = [f", {size}{width} columns"]
    lines += [f"\n  {_label(column)}: {dtype}" for column, dtype in pairs[:MAX_COLUMNS]]
    if width > MAX_COLUMNS:
        lines.append(f"\n  … {width - MAX_COLUMNS} more columns")
    return lines


def _series_line(value: Any) -> str | None:
    pandas = sys.modules.get("pandas")
    polars = sys.modules.get("polars")
    numpy = sys.modules.get("numpy")
    if pandas is not None and isinstance(value, pandas.Series):
        return f"name {_label(value.name)}, dtype {value.dtype}, length {len(value)}"
    if polars is not None and isinstance(value, polars.Series):
        return f"name {_label(value.name)}, dtype {value.dtype}, length {len(value)}"
    if numpy is not None and isinstance(value, numpy.ndarray):
        return f"dtype {value.dtype}, shape {tuple(value.shape)}"
    return None


def _label(column: object) -> str:
    """A column name as the code would write it (repr shows a str's quotes), shortened."""
    text = repr(column)
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def _scrub(text: str) -> str:
    """Column names are data too: blank out anything key-shaped or equal to a long value of
    the environment."""
    for value in os.environ.values():
        if len(value) >= _MIN_ENV_VALUE and value in text:
            text = text.replace(value, "[redacted]")
    return redact(text)
