"""Results to one outcome per row: joined by id, repeats and strangers counted, gaps 'missing'."""

from __future__ import annotations

import pytest

from xai_magics.batch.outcomes import (
    ResultTally,
    assemble,
    counter_notes,
    overlay,
    records_from_results,
)
from xai_magics.batch.progress import JobSnapshot
from xai_magics.client.batches import BatchResult
from xai_magics.client.completion import Completion, Usage

USAGE = Usage(10, 0, 5, 1, 16, 3_000_000)


def _ok(rid: str, text: str) -> BatchResult:
    return BatchResult(rid, ok=True, completion=Completion(text=text, usage=USAGE))


def test_results_are_joined_by_id_whatever_their_order() -> None:
    results = [_ok("p-2", "two"), _ok("p-0", "zero"), _ok("p-1", "one")]
    tally = ResultTally()
    records = records_from_results(results, "p-", {0, 1, 2}, tally)
    outcomes = assemble(3, None, {}, records, "missing")
    assert outcomes.answer == ["zero", "one", "two"]
    assert outcomes.status == ["ok", "ok", "ok"]
    assert outcomes.input_tokens == [10, 10, 10]
    assert outcomes.output_tokens == [6, 6, 6]  # 5 of answer, 1 of reasoning
    assert outcomes.cost_usd == [pytest.approx(0.0003)] * 3


def test_repeated_and_unknown_ids_are_counted_and_gaps_become_missing() -> None:
    results = [
        _ok("p-0", "first"),
        _ok("p-0", "second"),
        _ok("other-1", "stranger"),
        _ok("p-99", "out of range"),
    ]
    tally = ResultTally()
    records = records_from_results(results, "p-", {0, 1, 2}, tally)
    outcomes = assemble(4, None, {3: "column 'x' is empty"}, records, "missing")
    assert outcomes.status == ["ok", "missing", "missing", "skipped"]
    assert outcomes.answer[0] == "first"
    assert (tally.repeated, tally.unknown) == (1, 2)
    assert len(tally.warnings) == 3


@pytest.mark.parametrize(
    ("result", "status"),
    [
        (BatchResult("p-0", ok=False, error="boom", error_code=3), "error"),
        (BatchResult("p-0", ok=False, error="Request cancelled.", error_code=1), "cancelled"),
        (
            BatchResult("p-0", ok=False, error="Request expired before it ran.", error_code=1),
            "expired",
        ),
        (BatchResult("p-0", ok=False, error=None), "error"),
    ],
    ids=["error", "cancelled", "expired", "no-message"],
)
def test_failed_results_map_to_a_status_and_an_error_text(result: BatchResult, status: str) -> None:
    records = records_from_results([result], "p-", {0}, ResultTally())
    outcomes = assemble(1, None, {}, records, "missing")
    assert outcomes.status == [status]
    assert outcomes.error[0]


@pytest.mark.parametrize(
    ("unfinished", "reason"),
    [
        ("pending", None),
        ("missing", "the batch finished without a result for this request"),
        ("cancelled", "the batch was cancelled before this request ran"),
        ("expired", "the batch expired before this request ran"),
    ],
)
def test_sent_rows_without_a_result_take_the_batch_ending_and_say_why(
    unfinished: str, reason: str | None
) -> None:
    records = records_from_results([_ok("p-0", "zero")], "p-", {0, 1}, ResultTally())
    outcomes = assemble(3, None, {2: "column 'x' is missing (NaN)"}, records, unfinished)  # type: ignore[arg-type]
    assert outcomes.status == ["ok", unfinished, "skipped"]
    assert outcomes.error == [None, reason, "column 'x' is missing (NaN)"]


def test_a_retry_overlays_only_the_rows_it_covered() -> None:
    first = assemble(
        3,
        None,
        {},
        records_from_results(
            [_ok("p-0", "a"), BatchResult("p-1", ok=False, error="boom")],
            "p-",
            {0, 1, 2},
            ResultTally(),
        ),
        "missing",
    )
    retry = assemble(
        3,
        [1, 2],
        {},
        records_from_results([_ok("q-1", "b"), _ok("q-2", "c")], "q-", {1, 2}, ResultTally()),
        "missing",
    )
    merged = overlay(first, retry)
    assert merged.status == ["ok", "ok", "ok"]
    assert merged.answer == ["a", "b", "c"]


def _ended(status: str, succeeded: int, failed: int, cancelled: int) -> JobSnapshot:
    return JobSnapshot(
        "job",
        "batch_1",
        succeeded + failed + cancelled,
        0,
        succeeded,
        failed,
        cancelled,
        batch_status=status,
    )


@pytest.mark.parametrize(
    ("snapshot", "status"),
    [
        (_ended("cancelled", 1, 0, 2), "cancelled"),
        (_ended("expired", 1, 0, 2), "expired"),
        (_ended("cancelled", 1, 1, 1), "error"),  # the server counted a failure: keep it
        (_ended("done", 2, 0, 0), "error"),
    ],
    ids=["cancelled-batch", "expired-batch", "a-failure-counted", "nothing-stopped"],
)
def test_an_error_in_unknown_words_follows_the_servers_counters(
    snapshot: JobSnapshot, status: str
) -> None:
    tally = ResultTally.for_batch(snapshot)
    stopped = BatchResult("p-1", ok=False, error="Stopped before it started.")
    records = records_from_results([_ok("p-0", "a"), stopped], "p-", {0, 1}, tally)
    outcomes = assemble(2, None, {}, records, "missing")
    assert outcomes.status == ["ok", status]
    assert outcomes.error[1] == "Stopped before it started."


def test_row_statuses_that_disagree_with_the_counters_are_noted() -> None:
    snapshot = _ended("done", 3, 1, 1)
    assert counter_notes({"ok": 3, "error": 1, "expired": 1}, snapshot) == []
    assert counter_notes({"ok": 2, "missing": 1, "error": 1, "cancelled": 1}, snapshot) == [
        "2 rows answered by their results, xAI counts 3"
    ]
    assert counter_notes({"ok": 3, "error": 2}, snapshot) == [
        "2 rows failed by their results, xAI counts 1",
        "0 rows cancelled or expired by their results, xAI counts 1",
    ]
