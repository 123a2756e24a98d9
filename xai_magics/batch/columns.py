"""Row outcomes to output columns, attached to the user's frame (same type, same index).

Columns, for ``output="answer"``: ``answer`` (or, with a schema, one column per schema field),
``answer_status``, ``answer_error``, ``answer_tokens``, ``answer_cost_usd``. The companions carry
the output name so a second batch into another column never overwrites the first one's status;
running the same join twice replaces its own columns instead of adding duplicates.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from xai_magics.batch.frame import FrameSource
from xai_magics.batch.outcomes import RowOutcomes


def output_columns(
    outcomes: RowOutcomes, output: str, schema: type[Any] | None = None
) -> dict[str, pa.Array]:
    """The new columns, in order; ``schema`` (a pydantic model) splits answers into fields."""
    columns: dict[str, pa.Array] = {}
    status = list(outcomes.status)
    error = list(outcomes.error)
    if schema is None:
        columns[output] = pa.array(outcomes.answer, pa.large_string())
    else:
        fields = _schema_fields(schema)
        values: dict[str, list[Any]] = {name: [None] * len(status) for name in fields}
        for i, answer in enumerate(outcomes.answer):
            if status[i] != "ok" or answer is None:
                continue
            try:
                parsed = schema.model_validate_json(answer)
            except ValueError as exc:
                status[i] = "error"
                error[i] = f"the answer does not match {schema.__name__}: {_first_line(exc)}"
                continue
            for name in fields:
                values[name][i] = _cell(getattr(parsed, name))
        for name, column in values.items():
            columns[name] = pa.array(column)
    columns[f"{output}_status"] = pa.array(status, pa.large_string())
    columns[f"{output}_error"] = pa.array(error, pa.large_string())
    columns[f"{output}_tokens"] = pa.array(outcomes.tokens, pa.int64())
    columns[f"{output}_cost_usd"] = pa.array(outcomes.cost_usd, pa.float64())
    return columns


def join(source: FrameSource, columns: dict[str, pa.Array]) -> Any:
    """The user's frame with the output columns (replacing same-named ones from an earlier run)."""
    return source.with_columns(columns, replace=True)


def _schema_fields(schema: type[Any]) -> list[str]:
    fields = getattr(schema, "model_fields", None)
    if not isinstance(fields, dict):
        raise TypeError(f"--schema expects a pydantic model class, got {schema!r}")
    return list(fields)


def _cell(value: Any) -> Any:
    """Scalars stay as they are; nested models and containers become JSON text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        value = dump(mode="json")
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), (str, int)):
        return value.value  # enums
    return json.dumps(value, ensure_ascii=False, default=str)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
