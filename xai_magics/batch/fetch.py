"""Every results page of a finished batch, into the job store.

Results list only finished requests, in no particular order, a page at a time. Each page is
saved as it arrives (keyed by row, so fetching again is harmless); a page that fails is asked for
again with the same token, with a growing pause, before giving up for this poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from xai_magics.batch.outcomes import ResultTally, records_from_results
from xai_magics.batch.store import JobRecord, JobStore, ResultRow

PAGE_ATTEMPTS = 4


def sent_positions(store: JobStore, record: JobRecord) -> set[int]:
    """Rows of the user's frame that this job sent (its rows, minus the skipped ones)."""
    rows = store.rows(record.job_id)
    covered = range(record.n_rows) if rows is None else rows
    skipped = store.skipped(record.job_id)
    return {p for p in covered if p not in skipped}


def fetch_results(
    client: Any,
    store: JobStore,
    record: JobRecord,
    page_size: int,
    sleep: Callable[[float], None] = time.sleep,
    tally: ResultTally | None = None,
    on_page: Callable[[list[ResultRow]], None] | None = None,
) -> ResultTally | None:
    """Store every result of ``record``'s batch; None when a page kept failing.

    ``tally`` may carry what the server's counters say (``ResultTally.for_batch``); ``on_page``
    gets each page's rows once they are stored (a lazy input's results dataset grows with them).
    """
    assert record.batch_id is not None
    known = sent_positions(store, record)
    tally = tally or ResultTally()
    token: str | None = None
    seen_tokens: set[str] = set()
    while True:
        page = _page(client, record.batch_id, page_size, token, sleep)
        if page is None:
            return None
        records = records_from_results(page.results, record.id_prefix, known, tally)
        store.save_results(record.job_id, records)
        if on_page is not None and records:
            on_page(records)
        token = page.pagination_token
        if not token or not page.results or token in seen_tokens:
            return tally
        seen_tokens.add(token)


def _page(
    client: Any, batch_id: str, size: int, token: str | None, sleep: Callable[[float], None]
) -> Any:
    for attempt in range(PAGE_ATTEMPTS):
        try:
            return client.batches.results(batch_id, limit=size, pagination_token=token)
        except Exception:  # any failure of one page is retried, then reported
            sleep(min(0.5 * 2**attempt, 4.0))
    return None
