"""One keep-alive HTTP connection pool, the retry loop, and the per-call deadline.

Every endpoint goes through ``Transport``. It turns network failures and non-2xx answers into
the errors of ``errors.py``, retries what ``retry.py`` allows, and enforces ``Timeouts.total``
across attempts and between body chunks, which httpx's per-phase timeouts cannot do alone.
Errors are raised outside ``except`` blocks so that no httpx exception (whose frames hold the
request) is chained onto them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlencode

import httpx

from xai_magics._version import __version__
from xai_magics.client import interpose
from xai_magics.client.auth import BearerAuth
from xai_magics.client.config import ClientConfig
from xai_magics.client.errors import (
    APIConnectionError,
    APITimeoutError,
    MissingAPIKeyError,
    XAIError,
    status_error,
)
from xai_magics.client.network_errors import describe, phase_of, timeout_message, unreachable
from xai_magics.client.retry import (
    Retrying,
    RetryPolicy,
    parse_retry_after,
    retryable_status,
    status_reason,
)

__all__ = ["OpenStream", "Transport", "drive"]

# httpcore 1.x spends O(n^2) per request in pool bookkeeping above ~32 connections.
MAX_CONNECTIONS = 32
# Timers fire a hair early; a timeout this close to the deadline is the deadline's doing.
_DEADLINE_SLACK_S = 0.005
_T = TypeVar("_T")


def drive(
    steps: Generator[Retrying, None, _T], on_retry: Callable[[Retrying], object] | None = None
) -> _T:
    """Run a retry loop to its end, handing each ``Retrying`` notice to ``on_retry`` (if given)
    before the wait, so a caller without a stream can still say "retrying in 2 s"."""
    while True:
        try:
            notice = next(steps)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_retry is not None:
            on_retry(notice)


@dataclass
class OpenStream:
    """A streaming response whose headers arrived, with the call's deadline still running."""

    response: httpx.Response
    attempts: int
    deadline: float | None
    read_timeout_s: float
    _transport: Transport

    def iter_bytes(self) -> Iterator[bytes]:
        """Body chunks as they arrive; network failures become ``APIConnectionError``."""
        return self._transport._iter_body(self.response, self.deadline, self.read_timeout_s)

    def close(self) -> None:
        self.response.close()


class _Outcome(NamedTuple):
    """What one attempt produced: the opened response, or an error and whether to try again."""

    result: OpenStream | XAIError
    retryable: bool = False
    server_wait_s: float | None = None
    reason: str = ""


class Transport:
    """HTTP access to the xAI API: auth, retries, timeouts, error mapping."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = config.base_url
        self.config = config
        self._auth = BearerAuth(config.api_key)
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client(
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
            ),
            headers={"User-Agent": f"xai-magics/{__version__}"},
        )
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._jitter = jitter

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, max_retries={self.config.max_retries})"

    # -- public surface ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> httpx.Response:
        """Send one call with retries; the returned response has its body read."""
        response, _ = drive(
            self.request_steps(
                method,
                path,
                json=json,
                content=content,
                params=params,
                files=files,
                headers=headers,
                max_retries=max_retries,
            )
        )
        return response

    @contextmanager
    def stream(
        self, method: str, path: str, *, json: object | None = None
    ) -> Iterator[httpx.Response]:
        """A streaming response; retried only until its headers arrive, closed on exit."""
        opened = drive(self.stream_steps(method, path, json=json))
        try:
            yield opened.response
        finally:
            opened.close()

    def auth_header(self) -> dict[str, str]:
        """The Authorization header, for the WebSocket client. Never log it."""
        return self._auth.header()

    def ws_url(self, path: str, params: Mapping[str, str]) -> str:
        """The WebSocket URL for ``path`` under the base URL (http -> ws, https -> wss)."""
        url = self.base_url + path
        if url.startswith("https://"):
            url = "wss://" + url[len("https://") :]
        elif url.startswith("http://"):
            url = "ws://" + url[len("http://") :]
        return f"{url}?{urlencode(params)}" if params else url

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    # -- retry loops as generators: each yields a Retrying notice before it sleeps ------------

    def request_steps(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> Generator[Retrying, None, tuple[httpx.Response, int]]:
        """Retry loop for a call whose whole body is read; returns (response, attempts)."""
        opened = yield from self._attempts(
            method, path, json, content, params, files, headers, max_retries, stream=False
        )
        return opened.response, opened.attempts

    def stream_steps(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Generator[Retrying, None, OpenStream]:
        """Retry loop for a stream: retries stop once the response headers arrive."""
        return (
            yield from self._attempts(
                method, path, json, None, None, None, headers, None, stream=True
            )
        )

    def _attempts(
        self,
        method: str,
        path: str,
        json: object | None,
        content: bytes | None,
        params: Mapping[str, str | int] | None,
        files: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        max_retries: int | None,
        *,
        stream: bool,
    ) -> Generator[Retrying, None, OpenStream]:
        policy = RetryPolicy(
            max_retries=self.config.max_retries if max_retries is None else max_retries
        )
        total = self.config.timeouts.total
        deadline = None if total is None else self._clock() + total
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            outcome = self._one_attempt(
                method, url, json, content, params, files, headers, deadline, attempt, stream
            )
            failure = outcome.result
            if isinstance(failure, OpenStream):
                return failure
            if not outcome.retryable or attempt > policy.max_retries:
                raise failure
            if policy.too_long(outcome.server_wait_s):
                raise failure
            delay = policy.delay(attempt - 1, outcome.server_wait_s, self._jitter())
            if deadline is not None and self._clock() + delay >= deadline:
                raise failure
            yield Retrying(attempt=attempt, delay_s=delay, reason=outcome.reason)
            self._sleep(delay)

    def _one_attempt(
        self,
        method: str,
        url: str,
        json: object | None,
        content: bytes | None,
        params: Mapping[str, str | int] | None,
        files: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        deadline: float | None,
        attempt: int,
        stream: bool,
    ) -> _Outcome:
        """One try, with its failure turned into an error (raised later, outside any handler)."""
        timeout = self._attempt_timeout(deadline, attempt)
        if isinstance(timeout, XAIError):
            return _Outcome(timeout)
        request = self._client.build_request(
            method,
            url,
            json=json,
            content=content,
            params=params,
            files=files,
            headers=headers,
            timeout=timeout,
        )
        try:
            response = interpose.send(request, self._send)
        except httpx.TimeoutException as exc:
            spent = deadline is not None and self._clock() >= deadline - _DEADLINE_SLACK_S
            phase = "total" if spent else phase_of(exc)
            failure = APITimeoutError(
                timeout_message(self.base_url, self.config.timeouts, phase),
                phase=phase,
                attempts=attempt,
            )
            return _Outcome(failure, phase != "total", reason=f"{phase} timeout")
        except httpx.TransportError as exc:
            why = describe(exc)
            return _Outcome(unreachable(self.base_url, why, attempt), True, reason=why)
        read_timeout = timeout.read if timeout.read is not None else self.config.timeouts.read
        if response.is_success:
            if stream or _already_read(response):
                return _Outcome(OpenStream(response, attempt, deadline, read_timeout, self))
            try:
                body = b"".join(self._iter_body(response, deadline, read_timeout, raw=True))
            except APIConnectionError as err:
                err.attempts = attempt
                total_spent = isinstance(err, APITimeoutError) and err.phase == "total"
                return _Outcome(err, not total_spent, reason="connection broke")
            finished = httpx.Response(
                response.status_code,
                headers=response.headers,
                content=body,
                request=response.request,
                extensions=response.extensions,
            )
            return _Outcome(OpenStream(finished, attempt, deadline, read_timeout, self))
        try:
            body = b"".join(self._iter_body(response, deadline, read_timeout, raw=True))
        except XAIError:
            body = b""
        now = self._wall_clock()
        server_wait = parse_retry_after(response.headers, now)
        error = status_error(
            response.status_code,
            body,
            url=url,
            request_id=response.headers.get("x-request-id"),
            attempts=attempt,
            retry_after_s=server_wait,
            now=now,
        )
        should = response.headers.get("x-should-retry")
        retryable = retryable_status(response.status_code) if should is None else should == "true"
        return _Outcome(error, retryable, server_wait, status_reason(response.status_code))

    # -- helpers -------------------------------------------------------------------------------

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Put one request on the wire, authenticated; the body is read by the caller."""
        if self.config.key_source == "replay":
            # Made while every answer was replayed: it has no key to send.
            raise MissingAPIKeyError()
        return self._client.send(request, auth=self._auth, stream=True)

    def _attempt_timeout(self, deadline: float | None, attempt: int) -> httpx.Timeout | XAIError:
        """Per-phase timeouts for one attempt, each cut to what is left of the call's deadline."""
        t = self.config.timeouts
        if deadline is None:
            return httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)
        remaining = deadline - self._clock()
        if remaining <= 0:
            return APITimeoutError(
                timeout_message(self.base_url, t, "total"), phase="total", attempts=attempt
            )
        return httpx.Timeout(
            connect=min(t.connect, remaining),
            read=min(t.read, remaining),
            write=min(t.write, remaining),
            pool=min(t.pool, remaining),
        )

    def _iter_body(
        self,
        response: httpx.Response,
        deadline: float | None,
        read_timeout_s: float,
        *,
        raw: bool = False,
    ) -> Iterator[bytes]:
        if _already_read(response):
            # Responses built in memory (httpx.MockTransport) arrive with their body read.
            yield response.content
            return
        identity = raw or response.headers.get("content-encoding", "identity") == "identity"
        chunks = response.iter_raw() if identity else response.iter_bytes()
        clock = self._clock
        failure: XAIError | None = None
        try:
            for chunk in chunks:
                yield chunk
                if deadline is not None and clock() > deadline:
                    failure = APITimeoutError(
                        timeout_message(self.base_url, self.config.timeouts, "total"), phase="total"
                    )
                    break
        except httpx.ReadTimeout:
            if deadline is not None and clock() >= deadline - _DEADLINE_SLACK_S:
                # The read timeout was shortened to what was left of the call's deadline.
                failure = APITimeoutError(
                    timeout_message(self.base_url, self.config.timeouts, "total"), phase="total"
                )
            else:
                failure = APITimeoutError(
                    f"stream stalled (no data for {read_timeout_s:g} s) from {self.base_url}; "
                    "run again, or raise Timeouts(read=...) for slow models",
                    phase="read",
                )
        except httpx.TimeoutException as exc:
            failure = APITimeoutError(
                timeout_message(self.base_url, self.config.timeouts, phase_of(exc)),
                phase=phase_of(exc),
            )
        except httpx.TransportError as exc:
            failure = APIConnectionError(
                f"connection to {self.base_url} broke while reading the answer "
                f"({describe(exc)}); run again"
            )
        if failure is not None:
            response.close()
            raise failure


def _already_read(response: httpx.Response) -> bool:
    try:
        response.content  # noqa: B018 - raises ResponseNotRead for a streamed body
    except httpx.ResponseNotRead:
        return False
    return True
