"""The row sender: rows out one request each, as fast as the governor allows, answers stored.

A dispatcher takes rows in order and hands each, once the governor lets it go, to a worker thread
of the client's connection pool. Every answer is written to the job store the moment it arrives,
so an interrupt or a dead kernel loses only the requests in flight. Stopping (the kernel's
interrupt, or a ``stop`` event) sends nothing more and lets the requests in flight finish and be
stored: a re-run then sends only the rows still without an answer, none twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from xai_magics.batch.now.estimate import DEFAULT_CONCURRENCY
from xai_magics.batch.now.limits import governor_for
from xai_magics.batch.now.rows import (
    PATHS,
    Endpoint,
    RowRequest,
    answered,
    completion_of,
    failed,
    request_body,
)
from xai_magics.batch.now.spend import RunSpend
from xai_magics.batch.store import JobStore, ResultRow
from xai_magics.batch.wire import RequestSpec
from xai_magics.client._transport import MAX_CONNECTIONS
from xai_magics.client.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
)
from xai_magics.client.retry import RetryPolicy, retryable_status

#: a row is refused after this many 429s in a row (the run goes on with the others)
MAX_RATE_LIMITED = 12
_OUT_OF_CREDITS = ("credits", "spending limit")


@dataclass(frozen=True)
class NowSettings:
    """How rows are sent: endpoint, tier, the concurrency cap and the per-request size limit."""

    endpoint: Endpoint = "responses"
    tier: str | None = None
    max_concurrency: int = DEFAULT_CONCURRENCY
    max_prompt_bytes: int = 4_000_000
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class Tally:
    """What the run did so far (updated by worker threads under the sender's lock)."""

    sent: int = 0  # requests that reached the server with an answer (ok or error)
    succeeded: int = 0
    failed: int = 0
    rate_limited: int = 0
    cost_ticks: int = 0


class FatalError(RuntimeError):
    """A failure no other row would escape (a rejected key, no credits): the run stops."""


class RowSender:
    """Sends rows over ``client``'s transport, storing each result under ``job_id``."""

    def __init__(
        self,
        client: Any,
        store: JobStore,
        job_id: int,
        id_prefix: str,
        spec: RequestSpec,
        settings: NowSettings,
        *,
        on_result: Callable[[Tally], None] | None = None,
        stop: threading.Event | None = None,
        spend: RunSpend | None = None,
        on_answer: Callable[[int, float], None] | None = None,
    ) -> None:
        self._transport = client.transport
        self._store = store
        self._job_id = job_id
        self._id_prefix = id_prefix
        self._spec = spec
        self._settings = settings
        self._on_result = on_result
        #: told each answered row's position and seconds from its request to its answer
        self._on_answer = on_answer
        self.spend = spend or RunSpend(spec.model, settings.tier)
        self.stop = stop or threading.Event()
        self.governor = governor_for(
            self._transport, min(settings.max_concurrency, MAX_CONNECTIONS)
        )
        self.tally = Tally()
        self.fatal: BaseException | None = None
        self._lock = threading.Lock()

    def run(self, rows: Iterable[RowRequest], check: Callable[[], None] = lambda: None) -> Tally:
        """Send ``rows`` until done or stopped; in-flight requests always finish and are stored.

        ``check`` runs before each send (the job claim's check: it raises once another process
        took the job over, which stops the run like an interrupt).
        """
        workers = self.governor.max_concurrency
        with ThreadPoolExecutor(workers, thread_name_prefix="xai-now") as pool:
            for row in rows:
                try:
                    check()
                except RuntimeError as exc:
                    self._fail_all(exc)
                if not self.governor.acquire(row.tokens, self.stop):
                    break
                pool.submit(self._row, row)
        if self.fatal is not None:
            raise self.fatal
        return self.tally

    def _fail_all(self, exc: BaseException) -> None:
        with self._lock:
            if self.fatal is None:
                self.fatal = exc
        self.stop.set()

    def _row(self, row: RowRequest) -> None:
        """One row to its stored result; holds one governor slot on entry."""
        started = time.monotonic()
        try:
            result = self._send(row)
        except BaseException as exc:  # a worker must never die silently: stop the run
            self._fail_all(exc)
            return
        if result is None:
            return  # stopped while waiting to retry: the row stays unanswered
        self._store.save_results(self._job_id, [result])
        if self._on_answer is not None and result[2] == "ok":
            self._on_answer(row.position, time.monotonic() - started)
        with self._lock:
            self.tally.sent += 1
            if result[2] == "ok":
                self.tally.succeeded += 1
                self.tally.cost_ticks += result[7] or 0
            else:
                self.tally.failed += 1
            snapshot = Tally(**self.tally.__dict__)
        if self._on_result is not None:
            self._on_result(snapshot)

    def _send(self, row: RowRequest) -> ResultRow | None:
        endpoint = self._settings.endpoint
        body = request_body(self._spec, row.prompt, endpoint, self._settings.tier)
        request_id = f"{self._id_prefix}{row.position}"
        limited = 0
        failures = 0
        while True:
            try:
                response = self._transport.request(
                    "POST", PATHS[endpoint], json=body, max_retries=0
                )
            except RateLimitError as exc:
                if any(word in exc.message.lower() for word in _OUT_OF_CREDITS):
                    self.governor.released()
                    raise FatalError(str(exc)) from None
                limited += 1
                self.governor.limited({}, exc.retry_after_s)
                with self._lock:
                    self.tally.rate_limited += 1
                if limited >= MAX_RATE_LIMITED:
                    self.governor.released()
                    return failed(row.position, request_id, f"rate limited {limited} times: {exc}")
            except (AuthenticationError, PermissionDeniedError) as exc:
                self.governor.released()
                raise FatalError(str(exc)) from None
            except (APIStatusError, APIConnectionError) as exc:
                status = getattr(exc, "status_code", None)
                if (status is not None and not retryable_status(status)) or (
                    failures >= self._retries
                ):
                    self.governor.released()
                    return failed(row.position, request_id, str(exc))
                failures += 1
                if self.stop.wait(self._settings.retry.backoff(failures - 1, 0.5)):
                    self.governor.released()
                    return None
            else:
                try:
                    completion = completion_of(endpoint, response.json())
                except (ValueError, TypeError, AttributeError) as exc:
                    self.governor.answered(response.headers, 0)
                    return failed(row.position, request_id, f"unreadable answer: {exc}")
                usage = completion.usage
                self.governor.answered(response.headers, usage.total_tokens if usage else 0)
                self.spend.add(completion)
                return answered(row.position, request_id, completion)
            # the request kept its slot: send it again once the pause and the pacing allow
            if not self.governor.retry_turn(row.tokens, self.stop):
                return None

    @property
    def _retries(self) -> int:
        return self._settings.retry.max_retries
