"""A job larger than one batch: several batches under one job, sent, resumed, cancelled and
joined together (``JobSettings.batch_rows``, 100,000 by default, small here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

from tests.batch.helpers import committed_adds, prompt_digest
from xai_magics.batch import DryRun, JobSettings, submit
from xai_magics.batch.preview import preview
from xai_magics.batch.split import SplitJob
from xai_magics.client import BadRequestError
from xai_magics.magics.batch import results_call

N = 60
SPLIT = JobSettings(chunk_rows=7, batch_rows=25, poll_first_s=0.05, poll_max_s=0.2)


def _frame() -> pd.DataFrame:
    reviews: list[Any] = [f"review number {i}" for i in range(N)]
    reviews[30] = None
    return pd.DataFrame({"review": reviews})


@pytest.fixture
def run(batch_client: Any, started_jobs: list[Any], tmp_path: Path) -> Any:
    def go(df: Any, **kwargs: Any) -> SplitJob:
        job = submit(
            df,
            "Sentiment of: {review}",
            client=batch_client,
            data_dir=str(tmp_path),
            settings=SPLIT,
            name="big",
            **kwargs,
        )
        assert isinstance(job, SplitJob)
        started_jobs.extend(job.parts)
        return job

    return go


def test_a_big_frame_becomes_three_batches_joined_as_one(
    emu: Any, run: Any, batch_client: Any
) -> None:
    seen: list[Any] = []
    job = run(pl.from_pandas(_frame()).lazy(), on_progress=seen.append)
    assert [p.name for p in job.parts] == ["big part 1/3", "big part 2/3", "big part 3/3"]
    assert len({p.batch_id for p in job.parts}) == 3
    sizes = [batch_client.batches.get(p.batch_id).state.num_requests for p in job.parts]
    assert sizes == [25, 24, 10]  # row 30 (in the second run) is skipped, not sent
    final = job.wait(timeout=60)
    assert (final.total, final.succeeded, final.skipped) == (59, 59, 1)
    assert seen[-1].total == 59  # the progress listener sees the totals of all parts
    out = job.results().collect()
    assert out["answer_status"].to_list().count("ok") == 59
    assert out["answer_status"][30] == "skipped"
    for i in (0, 24, 25, 49, 50, 59):
        assert prompt_digest(f"Sentiment of: review number {i}") in out["answer"][i]
    assert set(committed_adds(emu).values()) == {1}
    assert len(committed_adds(emu)) == 59
    # the finished widget's first rows and results line work for the whole job
    first_rows = preview(job, n=3)
    assert first_rows.n_rows == 60
    assert [row[0] for row in first_rows.rows] == ["0", "1", "2"]
    assert results_call(job) == ("results = %grok_batch --attach big --wait", "")
    assert "finished" in repr(job)


def test_an_interrupted_split_job_resumes_then_cancels_together(
    emu: Any, run: Any, batch_client: Any
) -> None:
    emu.control.configure(batch_seconds_per_request=3600)
    # the first batch is created, the second one's creation fails: sending stops there
    emu.control.inject("stall", "/v1/batches", method="POST", times=1, seconds=0)
    emu.control.inject("status", "/v1/batches", method="POST", status=400)
    with pytest.raises(BadRequestError):
        run(_frame())
    job = run(_frame())  # the re-run cell: part 1 is re-attached, parts 2 and 3 are sent
    assert job.parts[0].record.state == "submitted"
    assert len({p.batch_id for p in job.parts}) == 3
    assert set(committed_adds(emu).values()) == {1}
    assert len(committed_adds(emu)) == 59
    job.cancel()
    final = job.wait(timeout=60)
    assert final.batch_status == "cancelled"
    for part in job.parts:
        assert part.batch_id is not None
        assert batch_client.batches.get(part.batch_id).state.num_cancelled > 0
    statuses = job.results()["answer_status"].tolist()
    assert statuses.count("cancelled") == 59
    assert statuses[30] == "skipped"


def test_a_split_job_is_attached_by_name_from_a_new_process(
    emu: Any, run: Any, batch_client: Any, tmp_path: Path
) -> None:
    from xai_magics.batch import attach

    done = run(_frame())
    done.wait(timeout=60)
    again = attach("big", client=batch_client, data_dir=str(tmp_path))
    assert isinstance(again, SplitJob)
    assert [p.batch_id for p in again.parts] == [p.batch_id for p in done.parts]
    with pytest.raises(ValueError, match="pass it"):
        again.results()
    out = again.results(pl.from_pandas(_frame()))
    assert out["answer_status"].to_list() == done.results()["answer_status"].tolist()
    assert out["answer"].to_list()[59] == done.results()["answer"].iloc[59]


def _answers(out: Any) -> list[Any]:
    if hasattr(out, "read_all"):  # an Arrow reader of the results, in row order
        return out.read_all().column("answer").to_pylist()
    if hasattr(out, "npartitions"):
        return [None if pd.isna(v) else v for v in out.compute()["answer"].tolist()]
    return out.to_arrow_table().column("answer").to_pylist()


# dask's own pandas code still calls reset_index(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
@pytest.mark.parametrize("kind", ["duckdb", "dask", "dicts"])
def test_every_kind_of_lazy_input_is_cut_into_the_right_rows(emu: Any, run: Any, kind: str) -> None:
    rows = [None if i == 30 else f"review number {i}" for i in range(N)]
    if kind == "duckdb":
        duckdb = pytest.importorskip("duckdb")
        connection = duckdb.connect()
        connection.register("reviews_in", pl.DataFrame({"review": rows}).to_arrow())
        source: Any = connection.sql("SELECT * FROM reviews_in")
    elif kind == "dask":
        dd = pytest.importorskip("dask.dataframe")
        source = dd.from_pandas(pd.DataFrame({"review": rows}), npartitions=7)
    else:
        source = iter([{"review": r} for r in rows])
    job = run(source)
    assert len(job.parts) == 3
    job.wait(timeout=60)
    answers = _answers(job.results())
    assert answers[30] is None
    for i in (0, 24, 25, 49, 50, 59):
        assert prompt_digest(f"Sentiment of: review number {i}") in answers[i]
    assert len(committed_adds(emu)) == 59


def test_the_dry_run_says_how_many_batches_it_would_send(tmp_path: Path) -> None:
    dry = submit(
        _frame(), "Sentiment of: {review}", dry_run=True, settings=SPLIT, data_dir=str(tmp_path)
    )
    assert isinstance(dry, DryRun)
    assert "Sent as 3 batches under one job" in dry.summary()
    single = submit(_frame(), "Sentiment of: {review}", dry_run=True, data_dir=str(tmp_path))
    assert isinstance(single, DryRun)
    assert "batches" not in single.summary()
