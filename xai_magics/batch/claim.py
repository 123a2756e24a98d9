"""One sender per job, across threads, kernels and processes sharing a job store.

xAI gives no idempotency key, so two processes filling the same job would each add every row. The
process that creates and fills a job's batch holds the job's *claim* (a row in the store, taken
in a ``BEGIN IMMEDIATE`` transaction) and renews it from a heartbeat thread; the others wait for
it to be released and then find the job submitted. A claim whose process died, on this host, is
taken over at once (the ledger and the server's request list say where to resume); one that
stopped heartbeating for `STALE_AFTER_S` (a process on another host, a frozen machine) is taken
over too, and its sender stops before its next add when it notices.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from xai_magics.batch.store import ClaimHolder, JobStore, StoreError

HEARTBEAT_S = 2.0
STALE_AFTER_S = 60.0
_POLL_FIRST_S = 0.05
_POLL_MAX_S = 0.5


class ClaimLostError(RuntimeError):
    """Another process took over sending this job (this one had stopped heartbeating)."""


class Claim:
    """A held claim: ``check()`` raises once another process has taken it over."""

    def __init__(self, store: JobStore, job_id: int, token: str) -> None:
        self._store = store
        self._job_id = job_id
        self._token = token
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"xai-batch-claim-{job_id}", daemon=True
        )

    @property
    def lost(self) -> bool:
        """Whether another process has taken this claim over."""
        return self._lost.is_set()

    def check(self) -> None:
        if self.lost:
            raise ClaimLostError(
                "another process took over sending this batch job; run the cell again to "
                "follow it (nothing is added twice)"
            )

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                if not self._store.heartbeat(self._job_id, self._token):
                    self._lost.set()
                    return
            except StoreError:
                continue  # a busy store: the next beat tries again, long before it is stale

    def start(self) -> None:
        self._thread.start()

    def end(self) -> None:
        self._stop.set()
        self._thread.join()
        self._store.release(self._job_id, self._token)


@contextmanager
def sending_claim(
    store: JobStore, job_id: int, on_wait: Callable[[ClaimHolder], None] | None = None
) -> Iterator[Claim]:
    """Hold ``job_id``'s claim for the block, waiting while a live process holds it."""
    token = secrets.token_hex(8)
    delay = _POLL_FIRST_S
    told = False
    while (holder := store.try_claim(job_id, token, STALE_AFTER_S)) is not None:
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        time.sleep(delay)
        delay = min(delay * 1.5, _POLL_MAX_S)
    claim = Claim(store, job_id, token)
    claim.start()
    try:
        yield claim
    finally:
        claim.end()
