"""Column templates: ``"Classify: {review}"`` rendered once per DataFrame row.

The rule is ``xai_magics.templates`` (the one ``%%grok`` uses), applied to columns:

- ``{name}`` inserts column ``name`` when ``name`` is a Python identifier.
- ``{[any label]}`` inserts a column whose label is not an identifier, e.g. ``{[review text]}``
  or ``{[2024 sales]}``; the label runs to the first ``]}``.
- ``{{name}}`` and ``{{[any label]}}`` send the braces literally; any other braces (``{"a": 1}``,
  ``{x.y}``, ``{f()}``) are left exactly as written and nothing is ever evaluated.
- Single pass: a cell whose text contains ``{other}`` arrives verbatim.

A template is parsed once into literal and column parts; rendering over columns is vectorised in
``prompts.py``, so this module only parses and checks names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xai_magics import templates
from xai_magics.templates import TemplateError, UnknownNameError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACKETED = re.compile(r"\{\{\[(.+?)\]\}\}|\{\[(.+?)\]\}", re.DOTALL)

__all__ = ["ColumnTemplate", "Field", "MissingColumnError", "TemplateError", "parse_template"]


@dataclass(frozen=True)
class Field:
    """A ``{column}`` placeholder."""

    column: str


class MissingColumnError(UnknownNameError):
    """The template names a column the frame does not have; says which one is closest."""

    def __init__(self, column: str, available: Sequence[str]) -> None:
        super().__init__(column, _suggest(column, available), where="the frame's columns")
        listed = ", ".join(repr(label) for label in available[:20])
        more = f" (and {len(available) - 20} more)" if len(available) > 20 else ""
        self.args = (f"{self.args[0]} Columns: {listed}{more}.",)


@dataclass(frozen=True)
class ColumnTemplate:
    """A parsed template: literal strings and column fields, in order."""

    source: str
    parts: tuple[str | Field, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the template uses, in first-use order, each once."""
        seen: dict[str, None] = {}
        for part in self.parts:
            if isinstance(part, Field):
                seen.setdefault(part.column, None)
        return tuple(seen)

    def check_columns(self, available: Sequence[str]) -> None:
        """Raise `MissingColumnError` (naming the closest column) when a column is missing."""
        for column in self.columns:
            if column not in available:
                raise MissingColumnError(column, available)

    def render(self, row: Mapping[str, str]) -> str:
        """Render one row (previews and tests; bulk rendering is vectorised)."""
        return "".join(part if isinstance(part, str) else row[part.column] for part in self.parts)


def parse_template(source: str) -> ColumnTemplate:
    """Parse ``source`` in one pass; a template must use at least one column."""
    parts: list[str | Field] = []
    position = 0
    for match in _BRACKETED.finditer(source):
        parts.extend(_plain_parts(source[position : match.start()]))
        escaped, label = match.group(1), match.group(2)
        parts.append("{[" + escaped + "]}" if escaped is not None else Field(label))
        position = match.end()
    parts.extend(_plain_parts(source[position:]))
    merged = _merge_literals(parts)
    if not any(isinstance(part, Field) for part in merged):
        raise TemplateError(
            "the prompt uses no column, so every row would get the same request; "
            "name a column as {column} or {[column with spaces]}"
        )
    return ColumnTemplate(source, tuple(merged))


def _plain_parts(text: str) -> list[str | Field]:
    return [s if isinstance(s, str) else Field(s.name) for s in templates.parse(text)]


def _merge_literals(parts: list[str | Field]) -> list[str | Field]:
    merged: list[str | Field] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def placeholder(column: str) -> str:
    """How a column is written in a template: ``{name}`` or ``{[label with spaces]}``."""
    return f"{{{column}}}" if _IDENTIFIER.fullmatch(column) else f"{{[{column}]}}"


def _suggest(column: str, available: Sequence[str]) -> str | None:
    found = templates.closest(column, available)
    if found is None:
        lowered = {label.lower(): label for label in available}
        found = lowered.get(column.lower())
    if found is None:
        return None
    return found if _IDENTIFIER.fullmatch(found) else f"[{found}]"
