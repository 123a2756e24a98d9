"""Sending a job: create its batch once, then add every chunk exactly once.

Exactly-once is ours to guarantee: xAI gives no idempotency key, and a re-added
``batch_request_id`` counts twice. So:

- The batch's server name is ``<job name> [xm:<fingerprint>:<nonce>]``. If ``create`` fails in a
  way that may have committed (connection lost, timeout, 5xx), or the kernel died during it, the
  batch list is searched for that name before anything is created again.
- Before a job's first create, the list is also searched for a batch of the same job name and
  fingerprint that no job in the store follows (the store was emptied, or moved): that batch is
  adopted, and its requests are listed so that only the rows it lacks are added.
- One process at a time sends a job (the caller holds the job's claim, ``claim.py``); ``guard``
  is called before every add so that a sender whose claim was taken over stops.
- Each chunk is written to the ledger as *sent* before its call and *acknowledged* after it.
  A failure that may have committed (connection lost, timeout, 5xx) is resolved by listing the
  batch's requests: what landed is marked *verified*, only what is missing is added again.
- 429 answers mean nothing was added: wait ``Retry-After`` (or back off) and send again. Calls
  are also paced below xAI's documented 100 add-requests calls per 30 s.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from xai_magics.batch.chunks import Chunk
from xai_magics.batch.store import ChunkState, JobRecord, JobStore
from xai_magics.client.errors import (
    APIConnectionError,
    APIStatusError,
    InternalServerError,
    RateLimitError,
)

# Documented limit: at most 100 add-requests calls per rolling 30 s per team.
ADD_RATE = (100, 30.0)
AddOutcome = Literal["added", "rate-limited", "unknown"]
_LIST_PAGES_FOR_NAME = 20
_MAX_ATTEMPTS_PER_CHUNK = 8


class SubmitError(RuntimeError):
    """The batch could not be filled; the job store keeps what was done, so re-running resumes."""


def batch_token(digest: str, nonce: str) -> str:
    return f"[xm:{digest[:12]}:{nonce}]"


def is_ambiguous(exc: BaseException) -> bool:
    """A failure after which only a listing can tell what the batch holds.

    Connection loss, timeouts and 5xx may come after the server applied the call; a refusal
    naming duplicate ids means part of what we sent is already there.
    """
    if isinstance(exc, (APIConnectionError, InternalServerError)):
        return True
    if not isinstance(exc, APIStatusError):
        return False
    duplicate = exc.status_code == 400 and "Duplicate batch_request_id" in str(exc)
    return duplicate or exc.status_code in (408, 409, 502, 503, 504)


@dataclass
class RateLimiter:
    """A rolling window of call times: sleeps just enough to stay under ``calls`` per ``per_s``."""

    calls: int
    per_s: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._times: deque[float] = deque(maxlen=self.calls)

    def wait(self) -> None:
        if len(self._times) == self.calls:
            ready_at = self._times[0] + self.per_s
            delay = ready_at - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._times.append(self.clock())


class Sender:
    """Creates the batch of a job and adds its chunks, recording every step in the store."""

    def __init__(
        self,
        client: Any,
        store: JobStore,
        *,
        add_rate: tuple[int, float] = ADD_RATE,
        sleep: Callable[[float], None] = time.sleep,
        on_chunk: Callable[[int, int], None] | None = None,
        guard: Callable[[], None] | None = None,
    ) -> None:
        self._batches = client.batches
        self._store = store
        self._sleep = sleep
        self._limiter = RateLimiter(*add_rate, sleep=sleep)
        self._on_chunk = on_chunk
        self._guard = guard
        #: whether `ensure_batch` adopted a batch it found on the server (not created here)
        self.adopted = False

    # -- create -----------------------------------------------------------------------------

    def ensure_batch(self, job: JobRecord, exclude: Collection[str] = ()) -> str:
        """The job's batch id: recorded, found on the server by name, or newly created.

        Creates are sent without the HTTP layer's retries: a 5xx may come after the batch was
        made, so after any ambiguous failure the list is searched for the name's token before
        creating again. Should two exist all the same, the oldest is kept and the empty extras
        are cancelled. A job that may adopt (``spec["adoptable"]``) first looks for a batch of
        the same name and fingerprint that is not one of ``exclude`` (batches other jobs
        follow) and not cancelled, and takes the oldest.
        """
        if job.batch_id:
            return job.batch_id
        own, same = self._find_by_name(job, exclude)
        if not own and same:
            self.adopted = True
            self._store.set_batch_id(job.job_id, same[-1])
            return same[-1]
        if not own:
            try:
                self._batches.create(job.batch_name, max_retries=0)
            except Exception as exc:
                if not is_ambiguous(exc):
                    raise
            own, _ = self._find_by_name(job, exclude)
            if not own:
                self._batches.create(job.batch_name, max_retries=0)
                own, _ = self._find_by_name(job, exclude)
        if not own:
            raise SubmitError(f"created batch {job.batch_name!r} but cannot find it in the list")
        kept, extras = own[-1], own[:-1]  # the list is newest first
        for extra in extras:
            self._batches.cancel(extra)
        self._store.set_batch_id(job.job_id, kept)
        return kept

    def _find_by_name(
        self, job: JobRecord, exclude: Collection[str]
    ) -> tuple[list[str], list[str]]:
        """Ids of batches named with this job's token, and (for a job that may adopt) of live
        batches of the same job name and fingerprint; both newest first."""
        token = job.batch_name[job.batch_name.rfind("[xm:") :]
        content = (
            f"{job.name} {token[: token.rfind(':') + 1]}" if job.spec.get("adoptable") else None
        )
        own: list[str] = []
        same: list[str] = []
        token_page: str | None = None
        for _ in range(_LIST_PAGES_FOR_NAME):
            page = self._batches.list(limit=100, pagination_token=token_page)
            for batch in page.batches:
                if batch.name.endswith(token):
                    own.append(str(batch.batch_id))
                elif (
                    content is not None
                    and batch.name.startswith(content)
                    and batch.cancel_time is None
                    and batch.batch_id not in exclude
                ):
                    same.append(str(batch.batch_id))
            token_page = page.pagination_token
            if not token_page or not page.batches:
                break
        return own, same

    # -- add --------------------------------------------------------------------------------

    def resolve_unfinished_chunk(
        self, job: JobRecord, batch_id: str, chunk: Chunk, request_id: Callable[[int], str]
    ) -> None:
        """A chunk the ledger shows *sent* but not acknowledged (the kernel died mid-call)."""
        self._verify_and_complete(job, batch_id, chunk, request_id)

    def add_chunks(
        self,
        job: JobRecord,
        batch_id: str,
        chunks: Iterable[Chunk],
        request_id: Callable[[int], str],
        landed: set[str] | None = None,
    ) -> None:
        """Add each chunk exactly once (see the module docstring); ``landed``, the ids an
        adopted batch already holds, are not added again."""
        for chunk in chunks:
            self._mark(job, chunk, "sent")
            if landed is None:
                self._add_one(job, batch_id, chunk, request_id)
            else:
                self._add_missing(job, batch_id, chunk, request_id, landed)
            if self._on_chunk is not None:
                self._on_chunk(chunk.index, chunk.count)

    def _add_missing(
        self,
        job: JobRecord,
        batch_id: str,
        chunk: Chunk,
        request_id: Callable[[int], str],
        landed: set[str],
    ) -> None:
        missing = {p for p in chunk.positions if request_id(p) not in landed}
        if not missing:
            self._mark(job, chunk, "verified")
        elif len(missing) == chunk.count:
            self._add_one(job, batch_id, chunk, request_id)
        else:
            body = _subset(chunk, request_id, missing)
            self._add_one(job, batch_id, replace(chunk, body=body), request_id)

    def _add_one(
        self, job: JobRecord, batch_id: str, chunk: Chunk, request_id: Callable[[int], str]
    ) -> None:
        for attempt in range(_MAX_ATTEMPTS_PER_CHUNK):
            outcome = self._attempt(batch_id, chunk.body, attempt)
            if outcome == "added":
                self._mark(job, chunk, "acknowledged")
                return
            if outcome == "unknown":
                self._verify_and_complete(job, batch_id, chunk, request_id)
                return
        raise SubmitError(
            f"chunk {chunk.index} was rate-limited {_MAX_ATTEMPTS_PER_CHUNK} times in a row; "
            "run the cell again later to resume where it stopped"
        )

    def _verify_and_complete(
        self, job: JobRecord, batch_id: str, chunk: Chunk, request_id: Callable[[int], str]
    ) -> None:
        """List what landed; add only the requests of ``chunk`` that did not."""
        for attempt in range(_MAX_ATTEMPTS_PER_CHUNK):
            landed = self.landed_ids(batch_id)
            missing = [p for p in chunk.positions if request_id(p) not in landed]
            if not missing:
                self._mark(job, chunk, "verified")
                return
            body = chunk.body
            if len(missing) < chunk.count:
                body = _subset(chunk, request_id, set(missing))
            if self._attempt(batch_id, body, attempt) == "added":
                self._mark(job, chunk, "acknowledged")
                return
        raise SubmitError(
            f"could not confirm chunk {chunk.index} after {_MAX_ATTEMPTS_PER_CHUNK} attempts; "
            "nothing was added twice, and running the cell again resumes from this chunk"
        )

    def _attempt(self, batch_id: str, body: bytes, attempt: int) -> AddOutcome:
        """One add-requests call, paced: added, rate-limited (nothing added), or unknown."""
        self._limiter.wait()
        if self._guard is not None:
            self._guard()
        try:
            self._batches.add_requests(batch_id, body)
        except RateLimitError as exc:
            self._sleep(exc.retry_after_s or min(2.0**attempt, 30.0))
            return "rate-limited"
        except Exception as exc:
            if not is_ambiguous(exc):
                raise
            self._sleep(min(0.5 * 2**attempt, 8.0))
            return "unknown"
        return "added"

    def landed_ids(self, batch_id: str) -> set[str]:
        """Every request id the batch holds (paged listing of request metadata)."""
        return {meta.batch_request_id for meta in self._batches.iter_requests(batch_id)}

    def _mark(self, job: JobRecord, chunk: Chunk, state: ChunkState) -> None:
        self._store.record_chunk(
            job.job_id,
            chunk.index,
            chunk.first_row,
            chunk.stop_row,
            chunk.count,
            len(chunk.body),
            state,
        )


def _subset(chunk: Chunk, request_id: Callable[[int], str], keep: set[int]) -> bytes:
    """The chunk's body reduced to the requests of rows in ``keep`` (rare: a partial commit)."""
    wanted = {request_id(p) for p in keep}
    requests = json.loads(chunk.body)["batch_requests"]
    kept = [r for r in requests if r["batch_request_id"] in wanted]
    return json.dumps({"batch_requests": kept}, ensure_ascii=False, separators=(",", ":")).encode()
