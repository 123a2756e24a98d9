"""Output columns never overwrite the user's own columns; an earlier copy of the same job's may be.

The refusal comes before anything is sent (and before a job is recorded), names ``--output`` and
the clashing columns; ``df = job.results(df)`` twice, and a re-run cell, still work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pydantic
import pytest

from tests.batch.helpers import FAST, billed_results, network_calls
from xai_magics.batch import BatchJob, list_jobs, submit
from xai_magics.batch.columns import OutputClashError

PROMPT = "Sentiment of: {review}"
REVIEWS = ["good", "bad", None, "fine"]


class Verdict(pydantic.BaseModel):
    label: str


def _submit(batch_client: Any, tmp_path: Path, df: Any, **kwargs: Any) -> BatchJob:
    job = submit(
        df,
        kwargs.pop("prompt", PROMPT),
        client=batch_client,
        data_dir=str(tmp_path),
        settings=FAST,
        **kwargs,
    )
    assert isinstance(job, BatchJob)
    return job


def _answered(batch_client: Any, tmp_path: Path) -> tuple[BatchJob, pd.DataFrame]:
    """A finished job over REVIEWS and the frame with its results."""
    df = pd.DataFrame({"review": REVIEWS})
    job = _submit(batch_client, tmp_path, df)
    job.wait(timeout=30)
    return job, job.results(df)


@pytest.mark.parametrize(
    ("extra", "kwargs", "named"),
    [
        ({"answer": ["pos", "neg", "?", "ok"]}, {}, "'answer'"),
        ({"answer_status": ["x"] * 4}, {}, "'answer_status'"),
        ({"label_error": [None] * 4}, {"output": "label"}, "'label_error'"),
        ({"label": ["pos", "neg", "?", "ok"]}, {"schema": Verdict}, "'label'"),
    ],
    ids=["answer", "answer-status", "custom-output-companion", "schema-field"],
)
def test_a_clashing_column_is_refused_before_anything_is_sent(
    emu: Any,
    batch_client: Any,
    tmp_path: Path,
    extra: dict[str, list[Any]],
    kwargs: dict[str, Any],
    named: str,
) -> None:
    df = pd.DataFrame({"review": REVIEWS, **extra})
    with pytest.raises(OutputClashError) as caught:
        _submit(batch_client, tmp_path, df, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert "--output" in message
    assert named in message
    assert "Nothing was sent" in message
    assert network_calls(emu) == 0
    assert list_jobs(str(tmp_path)) == []
    assert list(df.columns) == ["review", *extra]  # the frame itself is untouched


FRAMES: dict[str, Callable[[dict[str, list[Any]]], Any]] = {
    "pandas": pd.DataFrame,
    "polars": pl.DataFrame,
    "pyarrow": pa.table,
}


@pytest.mark.parametrize("make", FRAMES.values(), ids=FRAMES.keys())
def test_results_joined_twice_onto_the_same_frame_replace_their_own_columns(
    emu: Any, batch_client: Any, tmp_path: Path, make: Callable[[dict[str, list[Any]]], Any]
) -> None:
    df = make({"review": REVIEWS})
    job = _submit(batch_client, tmp_path, df)
    job.wait(timeout=30)
    once = job.results(df)
    twice = job.results(once)
    again = job.results(twice)
    as_pandas = [x if isinstance(x, pd.DataFrame) else x.to_pandas() for x in (once, twice, again)]
    assert type(again) is type(df)
    pd.testing.assert_frame_equal(as_pandas[0], as_pandas[2])
    assert as_pandas[2]["answer_status"].tolist() == ["ok", "ok", "skipped", "ok"]


def test_a_rerun_cell_onto_its_own_results_reattaches_and_a_pending_copy_may_fill_in(
    emu: Any, batch_client: Any, tmp_path: Path
) -> None:
    emu.control.configure(batch_seconds_per_request=1.0)
    df = pd.DataFrame({"review": REVIEWS})
    job = _submit(batch_client, tmp_path, df)
    early = job.results(df)
    assert early["answer_status"].tolist() == ["pending", "pending", "skipped", "pending"]
    job.wait(timeout=30)
    rerun = _submit(batch_client, tmp_path, early)  # the same cell, run on its own output
    assert rerun.batch_id == job.batch_id
    done = rerun.results(early)
    assert done["answer_status"].tolist() == ["ok", "ok", "skipped", "ok"]
    assert _submit(batch_client, tmp_path, done).results(done).equals(done)


def test_another_jobs_answers_in_the_same_columns_are_refused(
    emu: Any, batch_client: Any, tmp_path: Path
) -> None:
    _, answered = _answered(batch_client, tmp_path)
    calls = network_calls(emu)
    with pytest.raises(OutputClashError, match="'answer', 'answer_status'"):
        _submit(batch_client, tmp_path, answered, prompt="Topic of: {review}")
    assert network_calls(emu) == calls
    other = _submit(batch_client, tmp_path, answered, prompt="Topic of: {review}", output="topic")
    other.wait(timeout=30)
    with pytest.raises(OutputClashError, match="--output"):
        other.results(answered, output="answer")
    both = other.results(answered)
    assert both["topic_status"].tolist() == ["ok", "ok", "skipped", "ok"]
    assert both["answer"].tolist() == answered["answer"].tolist()


def _old_layout(frame: pd.DataFrame) -> pd.DataFrame:
    """Results as joined before the token count was split: one answer_tokens, in + out."""
    old = frame.drop(
        columns=["answer_input_tokens", "answer_output_tokens", "answer_reasoning_tokens"]
    )
    total = frame["answer_input_tokens"] + frame["answer_output_tokens"]
    old.insert(len(old.columns) - 1, "answer_tokens", total)
    return old


def test_an_earlier_copy_without_reasoning_tokens_gets_them_as_billed(
    emu: Any, api_env: dict[str, str], batch_client: Any, tmp_path: Path
) -> None:
    job, new = _answered(batch_client, tmp_path)
    assert job.batch_id is not None
    billed = billed_results(emu, api_env["XAI_API_KEY"], job.batch_id)
    prefix = job.record.id_prefix
    reasoning = [
        billed[f"{prefix}{i}"]["completion_tokens_details"]["reasoning_tokens"]
        if f"{prefix}{i}" in billed
        else None
        for i in range(len(REVIEWS))
    ]
    assert new["answer_reasoning_tokens"].tolist()[:2] == reasoning[:2]
    assert all(n > 0 for n in reasoning[:2])  # the default model reasons
    assert pd.isna(new["answer_reasoning_tokens"].iloc[2])  # the skipped row: unknown
    columns = list(new.columns)
    assert columns.index("answer_reasoning_tokens") == columns.index("answer_output_tokens") + 1
    before = new.drop(columns=["answer_reasoning_tokens"])  # joined by an earlier version
    pd.testing.assert_frame_equal(job.results(before)[columns], new)


def test_an_earlier_copy_with_the_old_total_tokens_column_is_replaced_by_the_split_one(
    emu: Any, batch_client: Any, tmp_path: Path
) -> None:
    job, new = _answered(batch_client, tmp_path)
    old = _old_layout(new)
    again = job.results(old)
    assert "answer_tokens" not in again.columns
    pd.testing.assert_frame_equal(again[list(new.columns)], new)
    lazy_path = tmp_path / "old.parquet"
    pl.from_pandas(old).write_parquet(lazy_path)
    lazy = job.results(pl.scan_parquet(lazy_path), to=tmp_path / "lazy-results").collect()
    assert "answer_tokens" not in lazy.columns
    assert lazy["answer_output_tokens"].to_list() == [
        None if pd.isna(v) else v for v in new["answer_output_tokens"]
    ]
    # a total that does not add up is not this job's: refused, as any other clash
    tampered = old.copy()
    tampered.loc[0, "answer_tokens"] += 1
    with pytest.raises(OutputClashError, match="'answer', 'answer_status'"):
        job.results(tampered)
