"""The first rows under a finished batch: output columns only, short cells, index labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from xai_magics.batch.frame import FrameSource
from xai_magics.batch.outcomes import RowOutcomes
from xai_magics.batch.preview import CELL_CHARS, preview


@dataclass
class _Inputs:
    source: FrameSource
    full_source: FrameSource | None = None
    schema: type[Any] | None = None


@dataclass
class _Job:
    outcomes_: RowOutcomes
    inputs: Any = None
    output: str = "sentiment"

    def outcomes(self) -> RowOutcomes:
        return self.outcomes_


def _outcomes(n: int) -> RowOutcomes:
    return RowOutcomes(
        status=["ok"] * (n - 1) + ["skipped"],
        answer=[f"answer\u200b {i}\n" + "x" * (i * 40) for i in range(n - 1)] + [None],
        error=[None] * (n - 1) + ["the review cell is empty"],
        input_tokens=[10] * (n - 1) + [None],
        output_tokens=[3] * (n - 1) + [None],
        cost_usd=[0.0001] * (n - 1) + [None],
        reasoning_tokens=[0] * (n - 1) + [None],
        service_tier=["default"] * (n - 1) + [None],
    )


def test_the_first_rows_with_index_labels_short_cells_and_dollars() -> None:
    frame = pd.DataFrame({"review": list("abcdefg")}, index=pd.Index(range(100, 107)))
    job = _Job(_outcomes(7), _Inputs(FrameSource.of(frame)))
    shown = preview(job, n=3)
    assert shown.headers[0] == "row"
    assert shown.headers[1:3] == ["sentiment", "sentiment_status"]
    assert [row[0] for row in shown.rows] == ["100", "101", "102"]
    assert shown.rows[0][1] == "answer 0"  # the zero-width space and the newline are gone
    assert all(len(cell) <= CELL_CHARS for row in shown.rows for cell in row)
    assert shown.rows[2][1].endswith("…")
    assert "$0.000100" in shown.rows[0]
    # no shown row has an error: the column would only take room
    assert "sentiment_error" not in shown.headers
    assert shown.caption == "first 3 of 7 rows"


def test_an_error_in_the_shown_rows_keeps_its_column_and_positions_stand_in_for_labels() -> None:
    shown = preview(_Job(_outcomes(2)))
    assert "sentiment_error" in shown.headers
    assert [row[0] for row in shown.rows] == ["0", "1"]
    assert "the review cell is empty" in shown.rows[1]
    assert shown.caption == "all rows"


def test_the_results_line_quotes_a_name_with_spaces_and_names_the_frame_when_unknown() -> None:
    from types import SimpleNamespace

    from xai_magics.magics._typing import parse_argstring
    from xai_magics.magics.batch import BatchMagics, _unquote, results_call

    retry = SimpleNamespace(name="reviews (retry 1)", inputs=object())
    line, note = results_call(retry)
    assert (line, note) == ("results = %grok_batch --attach 'reviews (retry 1)' --wait", "")
    args = parse_argstring(BatchMagics.grok_batch, line.split("%grok_batch ", 1)[1])
    assert _unquote(args.attach) == "reviews (retry 1)"  # what the magic attaches to
    attached = SimpleNamespace(name="reviews.sentiment", inputs=None)
    assert results_call(attached) == (
        "results = %grok_batch FRAME --attach reviews.sentiment --wait",
        "FRAME: the frame it ran on",
    )
