"""The first rows of a finished job's result columns, as short text cells for a glance.

The progress widget shows them under a finished batch, so the user sees what came back before
asking for the whole frame. Only the output columns (and the row's index label) are shown, each
cell cut to a few dozen characters with invisible characters taken out: answers are model
output, and the widget escapes every cell (``render.render_table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from xai_magics.batch.columns import output_columns
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.job import JobInputs
from xai_magics.batch.outcomes import RowOutcomes
from xai_magics.rendering.controls import strip_controls
from xai_magics.usage import format_usd

PREVIEW_ROWS = 5
CELL_CHARS = 60


class _Job(Protocol):
    """What a `BatchJob` and a `SplitJob` both offer."""

    @property
    def output(self) -> str: ...
    @property
    def inputs(self) -> JobInputs | None: ...
    def outcomes(self) -> RowOutcomes: ...


@dataclass(frozen=True)
class ResultPreview:
    """The first ``rows`` of the result columns, every cell already text."""

    headers: list[str]
    rows: list[list[str]]
    n_rows: int  # rows in the whole result

    @property
    def caption(self) -> str:
        shown = len(self.rows)
        return f"first {shown:,} of {self.n_rows:,} rows" if shown < self.n_rows else "all rows"


def preview(job: _Job, n: int = PREVIEW_ROWS) -> ResultPreview:
    """The first ``n`` rows of ``job``'s output columns (the error column only if one has one)."""
    inputs = job.inputs
    schema = inputs.schema if inputs is not None else None
    outcomes = job.outcomes()
    total = len(outcomes.status)
    columns = output_columns(outcomes.head(n), job.output, schema)
    error = f"{job.output}_error"
    if all(value is None for value in columns[error].to_pylist()):
        del columns[error]
    shown = range(min(n, total))
    labels = _labels(inputs, list(shown))
    headers = ["row", *columns]
    rows = []
    for i in shown:
        cells = [_cell(name, column[i].as_py()) for name, column in columns.items()]
        rows.append([labels.get(i, str(i)), *cells])
    return ResultPreview(headers, rows, total)


def _labels(inputs: JobInputs | None, positions: list[int]) -> dict[int, str]:
    """Index labels where the frame has an index (pandas), else row positions."""
    if inputs is None:
        return {}
    source: FrameSource = inputs.full_source or inputs.source
    try:
        return source.index_labels(positions)
    except (IndexError, KeyError, TypeError, ValueError):
        return {}


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name.endswith("_cost_usd") and isinstance(value, float):
        return format_usd(value)
    text = " ".join(strip_controls(str(value)).split())
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
