"""Row outcomes to output columns, attached to the user's frame (same type, same index).

Columns, for ``output="answer"``: ``answer`` (or, with a schema, one column per schema field),
``answer_status``, ``answer_error``, ``answer_input_tokens``, ``answer_output_tokens`` (reasoning
included, as it is billed), ``answer_reasoning_tokens`` (the part of the output that was
reasoning), ``answer_cost_usd``. The companions carry the output name so a second
batch into another column never overwrites the first one's status.

A column of the user's that has one of these names is never overwritten: the join is refused
with a message naming ``--output``. The one exception is an earlier copy of the same job's
output (``df = job.results(df)`` run twice, a re-run cell): every output column is there, and
each row's old status could have become its new one (a pending or failed row may have any
outcome now; an answered row keeps its answer and tokens, a skipped row stays skipped). An
earlier copy made before the token count was split (one ``answer_tokens`` column, input and
output added up) is recognised the same way, and its ``answer_tokens`` column is replaced too;
so is one made before ``answer_reasoning_tokens`` was kept (the column is added).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.frame import FrameError, FrameSource
from xai_magics.batch.outcomes import FINAL_STATUSES, RowOutcomes


class OutputClashError(FrameError):
    """The frame already has columns, not from this job, that the output would overwrite."""


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
    input_name, output_name = _token_names(output)
    columns[input_name] = pa.array(outcomes.input_tokens, pa.int64())
    columns[output_name] = pa.array(outcomes.output_tokens, pa.int64())
    columns[f"{output}_reasoning_tokens"] = pa.array(outcomes.reasoning_tokens, pa.int64())
    columns[f"{output}_cost_usd"] = pa.array(outcomes.cost_usd, pa.float64())
    return columns


COMPANIONS = ("status", "error", "input_tokens", "output_tokens", "reasoning_tokens", "cost_usd")


def _token_names(output: str) -> tuple[str, str]:
    return f"{output}_input_tokens", f"{output}_output_tokens"


def _legacy_tokens(source: FrameSource, output: str) -> str | None:
    """The total-tokens column of an earlier copy made before the split, if the frame has one
    (and none of the split columns)."""
    old = f"{output}_tokens"
    split = _token_names(output)
    if old in source.labels and not any(name in source.labels for name in split):
        return old
    return None


def join(source: FrameSource, columns: dict[str, pa.Array], output: str) -> Any:
    """The user's frame with the output columns (replacing an earlier copy of the same output)."""
    refuse_overwrite(source, columns, output)
    return source.with_columns(columns, drop=superseded(source, columns, output))


def superseded(source: FrameSource, columns: Mapping[str, pa.Array], output: str) -> list[str]:
    """Columns of an earlier copy that the new ones replace under another name (the old
    ``answer_tokens``); none when the frame holds no such copy."""
    old = _legacy_tokens(source, output)
    return [old] if old is not None and _earlier_copy(source, columns, output) else []


def output_names(output: str, schema: type[Any] | None = None) -> list[str]:
    """The columns ``output_columns`` makes, in order."""
    answers = [output] if schema is None else _schema_fields(schema)
    return [*answers, *(f"{output}_{part}" for part in COMPANIONS)]


def refuse_output_clash(
    source: FrameSource,
    output: str,
    schema: type[Any] | None,
    outcomes: Callable[[], RowOutcomes],
) -> None:
    """Before submitting: refuse an output that would overwrite other columns of the frame.

    ``outcomes`` gives the job's outcomes so far (pending rows for a new job); it is called only
    when a name clashes, so the common case costs one look at the frame's column names.
    """
    if any(name in source.labels for name in output_names(output, schema)):
        columns = output_columns(outcomes(), output, schema)
        refuse_overwrite(source, columns, output, " Nothing was sent.")


def refuse_overwrite(
    source: FrameSource, columns: Mapping[str, pa.Array], output: str, after: str = ""
) -> None:
    """Raise `OutputClashError` when ``columns`` would overwrite columns not from this job."""
    clash = [name for name in columns if name in source.labels]
    if not clash or _earlier_copy(source, columns, output):
        return
    listed = ", ".join(repr(name) for name in clash)
    raise OutputClashError(
        f"the frame already has column(s) {listed}, which the results would overwrite; "
        f"choose another --output (output=...), or rename or drop those columns.{after}"
    )


def _earlier_copy(source: FrameSource, columns: Mapping[str, pa.Array], output: str) -> bool:
    """True when the frame's same-named columns are an earlier copy of these very outcomes."""
    legacy = _legacy_tokens(source, output)
    split = _token_names(output)
    # columns an earlier version's copy does not have
    newer = {f"{output}_reasoning_tokens", *(split if legacy is not None else ())}
    expected = [name for name in columns if name not in newer]
    if any(name not in source.labels for name in expected):
        return False
    try:
        old_status = _existing(source, f"{output}_status", pa.large_string())
        token_names = [legacy] if legacy is not None else list(split)
        old_tokens = [_existing(source, name, pa.float64()) for name in token_names]
        old_answer = _existing(source, output, pa.large_string()) if output in columns else None
    except (pa.ArrowException, ValueError, TypeError):
        return False  # not text or numbers where ours would be: a column of the user's
    status = columns[f"{output}_status"]
    known = pc.fill_null(pc.is_in(old_status, pa.array([*FINAL_STATUSES, "pending"])), False)
    if not pc.all(known).as_py():
        return False
    was_ok = pc.equal(old_status, "ok")
    new_tokens = [columns[name] for name in split]
    if legacy is not None:
        new_tokens = [_total(*new_tokens)]
    kept = pc.equal(status, "ok")
    for old, new in zip(old_tokens, new_tokens, strict=True):
        kept = pc.and_(kept, _same(old, new))
    if old_answer is not None:
        kept = pc.and_(kept, _same(old_answer, columns[output]))
    was_skipped = pc.equal(old_status, "skipped")
    broken = pc.or_(
        pc.and_(was_ok, pc.invert(kept)), pc.and_(was_skipped, pc.not_equal(status, "skipped"))
    )
    return not pc.any(broken).as_py()


def _existing(source: FrameSource, name: str, kind: pa.DataType) -> pa.Array:
    arrow = source.series(name, 0, source.n_rows).to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return arrow.cast(kind)


def _total(input_tokens: pa.Array, output_tokens: pa.Array) -> pa.Array:
    """Input plus output tokens, as the single column before the split held them."""
    total = pc.add(pc.fill_null(input_tokens, 0), pc.fill_null(output_tokens, 0))
    neither = pc.and_(pc.is_null(input_tokens), pc.is_null(output_tokens))
    return pc.if_else(neither, pa.scalar(None, total.type), total)


def _same(old: pa.Array, new: pa.Array) -> pa.Array:
    """Element-wise equality where two nulls are equal too."""
    new = new.cast(old.type)
    both_null = pc.and_(pc.is_null(old), pc.is_null(new))
    return pc.or_(pc.fill_null(pc.equal(old, new), False), both_null)


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
