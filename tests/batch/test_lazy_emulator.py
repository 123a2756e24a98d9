"""Lazy and streamed inputs against the emulator: read in blocks, results joined back lazily.

Each kind of input is submitted for real and its results compared, row by row, with the same
rows submitted as an eager pandas frame: the row ids must map every answer back exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.batch.helpers import creates, prompt_digest
from xai_magics.batch import BatchJob, JobSettings, submit
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.stream import StreamSource

N = 60
PROMPT = "Sentiment of: {review}"
SMALL = JobSettings(chunk_rows=7, poll_first_s=0.05, poll_max_s=0.2)
COMPARED = [
    "answer",
    "answer_status",
    "answer_error",
    "answer_input_tokens",
    "answer_output_tokens",
]


def _rows() -> dict[str, list[Any]]:
    reviews: list[Any] = [f"review number {i}" for i in range(N)]
    reviews[5] = None  # skipped, in every kind of input alike
    return {"review": reviews, "stars": [i % 5 for i in range(N)]}


@pytest.fixture
def parquet(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.parquet"
    pq.write_table(pa.table(_rows()), path, row_group_size=16)  # several row groups
    return path


@pytest.fixture
def run(batch_client: Any, started_jobs: list[BatchJob], tmp_path: Path) -> Any:
    def go(df: Any, **kwargs: Any) -> BatchJob:
        job = submit(
            df,
            PROMPT,
            client=batch_client,
            data_dir=str(tmp_path / "store"),
            settings=kwargs.pop("settings", SMALL),
            **kwargs,
        )
        assert isinstance(job, BatchJob)
        started_jobs.append(job)
        job.wait(timeout=60)
        return job

    return go


@pytest.fixture
def eager(run: Any) -> Any:
    """The reference: the same rows as an eager frame of a library, today's path (a skipped
    row's reason names the library's own word for a missing value)."""

    def results(frame: Any) -> pd.DataFrame:
        assert not isinstance(FrameSource.of(frame), StreamSource)
        out = run(frame, name=f"eager {type(frame).__module__}").results()
        return out if isinstance(out, pd.DataFrame) else out.to_pandas()

    return results


def _cells(series: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else v for v in series.tolist()]


def _same_as_eager(got: pd.DataFrame, eager: Any) -> None:
    assert list(got.columns) == list(eager.columns)
    assert len(got) == N
    for column in COMPARED:
        assert _cells(got[column]) == _cells(eager[column]), column
    assert got["answer_status"].tolist().count("skipped") == 1
    for i in (0, 17, N - 1):
        assert prompt_digest(f"Sentiment of: review number {i}") in got["answer"].iloc[i]


def test_polars_lazy_frame_in_and_out(run: Any, parquet: Path, eager: Any) -> None:
    job = run(pl.scan_parquet(parquet), name="polars")
    out = job.results()
    assert isinstance(out, pl.LazyFrame)
    _same_as_eager(out.collect().to_pandas(), eager(pl.DataFrame(_rows())))
    assert list(job.results_dir.glob("part-*.parquet"))


def test_duckdb_relation_in_and_out(run: Any, parquet: Path, eager: Any) -> None:
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect()
    relation = connection.sql(f"SELECT * FROM read_parquet('{parquet}')")
    job = run(relation, name="duckdb")
    out = job.results(to=str(parquet.parent / "duck-results"))
    assert isinstance(out, duckdb.DuckDBPyRelation)
    assert list((parquet.parent / "duck-results").glob("part-*.parquet"))
    _same_as_eager(out.df(), eager(pa.table(_rows())))


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """A small in-process dask.distributed cluster (one worker, two threads)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


# dask's own parquet reader still calls reset_index(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
def test_dask_frame_on_a_distributed_cluster_in_and_out(
    run: Any, parquet: Path, eager: Any, dask_cluster: Any
) -> None:
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.read_parquet(str(parquet), split_row_groups=True)
    assert frame.npartitions > 1
    job = run(frame, name="dask")
    out = job.results()
    assert isinstance(out, dd.DataFrame)
    assert out.npartitions == frame.npartitions  # joined partition by partition
    _same_as_eager(out.compute().reset_index(drop=True), eager(frame.compute()))


def test_arrow_reader_and_iterable_of_dicts(run: Any, eager: Any) -> None:
    table = pa.table(_rows())
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=9))
    results = run(reader, name="reader").results()
    assert isinstance(results, pa.RecordBatchReader)
    got = results.read_all().to_pandas()
    assert got["xai_row"].tolist() == list(range(N))
    reference = eager(table)
    for column in COMPARED:
        assert _cells(got[column]) == _cells(reference[column]), column
    rows = ({"review": r, "stars": s} for r, s in zip(*_rows().values(), strict=True))
    again = run(rows, name="dicts").results().read_all().to_pandas()
    assert _cells(again["answer"]) == _cells(reference["answer"])


def test_lazy_rerun_reattaches_without_sending_again(emu: Any, run: Any, parquet: Path) -> None:
    first = run(pl.scan_parquet(parquet), name="again")
    made = creates(emu)
    second = run(pl.scan_parquet(parquet), name="again")
    assert second.record.job_id == first.record.job_id
    assert creates(emu) == made  # the streamed fingerprint is the same on every read


def test_only_the_template_columns_are_read(parquet: Path) -> None:
    source = FrameSource.of(pl.scan_parquet(parquet))
    assert isinstance(source, StreamSource)
    source.use_columns(["review"])
    read = [source.series("review", a, b).to_arrow() for a, b in source.blocks(0, 10)]
    assert source._block is not None
    assert source._block.columns == ["review"]
    assert sum(len(r) for r in read) == N == source.n_rows


def test_results_pages_are_written_as_they_arrive_then_replaced_by_every_row(
    run: Any, parquet: Path, tmp_path: Path
) -> None:
    paged = JobSettings(chunk_rows=7, results_page_size=10, poll_first_s=0.05, poll_max_s=0.2)
    job = run(pl.scan_parquet(parquet), name="paged", settings=paged, to=str(tmp_path / "out"))
    pages = sorted((tmp_path / "out").glob("page-*.parquet"))
    assert len(pages) == 6  # 59 answered rows, 10 a page, each written when it was fetched
    answered = pl.read_parquet(pages).sort("xai_row")
    assert answered.height == 59
    assert 5 not in answered["xai_row"].to_list()  # the skipped row was never sent
    row = answered.filter(pl.col("xai_row") == 42)
    assert prompt_digest("Sentiment of: review number 42") in row["answer"][0]
    out = job.results().collect()  # to= given at submit is where the dataset stays
    assert not list((tmp_path / "out").glob("page-*.parquet"))
    assert list((tmp_path / "out").glob("part-*.parquet"))
    assert out["answer"][42] == row["answer"][0]
    assert out["answer_status"][5] == "skipped"


def test_failed_rows_of_a_lazy_input_are_retried_alone(emu: Any, run: Any, tmp_path: Path) -> None:
    rows = _rows()
    rows["review"][12] = "please emulator:fail"
    path = tmp_path / "failing.parquet"
    pq.write_table(pa.table(rows), path)
    job = run(pl.scan_parquet(path), name="failing")
    first = job.results().collect()
    assert first["answer_status"][12] == "error"
    retry = job.retry_failed()
    retry.wait(timeout=60)
    assert retry.batch_id is not None
    assert job.client.batches.get(retry.batch_id).state.num_requests == 1  # row 12 only
    out = retry.results().collect()
    assert isinstance(retry.results(), pl.LazyFrame)
    assert out.height == N
    assert out["answer_status"].to_list() == first["answer_status"].to_list()
    assert out["answer"][13] == first["answer"][13]
