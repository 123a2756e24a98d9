"""``CompletionStream``: an answer's SSE stream, opened with retries, read, and closed safely.

What the events mean is ``stream_fold``'s job; this module owns the connection's life: when to
open it again, what a failure leaves behind, and that closing or Ctrl-C frees the socket.

Failure rules: the stream is retried only before its headers arrive, plus once when the
server sends an error event before any text. After that nothing is replayed; whatever arrived
stays in ``snapshot`` and in the raised error's ``partial``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator

from xai_magics.client._closing import Closing
from xai_magics.client._transport import OpenStream
from xai_magics.client.completion import Completion, Endpoint, Retrying, Status, StreamEvent
from xai_magics.client.errors import (
    APIConnectionError,
    APITimeoutError,
    IncompleteStreamError,
    StreamParseError,
    XAIError,
)
from xai_magics.client.sse import SSEDecoder
from xai_magics.client.stream_fold import StreamFold

__all__ = ["CompletionStream"]

OpenSteps = Callable[[], Generator[Retrying, None, OpenStream]]
_ERROR_EVENT_RETRY_S = 0.5


class CompletionStream(Closing):
    """Iterate for ``TextDelta`` / ``ReasoningDelta`` / ``Retrying``; read ``snapshot`` any time.

    Use it as a context manager, or call ``close()``: either closes the socket, and a stream
    stopped early (including by KeyboardInterrupt) keeps its text with status ``"stopped"``.
    """

    def __init__(
        self,
        open_steps: OpenSteps,
        *,
        endpoint: Endpoint,
        model: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._open_steps = open_steps
        self._sleep = sleep
        self._endpoint: Endpoint = endpoint
        self._model = model
        self._clock = clock
        self._events: Generator[StreamEvent, None, None] | None = None
        self._handle: OpenStream | None = None
        self._started: float | None = None
        self._fold = StreamFold(endpoint, model, clock, 0.0)
        self._status: Status = "streaming"
        self._error: XAIError | None = None
        self._elapsed: float | None = None
        self._retries = 0

    def __repr__(self) -> str:
        return (
            f"CompletionStream(endpoint={self._endpoint!r}, status={self._status!r}, "
            f"chars={self._fold.chars})"
        )

    # -- public surface ----------------------------------------------------------------------

    @property
    def snapshot(self) -> Completion:
        """The completion so far (a fresh object each time)."""
        fold = self._fold
        return Completion(
            text="".join(fold.text),
            reasoning="".join(fold.reasoning),
            model=fold.model,
            id=fold.id,
            service_tier=fold.service_tier,
            usage=fold.usage,
            finish_reason=fold.finish_reason,
            status=self._status,
            error=self._error,
            ttft_s=fold.ttft,
            elapsed_s=self._elapsed if self._elapsed is not None else self._since_start(),
            retries=self._retries,
            endpoint=self._endpoint,
            raw=fold.raw,
            tool_calls=fold.tool_calls(),
            server_tools=tuple(fold.server_tools),
            sources=tuple(fold.sources.values()),
        )

    def __iter__(self) -> Iterator[StreamEvent]:
        return self

    def __next__(self) -> StreamEvent:
        if self._events is None:
            self._events = self._run()
        return next(self._events)

    def until_done(self) -> Completion:
        """Consume the rest of the stream and return the final snapshot."""
        for _ in self:
            pass
        return self.snapshot

    def close(self) -> None:
        """Stop reading and close the connection; text so far is kept (status ``"stopped"``)."""
        if self._events is not None:
            self._events.close()
        if self._handle is not None:
            self._handle.close()
        self._finish("stopped")

    # -- the event loop ------------------------------------------------------------------------

    def _run(self) -> Generator[StreamEvent, None, None]:
        self._started = self._clock()
        self._fold = StreamFold(self._endpoint, self._model, self._clock, self._started)
        replayed = False
        try:
            while True:
                self._handle = yield from self._open()
                try:
                    yield from self._read(self._handle)
                    return
                except IncompleteStreamError:
                    # An error event before any output is safe to retry once: nothing was shown
                    # yet, so nothing can be shown twice.
                    if replayed or not self._fold.error_event or self._fold.has_output:
                        raise
                replayed = True
                self._fold = StreamFold(self._endpoint, self._model, self._clock, self._started)
                self._retries += 1
                yield Retrying(self._retries, _ERROR_EVENT_RETRY_S, "error event before output")
                self._sleep(_ERROR_EVENT_RETRY_S)
        except XAIError as err:
            self._fail(err)
            raise
        except BaseException:
            # KeyboardInterrupt, GeneratorExit from close(): keep the text, drop the socket.
            if self._handle is not None:
                self._handle.close()
            self._finish("stopped")
            raise

    def _open(self) -> Generator[StreamEvent, None, OpenStream]:
        steps = self._open_steps()
        while True:
            try:
                notice = next(steps)
            except StopIteration as stop:
                opened: OpenStream = stop.value
                return opened
            self._retries += 1
            yield Retrying(self._retries, notice.delay_s, notice.reason)

    def _read(self, handle: OpenStream) -> Generator[StreamEvent, None, None]:
        decoder = SSEDecoder()
        feed = decoder.feed
        fold = self._fold.fold
        out: list[StreamEvent] = []
        failure: XAIError | None = None
        try:
            for chunk in handle.iter_bytes():
                events = feed(chunk)
                if events:
                    for sse in events:
                        fold(sse, out)
                    if out:
                        yield from out
                        out.clear()
            for sse in decoder.flush():
                fold(sse, out)
            yield from out
        except APITimeoutError as err:
            failure = err
        except APIConnectionError as err:
            failure = IncompleteStreamError(
                f"stream interrupted after {self._fold.chars} characters "
                f"({_reason(err)}); the text so far is kept — run again to retry",
                partial=self.snapshot,
            )
        finally:
            handle.close()
        if failure is not None:
            raise failure
        if not self._fold.done:
            raise IncompleteStreamError(
                f"stream ended before its final event, after {self._fold.chars} "
                "characters; the text so far is kept — run again to retry",
                partial=self.snapshot,
            )
        self._finish("completed")

    def _fail(self, err: XAIError) -> None:
        """Record the failure and give the error the snapshot as its ``partial``."""
        failed = isinstance(err, StreamParseError) or self._fold.error_event
        self._error = err
        self._finish("error" if failed or not self._fold.has_output else "incomplete", force=True)
        if isinstance(err, IncompleteStreamError | StreamParseError | APITimeoutError):
            err.partial = self.snapshot

    def _finish(self, status: Status, *, force: bool = False) -> None:
        if self._status == "streaming" or force:
            self._status = status
            self._elapsed = self._since_start()

    def _since_start(self) -> float | None:
        return None if self._started is None else self._clock() - self._started


def _reason(err: APIConnectionError) -> str:
    text = str(err)
    start, end = text.find("("), text.find(")")
    return text[start + 1 : end] if 0 <= start < end else "connection lost"
