"""Progress of a batch job as an immutable snapshot, and the background thread that refreshes it.

The poller is a daemon thread, so the kernel stays free while xAI works. It backs off while
nothing changes (1 s growing to 15 s by default), keeps going through transient errors
(recorded in the snapshot, never raised into the kernel), and stops once the batch has ended and
its results are in the job store. Listeners (the progress widget, the status bar feed) get
every new snapshot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

FINAL_BATCH_STATUSES = ("done", "cancelled", "cancelled_by_xai", "expired")


@dataclass(frozen=True)
class JobSnapshot:
    """What a progress display needs, and nothing it would have to parse."""

    name: str
    batch_id: str | None
    total: int
    pending: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0
    sent: int = 0  # requests added to the batch so far (while submitting)
    batch_status: str = "submitting"
    results_fetched: bool = False
    cost_usd: float | None = None
    estimate_usd: float | None = None  # priced on submit, for while the server says nothing
    estimate_is_bound: bool = False  # the estimate is an upper bound (answers capped)
    started_at: float = 0.0
    updated_at: float = 0.0
    error: str | None = None
    cancel_message: str | None = None
    notes: tuple[str, ...] = ()  # oddities in the results (repeated or unknown ids)

    @property
    def finished(self) -> bool:
        """The batch ended and its results are stored: nothing will change any more."""
        return self.batch_status in FINAL_BATCH_STATUSES and self.results_fetched

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.cancelled

    @property
    def elapsed_s(self) -> float:
        """Time since the job started; once it finished, the time it took (it stops)."""
        end = self.updated_at if self.finished and self.updated_at else time.time()
        return max(0.0, end - self.started_at)

    def with_batch(self, batch: Any) -> JobSnapshot:
        """This snapshot updated from a server ``Batch``."""
        state = batch.state
        return replace(
            self,
            batch_id=batch.batch_id,
            pending=state.num_pending,
            succeeded=state.num_success,
            failed=state.num_error,
            cancelled=state.num_cancelled,
            batch_status=batch.status,
            cost_usd=batch.cost_usd if batch.cost_usd is not None else self.cost_usd,
            updated_at=time.time(),
            error=None,
            cancel_message=batch.cancel_by_xai_message,
        )


def job_state(snapshot: JobSnapshot) -> str:
    """What the job is doing, in a word or two ("running", "finished", "fetching results")."""
    if snapshot.finished:
        return {"done": "finished", "expired": "expired"}.get(snapshot.batch_status, "cancelled")
    return {
        "submitting": "sending requests",
        "empty": "waiting for requests",
        "running": "running",
        "done": "fetching results",
    }.get(snapshot.batch_status, snapshot.batch_status.replace("_", " "))


Listener = Callable[[JobSnapshot], None]


class Poller(threading.Thread):
    """Polls one batch until it ends, then runs ``finish`` (fetching results) once."""

    def __init__(
        self,
        refresh: Callable[[], JobSnapshot],
        finish: Callable[[], JobSnapshot],
        *,
        first_interval_s: float = 1.0,
        max_interval_s: float = 30.0,
    ) -> None:
        super().__init__(name="xai-magics-batch-poller", daemon=True)
        self._refresh = refresh
        self._finish = finish
        self._first = first_interval_s
        self._max = max_interval_s
        self._stop_event = threading.Event()
        self._wake = threading.Event()
        self.finished_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self._wake.set()

    def poke(self) -> None:
        """Poll now (after a cancel, say) instead of at the end of the current wait."""
        self._wake.set()

    def run(self) -> None:
        interval = self._first
        last_done = -1
        try:
            while not self._stop_event.is_set():
                snapshot = self._refresh()
                final = snapshot.batch_status in FINAL_BATCH_STATUSES and snapshot.error is None
                if final and self._finish().finished:
                    return
                if snapshot.error is not None or snapshot.done == last_done:
                    interval = min(interval * 1.5, self._max)
                else:
                    interval = self._first
                last_done = snapshot.done
                self._wake.wait(interval)
                self._wake.clear()
        finally:
            self.finished_event.set()
