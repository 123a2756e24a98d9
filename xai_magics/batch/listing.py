"""``%grok_batch --list``: the recent jobs as one table, read from the job store alone.

Each job shows when it was created, where it ran, its rows, how many rows ended with each status
(sent rows without a result are pending while the batch runs, and then take the status the
batch's end gives them, as in the result columns), what xAI billed for its results so far, its
batch id and the server. Nothing here calls the network, so the list is instant and works
offline.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from xai_magics.batch.estimate import TICKS_PER_USD
from xai_magics.batch.job import UNFINISHED_BY_BATCH_STATUS
from xai_magics.batch.outcomes import FINAL_STATUSES
from xai_magics.batch.store import JobRecord, JobStore
from xai_magics.usage import format_usd

# the status columns, in this order; a status no listed job has is left out
STATUS_ORDER: tuple[str, ...] = (*FINAL_STATUSES, "pending")


@dataclass(frozen=True)
class JobTable:
    headers: list[str]
    rows: list[list[str]]


def job_table(store: JobStore, records: Sequence[JobRecord]) -> JobTable:
    """One row per job: name, created, state, rows, counts by status, cost, batch, server."""
    counted = [(record, status_counts(store, record)) for record in records]
    present = [s for s in STATUS_ORDER if any(counts.get(s) for _, counts in counted)]
    headers = ["job", "created", "state", "rows", *present, "cost", "batch", "server"]
    rows = []
    for record, counts in counted:
        totals = store.result_totals(record.job_id)
        cost = format_usd(totals.cost_ticks / TICKS_PER_USD) if totals.costed else ""
        rows.append(
            [
                record.name,
                time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at)),
                record.state,
                f"{record.n_rows:,}",
                *(f"{counts.get(s, 0):,}" if counts.get(s) else "" for s in present),
                cost,
                record.batch_id or _no_batch(record),
                (record.base_url or "(server not recorded)").rstrip("/"),
            ]
        )
    return JobTable(headers, rows)


def status_counts(store: JobStore, record: JobRecord) -> dict[str, int]:
    """How many of the job's rows have each status now, from the store."""
    counts = dict(store.result_counts(record.job_id))
    skipped = len(store.skipped(record.job_id))
    if skipped:
        counts["skipped"] = skipped
    unanswered = record.n_sent - sum(counts.get(s, 0) for s in counts if s != "skipped")
    if unanswered > 0:
        status = "pending"
        if record.finished:
            status = UNFINISHED_BY_BATCH_STATUS.get(record.batch_status or "", "missing")
        counts[status] = counts.get(status, 0) + unanswered
    return counts


def _no_batch(record: JobRecord) -> str:
    return "(answered now, no batch)" if record.spec.get("mode") == "now" else "(no batch yet)"
