"""``{name}`` interpolation for prompts (``%%grok``) and per-row templates (``%grok_batch``).

The rule, chosen so that code pasted into a prompt survives:

* ``{identifier}`` (exactly a Python identifier between single braces, nothing else) is a field.
  Its value comes from the ``lookup`` callable; an unknown name is an error that names the closest
  known name, because a silent literal ``{nmae}`` in a prompt costs money and is hard to spot.
* ``{{identifier}}`` is the escape: it sends ``{identifier}`` literally. Doubled braces anywhere
  else are left as written, because nested JSON and code end in ``}}`` all the time
  (``{"a": {"b": 1}}``) and must not lose a brace.
* Anything else in braces (``{k: v for k, v in d}``, ``{"a": 1}``, ``{obj.attr}``, ``{d['k']}``,
  ``{f()}``, ``{x:>10}``, ``{ x }``) is left exactly as written: no attribute, index, call or format
  spec is ever evaluated.
* ``${name}`` (JavaScript template literals, shell) is left as written too.
* Single pass: an interpolated value is never scanned again, so a value containing ``{other}``
  stays as it is.

``str.format`` is not used anywhere: it evaluates attributes and indexes and fails on code.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "Field",
    "TemplateError",
    "UnknownNameError",
    "field_names",
    "format_value",
    "interpolate",
    "parse",
]

_TOKEN = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: Rows of a DataFrame shown when one is interpolated.
HEAD_ROWS = 5
#: Longest cell value shown in a DataFrame head; longer values are cut with an ellipsis.
CELL_CHARS = 80


class TemplateError(ValueError):
    """A template cannot be filled; the message says how to fix it."""


class UnknownNameError(TemplateError):
    """A ``{name}`` field names nothing the lookup knows."""

    def __init__(self, name: str, suggestion: str | None, *, where: str = "the namespace") -> None:
        self.name = name
        self.suggestion = suggestion
        hint = f" Did you mean {{{suggestion}}}?" if suggestion else ""
        super().__init__(
            f"{{{name}}} is not defined in {where}.{hint} "
            f"Write {{{{{name}}}}} to send the braces literally."
        )


@dataclass(frozen=True)
class Field:
    """One ``{name}`` field, with its span in the template."""

    name: str
    start: int
    end: int


Segment = str | Field


def parse(template: str) -> tuple[Segment, ...]:
    """Split a template into literal text and fields (escapes already resolved)."""
    segments: list[Segment] = []
    literal: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(template):
        literal.append(template[pos : match.start()])
        escaped, name = match.group(1), match.group(2)
        if escaped is not None:
            literal.append("{" + escaped + "}")
        else:
            if literal:
                segments.append("".join(literal))
                literal = []
            segments.append(Field(name, match.start(), match.end()))
        pos = match.end()
    literal.append(template[pos:])
    tail = "".join(literal)
    if tail:
        segments.append(tail)
    return tuple(segments)


def field_names(template: str) -> list[str]:
    """The distinct field names, in order of first use."""
    seen: dict[str, None] = {}
    for segment in parse(template):
        if isinstance(segment, Field):
            seen.setdefault(segment.name, None)
    return list(seen)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The known name closest to ``name``, if any is close enough to be a likely typo."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def interpolate(
    template: str,
    lookup: Callable[[str], object],
    *,
    candidates: Callable[[], Iterable[str]] = tuple,
    to_text: Callable[[object], str] | None = None,
    where: str = "the namespace",
) -> str:
    """Fill every ``{name}`` field with ``to_text(lookup(name))`` in a single pass.

    ``lookup`` raises ``KeyError`` for an unknown name; ``candidates`` is only called then, to
    suggest the closest name in the error.
    """
    render = format_value if to_text is None else to_text
    out: list[str] = []
    for segment in parse(template):
        if isinstance(segment, str):
            out.append(segment)
            continue
        try:
            value = lookup(segment.name)
        except KeyError:
            raise UnknownNameError(
                segment.name, closest(segment.name, candidates()), where=where
            ) from None
        out.append(render(value))
    return "".join(out)


def format_value(value: object) -> str:
    """Text for one interpolated value: strings as they are, DataFrames as schema + head."""
    if isinstance(value, str):
        return value
    if _looks_like_dataframe(value):
        return describe_dataframe(value)
    return str(value)


def _looks_like_dataframe(value: object) -> bool:
    # Duck-typed so that neither pandas nor polars is imported to interpolate a string.
    return all(hasattr(value, attr) for attr in ("columns", "shape", "head")) and not isinstance(
        value, type
    )


def describe_dataframe(frame: object, *, rows: int = HEAD_ROWS) -> str:
    """A compact view of a table for a model: shape, column types, then the first rows as CSV."""
    shape = getattr(frame, "shape", (0, 0))
    n_rows, n_cols = (int(shape[0]), int(shape[1])) if len(shape) == 2 else (0, 0)
    kind = type(frame).__name__
    columns = [str(c) for c in getattr(frame, "columns", [])]
    types = _column_types(frame, columns)
    lines = [f"{kind} with {n_rows} rows × {n_cols} columns"]
    described = (f"{c} ({t})" if t else c for c, t in zip(columns, types, strict=False))
    lines.append("columns: " + ", ".join(described))
    shown = min(rows, n_rows)
    if shown:
        lines.append(f"first {shown} rows (CSV):")
        lines.append(",".join(_csv_cell(c) for c in columns))
        for row in _head_rows(frame, shown, len(columns)):
            lines.append(",".join(_csv_cell(_cut(str(v))) for v in row))
    return "\n".join(lines)


def _column_types(frame: object, columns: list[str]) -> list[str]:
    dtypes = getattr(frame, "dtypes", None)
    if dtypes is None:
        return [""] * len(columns)
    values = list(dtypes.values()) if hasattr(dtypes, "values") and callable(dtypes.values) else []
    if not values:
        try:
            values = list(dtypes)
        except TypeError:
            return [""] * len(columns)
    return [str(t) for t in values][: len(columns)] + [""] * (len(columns) - len(values))


def _head_rows(frame: object, n: int, width: int) -> list[list[object]]:
    head = frame.head(n)  # type: ignore[attr-defined]
    if hasattr(head, "itertuples"):  # pandas
        return [list(r) for r in head.itertuples(index=False, name=None)]
    if hasattr(head, "iter_rows"):  # polars
        return [list(r) for r in head.iter_rows()]
    if hasattr(head, "to_pylist"):  # pyarrow
        return [list(r.values()) for r in head.to_pylist()]
    return [[str(head)]]


def _cut(text: str) -> str:
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
