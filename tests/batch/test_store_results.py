"""The job store keeps each result's reasoning tokens and the tier that served it; a store
written before it kept them opens, reads its old results with both unknown, and keeps them for
new results from then on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from xai_magics.batch.outcomes import assemble
from xai_magics.batch.store import JobStore, ResultRecord

NEW = (1, "p-1", "ok", "Jupiter", None, 204, 2 + 62, 2244800, 62, "priority")


def _older_store(data_dir: Path) -> None:
    """A store as the version before these columns wrote it, with one answered row."""
    JobStore(data_dir).close()
    with sqlite3.connect(data_dir / "batches.sqlite3") as db:
        db.execute("ALTER TABLE results DROP COLUMN reasoning_tokens")
        db.execute("ALTER TABLE results DROP COLUMN service_tier")
        db.execute(
            "INSERT INTO results (job_id, position, request_id, status, answer, error, "
            "input_tokens, output_tokens, cost_ticks) VALUES (7, 0, 'p-0', 'ok', '4', NULL, "
            "204, 83, 2087200)"
        )
    db.close()


def test_an_older_store_reads_old_results_as_unknown_and_keeps_new_ones(tmp_path: Path) -> None:
    _older_store(tmp_path)
    store = JobStore(tmp_path)
    try:
        store.save_results(7, [NEW])
        old, new = store.results(7)
    finally:
        store.close()
    assert old == ResultRecord(0, "p-0", "ok", "4", None, 204, 83, 2087200, None, None)
    assert new == ResultRecord(*NEW)
    outcomes = assemble(2, None, {}, [old, new], "missing")
    assert outcomes.reasoning_tokens == [None, 62]
    assert outcomes.service_tier == [None, "priority"]
    assert outcomes.output_tokens == [83, 64]  # reasoning stays counted as output


def test_a_new_store_keeps_them_across_reopening(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    store.save_results(3, [NEW])
    store.close()
    again = JobStore(tmp_path)
    try:
        (record,) = again.results(3)
    finally:
        again.close()
    assert (record.reasoning_tokens, record.service_tier) == (62, "priority")
