"""Row statuses agree with the batch's own counters, whatever shape the errors come in.

xAI has been seen to send a request's error as ``{code, message}``, as a plain string, and as a
top-level ``error_message``; a request stopped by its batch's cancel or expiry must read as
``cancelled``/``expired`` in every shape (the server counts them in ``num_cancelled``), and only
real failures as ``error`` (``num_error``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.batch.helpers import FAST
from xai_magics.batch import BatchJob, submit
from xai_magics.batch.outcomes import ResultTally, assemble, records_from_results

SHAPES = ["status", "string", "error_message"]
PREFIX = "p-"


def _request(position: int, prompt: str) -> dict[str, Any]:
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": prompt}]}
    return {
        "batch_request_id": f"{PREFIX}{position}",
        "batch_request": {"chat_get_completion": body},
    }


def _settled(client: Any, batch_id: str) -> Any:
    """The batch once nothing is pending (the limit only stops a broken emulator hanging)."""
    deadline = time.monotonic() + 20
    while True:
        batch = client.batches.get(batch_id)
        if batch.state.num_pending == 0 or time.monotonic() > deadline:
            return batch
        time.sleep(0.05)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("ending", ["cancelled", "expired", "finished"])
def test_row_statuses_equal_the_batch_counters(
    emu: Any, batch_client: Any, shape: str, ending: str
) -> None:
    emu.control.configure(batch_error_shape=shape, batch_expire_seconds=1.5)
    batch_id = batch_client.batches.create(f"{shape}-{ending}").batch_id
    # one answered and one failed request, finished before the batch ends
    batch_client.batches.add_requests(
        batch_id, [_request(0, "Hello"), _request(1, "please emulator:fail now")]
    )
    _settled(batch_client, batch_id)
    n_rows = 2
    if ending != "finished":
        # three more that are still pending when the batch is cancelled or expires
        emu.control.configure(batch_seconds_per_request=3600)
        batch_client.batches.add_requests(batch_id, [_request(p, "Later") for p in (2, 3, 4)])
        n_rows = 5
        if ending == "cancelled":
            batch_client.batches.cancel(batch_id)
    state = _settled(batch_client, batch_id).state

    tally = ResultTally()
    results = batch_client.batches.iter_results(batch_id)
    records = records_from_results(results, PREFIX, set(range(n_rows)), tally)
    counts = assemble(n_rows, None, {}, records, "missing").counts()

    assert counts.get("ok", 0) == state.num_success
    assert counts.get("error", 0) == state.num_error
    assert counts.get("cancelled", 0) + counts.get("expired", 0) == state.num_cancelled
    expected = {"ok": 1, "error": 1} | ({} if ending == "finished" else {ending: 3})
    assert counts == expected
    assert tally.warnings == []


def _job(batch_client: Any, tmp_path: Path) -> BatchJob:
    df = pd.DataFrame({"w": ["one", "two", "three", None]})
    job = submit(df, "Define {w}", client=batch_client, data_dir=str(tmp_path), settings=FAST)
    assert isinstance(job, BatchJob)
    return job


@pytest.mark.parametrize("shape", SHAPES)
def test_a_job_over_a_cancelled_batch_agrees_with_the_counters(
    emu: Any, batch_client: Any, tmp_path: Path, shape: str
) -> None:
    # one result is never listed: the batch was cancelled, so that row was cancelled too
    emu.control.configure(
        batch_error_shape=shape, batch_seconds_per_request=3600, batch_results_quirk="omit"
    )
    job = _job(batch_client, tmp_path)
    job.cancel()
    snapshot = job.wait(timeout=30)
    job.stop_polling(timeout=5)
    out = job.results()
    assert out["answer_status"].tolist() == ["cancelled"] * 3 + ["skipped"]
    assert "the batch was cancelled before this request ran" in out["answer_error"].tolist()
    assert snapshot.cancelled == 3
    assert snapshot.notes == ()


def test_a_cancel_answered_before_the_results_were_stored_leaves_the_final_counts(
    emu: Any, batch_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The poller's thread may fetch and store the results of a cancelled batch while the
    # cancel's own request is still on its way back; that response, older, must not undo the
    # finished job's counts. Here the response comes back last by construction: one row was not
    # counted cancelled yet when the server made it.
    emu.control.configure(batch_seconds_per_request=3600)
    job = _job(batch_client, tmp_path)
    job.cancel()
    final = job.wait(timeout=30)
    job.stop_polling(timeout=5)
    assert (final.finished, final.cancelled) == (True, 3)
    cancel = batch_client.batches.cancel

    def older_answer(batch_id: str) -> Any:
        batch = cancel(batch_id)
        state = batch.state.model_copy(update={"num_pending": 1, "num_cancelled": 2})
        return batch.model_copy(update={"state": state})

    monkeypatch.setattr(batch_client.batches, "cancel", older_answer)
    assert job.cancel().cancelled == 3
    now = job.snapshot
    assert (now.finished, now.pending, now.cancelled) == (True, 0, 3)


def test_a_result_left_out_of_a_finished_batch_is_noted(
    emu: Any, batch_client: Any, tmp_path: Path
) -> None:
    emu.control.configure(batch_results_quirk="omit")
    job = _job(batch_client, tmp_path)
    snapshot = job.wait(timeout=30)
    job.stop_polling(timeout=5)
    assert sorted(job.results()["answer_status"]) == ["missing", "ok", "ok", "skipped"]
    assert snapshot.notes == ("2 rows answered by their results, xAI counts 3",)
