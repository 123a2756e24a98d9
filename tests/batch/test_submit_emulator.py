"""submit() against the emulator over real sockets: exactly-once adds, faults, results, cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from tests.batch.helpers import (
    FAST,
    committed_adds,
    creates,
    network_calls,
    posts,
    prompt_digest,
)
from xai_magics.batch import (
    BatchJob,
    EmptyBatchError,
    JobChangedError,
    JobSettings,
    MissingColumnError,
    attach,
    submit,
)

ADD_PATH = "/v1/batches/*"


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"review": [f"review number {i}" for i in range(n)]})


@pytest.fixture
def run(batch_client: Any, started_jobs: list[BatchJob], tmp_path: Path) -> Any:
    """submit() on the emulator with quick polling and a store in tmp_path."""

    def go(df: Any, **kwargs: Any) -> BatchJob:
        job = submit(
            df,
            kwargs.pop("prompt", "Sentiment of: {review}"),
            client=batch_client,
            data_dir=str(kwargs.pop("data_dir", tmp_path)),
            settings=kwargs.pop("settings", FAST),
            **kwargs,
        )
        assert isinstance(job, BatchJob)
        started_jobs.append(job)
        return job

    return go


def _assert_each_added_once(emu: Any, job: BatchJob, n: int) -> None:
    counts = committed_adds(emu)
    assert len(counts) == n
    assert set(counts.values()) == {1}
    assert job.batch_id is not None
    batch = job.client.batches.get(job.batch_id)
    assert batch.state.num_requests == n


def test_normal_run_gives_each_row_its_own_answer_and_one_status(
    emu: Any, run: Any, api_env: dict[str, str]
) -> None:
    df = _frame(100)
    df.loc[7, "review"] = None
    df.loc[42, "review"] = "please emulator:fail"
    df.index = pd.Index([f"r{i % 10}" for i in range(100)])  # duplicate labels on purpose
    job = run(df, settings=JobSettings(chunk_rows=10, poll_first_s=0.05))
    job.wait(timeout=60)
    out = job.results()
    assert list(out.index) == list(df.index)
    assert out["answer_status"].value_counts().to_dict() == {"ok": 98, "skipped": 1, "error": 1}
    for i in range(100):
        if i in (7, 42):
            continue
        assert prompt_digest(f"Sentiment of: review number {i}") in out["answer"].iloc[i]
    assert "missing" in out["answer_error"].iloc[7]
    assert "Simulated failure" in out["answer_error"].iloc[42]
    assert out["answer_input_tokens"].iloc[0] > 0
    assert out["answer_output_tokens"].iloc[0] > 0
    assert out["answer_cost_usd"].iloc[0] > 0
    _assert_each_added_once(emu, job, 99)
    assert creates(emu) == 1
    for stored in job.store.path.parent.glob("batches.sqlite3*"):
        assert api_env["XAI_API_KEY"].encode() not in stored.read_bytes()


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 500},
        {"kind": "commit_then_fail", "status": 500},
        {"kind": "commit_then_fail", "then": "reset"},
        {"kind": "reset"},
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 429, "retry_after": "1"},
    ],
    ids=["500-not-committed", "500-after-commit", "reset-after-commit", "reset", "503", "429"],
)
def test_a_failed_seventh_chunk_of_ten_is_added_exactly_once(
    emu: Any, run: Any, fault: dict[str, Any]
) -> None:
    # Faults fire in order: six harmless zero-second stalls let chunks 1-6 through, then the
    # fault under test hits chunk 7.
    emu.control.inject("stall", "/v1/batches/*", times=6, seconds=0)
    emu.control.inject(path="/v1/batches/*", **fault)
    job = run(_frame(100), settings=_CHUNKS_OF_TEN)
    job.wait(timeout=60)
    assert set(job.results()["answer_status"]) == {"ok"}
    _assert_each_added_once(emu, job, 100)
    ledger = job.store.chunks(job.record.job_id)
    assert [c.chunk_index for c in ledger] == list(range(10))
    assert {c.state for c in ledger[:6] + ledger[7:]} == {"acknowledged"}
    assert ledger[6].state in ("acknowledged", "verified")
    assert [e["fault"] for e in emu.control.log() if e["path"].endswith("/requests")][6] == fault[
        "kind"
    ]


_CHUNKS_OF_TEN = JobSettings(chunk_rows=10, poll_first_s=0.05, poll_max_s=0.2)


def test_rerunning_the_same_cell_reattaches_instead_of_creating_a_batch(emu: Any, run: Any) -> None:
    df = _frame(20)
    first = run(df)
    first.wait(timeout=30)
    calls_before = len(committed_adds(emu))
    again = run(df.assign(extra=range(20)))
    assert again.batch_id == first.batch_id
    assert again is first  # one handle and one poller per job in this process
    assert "extra" in again.results().columns  # the frame of the latest run is the one joined
    assert creates(emu) == 1
    assert len(committed_adds(emu)) == calls_before
    assert again.wait(timeout=30).finished


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"df": _frame(21)}, "rows: 20 then, 21 now"),
        ({"df": _frame(20).assign(review=lambda d: d.review + "!")}, "cell values"),
        ({"model": "grok-4.20-0309-non-reasoning"}, "model: grok-4.3 then"),
        ({"max_tokens": 5}, "options"),
    ],
    ids=["more-rows", "edited-cells", "other-model", "other-options"],
)
def test_changed_inputs_refuse_a_silent_reattach_and_say_what_changed(
    emu: Any, run: Any, change: dict[str, Any], says: str
) -> None:
    run(_frame(20), name="reviews")
    sent = posts(emu)
    df = change.pop("df", _frame(20))
    with pytest.raises(JobChangedError) as caught:
        run(df, name="reviews", **change)
    assert says in str(caught.value)
    assert "--new" in str(caught.value)
    assert posts(emu) == sent
    forced = run(df, name="reviews", new=True, **change)
    assert creates(emu) == 2
    forced.stop_polling()


def test_changed_template_under_the_same_name_is_refused(emu: Any, run: Any) -> None:
    run(_frame(5), name="reviews")
    with pytest.raises(JobChangedError, match="prompt template"):
        run(_frame(5), name="reviews", prompt="Summarise: {review}")


def test_results_are_joined_by_id_across_shuffled_pages_and_a_failed_page_is_retried(
    emu: Any, run: Any
) -> None:
    df = _frame(250)
    settings = JobSettings(results_page_size=20, poll_first_s=0.05, poll_max_s=0.2)
    job = run(df, settings=settings)
    assert job.batch_id is not None
    emu.control.inject(
        "status", f"/v1/batches/{job.batch_id}/results", method="GET", times=3, status=500
    )
    job.wait(timeout=60)
    out = job.results()
    assert (out["answer_status"] == "ok").all()
    for i in range(250):
        assert prompt_digest(f"Sentiment of: review number {i}") in out["answer"].iloc[i]
    pages = [
        e
        for e in emu.control.log()
        if e["method"] == "GET" and e["path"].endswith("/results") and e["status"] == 200
    ]
    assert len(pages) >= 13  # 250 results at 20 per page


@pytest.mark.parametrize("shape", ["status", "string", "error_message"])
def test_all_three_result_error_shapes_land_in_the_error_column(
    emu: Any, run: Any, shape: str
) -> None:
    df = pd.DataFrame({"review": ["fine", f"bad emulator:fail:{shape}"]})
    job = run(df)
    job.wait(timeout=30)
    out = job.results()
    assert list(out["answer_status"]) == ["ok", "error"]
    assert "Simulated failure" in out["answer_error"].iloc[1]


def test_cancel_by_xai_marks_unfinished_rows_cancelled(emu: Any, run: Any) -> None:
    emu.control.configure(batch_seconds_per_request=3600)
    job = run(_frame(10))
    assert job.batch_id is not None
    emu.control.cancel_batch_by_xai(job.batch_id, "Simulated capacity problem")
    snapshot = job.wait(timeout=30)
    assert snapshot.batch_status == "cancelled_by_xai"
    assert "capacity" in (snapshot.cancel_message or "")
    assert set(job.results()["answer_status"]) == {"cancelled"}


def test_user_cancel_keeps_finished_rows_and_retry_failed_resubmits_only_the_rest(
    emu: Any, run: Any
) -> None:
    emu.control.configure(batch_seconds_per_request=3600)
    df = _frame(6)
    job = run(df)
    job.cancel()
    job.wait(timeout=30)
    assert set(job.results()["answer_status"]) == {"cancelled"}
    emu.control.configure(batch_seconds_per_request=0.01)
    retry = job.retry_failed()
    assert retry.batch_id != job.batch_id
    retry.wait(timeout=30)
    merged = job.results()
    assert set(merged["answer_status"]) == {"ok"}
    assert creates(emu) == 2


@pytest.mark.parametrize(
    ("df", "prompt", "error", "says"),
    [
        (pd.DataFrame({"review": ["a"]}), "{reviw}", MissingColumnError, "Did you mean {review}"),
        (pd.DataFrame({"review": []}), "{review}", EmptyBatchError, "no rows"),
        (pd.DataFrame({"review": [None, ""]}), "{review}", EmptyBatchError, "every one"),
    ],
    ids=["missing-column", "empty-frame", "all-rows-invalid"],
)
def test_bad_input_fails_before_any_request(
    emu: Any,
    run: Any,
    df: pd.DataFrame,
    prompt: str,
    error: type[Exception],
    says: str,
) -> None:
    with pytest.raises(error, match=says.replace("{", r"\{").replace("}", r"\}")):
        run(df, prompt=prompt)
    assert network_calls(emu) == 0


def test_bad_cells_are_skipped_and_the_rest_submitted(emu: Any, run: Any) -> None:
    cells = ["ok one", 42, "bad \ud800", "x" * 5_000_001, 3.5, None, "ok two"]
    df = pd.DataFrame({"review": pd.Series(cells, dtype=object)})
    job = run(df)
    job.wait(timeout=30)
    out = job.results()
    assert list(out["answer_status"]) == ["ok", "ok", "skipped", "skipped", "ok", "skipped", "ok"]
    sent = {
        r["batch_request"]["chat_get_completion"]["messages"][-1]["content"]
        for e in emu.control.log()
        if e["method"] == "POST" and e["path"].endswith("/requests")
        for r in e["body"]["batch_requests"]
    }
    assert sent == {f"Sentiment of: {v}" for v in ("ok one", "42", "3.5", "ok two")}


@pytest.mark.parametrize(
    "make",
    [lambda d: pl.DataFrame(d), lambda d: pa.table(d)],
    ids=["polars", "pyarrow"],
)
def test_other_frame_types_come_back_as_the_same_type(emu: Any, run: Any, make: Any) -> None:
    df = make({"review": ["a", "b", "c"]})
    job = run(df)
    job.wait(timeout=30)
    out = job.results()
    assert type(out) is type(df)
    assert out.column_names if isinstance(out, pa.Table) else out.columns
    status = (
        out["answer_status"].to_pylist()
        if isinstance(out, pa.Table)
        else out["answer_status"].to_list()
    )
    assert status == ["ok", "ok", "ok"]


def test_attach_by_batch_id_fetches_results_for_a_frame(
    emu: Any, run: Any, batch_client: Any, tmp_path: Path
) -> None:
    df = _frame(5)
    job = run(df)
    job.wait(timeout=30)
    assert job.batch_id is not None
    again = attach(job.batch_id, client=batch_client, data_dir=str(tmp_path))
    assert again.batch_id == job.batch_id
    out = again.results(df)
    assert (out["answer_status"] == "ok").all()


def test_dry_run_sends_nothing_and_shows_requests_cost_and_skips(emu: Any, tmp_path: Path) -> None:
    df = pd.DataFrame({"review": ["good", None, "bad"]})
    dry = submit(df, "Sentiment of: {review}", dry_run=True, max_tokens=10, data_dir=str(tmp_path))
    assert not isinstance(dry, BatchJob)
    assert dry.plan.n_sent == 2
    assert dry.skipped == {1: "column 'review' is missing (NaN)"}
    assert '"content":"Sentiment of: good"' in dry.requests[0]
    assert dry.estimate.sync_usd is not None
    assert dry.estimate.batch_usd is not None
    # batches are billed at 0.8 of list price (test_batch_price.py checks it against recordings)
    assert dry.estimate.batch_usd == pytest.approx(dry.estimate.sync_usd * 0.8)
    assert "Nothing was sent" in dry.summary()
    assert network_calls(emu) == 0


@pytest.mark.parametrize(
    ("fault", "create_calls"),
    [
        ({"kind": "commit_then_fail", "status": 500}, 1),
        ({"kind": "commit_then_fail", "then": "reset"}, 1),
        ({"kind": "status", "status": 503}, 2),
    ],
    ids=["500-after-commit", "reset-after-commit", "503-not-committed"],
)
def test_an_ambiguous_create_is_not_retried_blindly_and_leaves_exactly_one_batch(
    emu: Any, run: Any, batch_client: Any, fault: dict[str, Any], create_calls: int
) -> None:
    emu.control.inject(path="/v1/batches", **fault)
    job = run(_frame(10))
    job.wait(timeout=30)
    assert set(job.results()["answer_status"]) == {"ok"}
    assert [b.batch_id for b in batch_client.batches.list().batches] == [job.batch_id]
    # one create per decision of the runner: a committed create is found by name, not re-sent
    assert creates(emu) == create_calls
    _assert_each_added_once(emu, job, 10)


def test_rows_left_when_the_batch_expires_end_expired(emu: Any, run: Any) -> None:
    emu.control.configure(batch_seconds_per_request=3600, batch_expire_seconds=1)
    job = run(_frame(4))
    job.wait(timeout=30)
    out = job.results()
    assert set(out["answer_status"]) == {"expired"}
    assert "expired" in out["answer_error"].iloc[0]


def test_polling_rides_out_server_errors_and_rate_limits(emu: Any, run: Any) -> None:
    emu.control.configure(batch_seconds_per_request=0.5)
    job = run(_frame(5))
    assert job.batch_id is not None
    emu.control.inject("status", f"/v1/batches/{job.batch_id}", method="GET", times=4, status=500)
    emu.control.inject(
        "status", f"/v1/batches/{job.batch_id}", method="GET", times=2, status=429, retry_after="1"
    )
    assert job.wait(timeout=60).finished
    assert set(job.results()["answer_status"]) == {"ok"}
    assert creates(emu) == 1


def test_attach_by_batch_id_with_no_job_store_maps_rows_from_request_ids(
    emu: Any, run: Any, batch_client: Any, tmp_path: Path
) -> None:
    df = _frame(30)
    df.loc[4, "review"] = None
    job = run(df)
    job.wait(timeout=30)
    assert job.batch_id is not None
    fresh_store = tmp_path / "another-machine"
    again = attach(job.batch_id, df, client=batch_client, data_dir=str(fresh_store))
    again.wait(timeout=30)
    out = again.results(df)
    assert out["answer"].tolist() == job.results()["answer"].tolist()
    assert out["answer_status"].iloc[4] == "skipped"
    assert (out["answer_status"].drop(index=4) == "ok").all()


def test_the_add_requests_rate_limit_is_waited_out_without_resending(emu: Any, run: Any) -> None:
    emu.control.configure(batch_add_limit=3, batch_add_window_seconds=1)
    job = run(_frame(60), settings=JobSettings(chunk_rows=10, poll_first_s=0.05))
    assert job.status().total == 60
    job.wait(timeout=60)
    assert set(job.results()["answer_status"]) == {"ok"}
    _assert_each_added_once(emu, job, 60)
    statuses = [e["status"] for e in emu.control.log() if e["path"].endswith("/requests")]
    assert 429 in statuses


def test_integer_column_labels_work_through_the_bracket_syntax(emu: Any, run: Any) -> None:
    df = pd.DataFrame({0: ["alpha", "beta"], 1: [1, 2]})
    job = run(df, prompt="Say {[0]} {[1]} times")
    job.wait(timeout=30)
    out = job.results()
    assert list(out["answer_status"]) == ["ok", "ok"]
    assert prompt_digest("Say alpha 1 times") in out["answer"].iloc[0]


def test_a_chunk_the_server_already_holds_is_verified_not_added_again(
    emu: Any, batch_client: Any, tmp_path: Path
) -> None:
    from xai_magics.batch.chunks import iter_chunks
    from xai_magics.batch.fingerprint import Fingerprint
    from xai_magics.batch.frame import FrameSource
    from xai_magics.batch.sender import Sender
    from xai_magics.batch.store import open_store
    from xai_magics.batch.template import parse_template
    from xai_magics.batch.wire import LineBuilder, RequestSpec

    store = open_store(tmp_path)
    fingerprint = Fingerprint(20, "d", "{review}", "grok-4.3", "{}")
    record = store.create_job(
        name="ledger-behind",
        batch_name="ledger-behind [xm:0:0]",
        fingerprint=fingerprint,
        spec={},
        n_sent=20,
        skipped={},
    )
    template = parse_template("{review}")
    builder = LineBuilder(RequestSpec("grok-4.3"), record.id_prefix, template)
    chunks = list(
        iter_chunks(
            FrameSource.of(_frame(20)), template, builder, max_prompt_bytes=10**6, max_rows=10
        )
    )
    sender = Sender(batch_client, store)
    batch_id = sender.ensure_batch(record)
    batch_client.batches.add_requests(batch_id, chunks[0].body)  # landed, but not in the ledger
    sender.add_chunks(record, batch_id, chunks, lambda p: f"{record.id_prefix}{p}")
    assert [c.state for c in store.chunks(record.job_id)] == ["verified", "acknowledged"]
    assert batch_client.batches.get(batch_id).state.num_requests == 20
    assert set(committed_adds(emu).values()) == {1}


def test_the_job_is_recorded_before_the_first_request(emu: Any, run: Any, tmp_path: Path) -> None:
    from xai_magics.batch.store import open_store
    from xai_magics.client import BadRequestError

    emu.control.inject("status", "/v1/batches", method="POST", status=400)
    with pytest.raises(BadRequestError):
        run(_frame(3), name="early")
    record = open_store(tmp_path).find("early")[0]
    assert record is not None
    assert (record.state, record.batch_id, record.n_sent) == ("created", None, 3)
    assert "[xm:" in record.batch_name
