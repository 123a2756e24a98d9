"""``CompletionStream``: SSE events folded into a ``Completion`` snapshot as they arrive.

Chunks are read as plain dicts from the decoded JSON (``_json``: orjson if installed) rather than
validated with pydantic: the hot path reads three or four fields per event, and per-event
validation would cost as much as the HTTP layer itself (see ``benchmarks/bench_stream.py``).
The final responses object is validated once, into ``Completion.raw``.

Failure rules: the stream is retried only before its headers arrive, plus once when the
server sends an error event before any text. After that nothing is replayed; whatever arrived
stays in ``snapshot`` and in the raised error's ``partial``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping
from types import TracebackType
from typing import Any

from xai_magics.client._json import loads
from xai_magics.client._transport import OpenStream
from xai_magics.client.completion import (
    Completion,
    Endpoint,
    ReasoningDelta,
    Retrying,
    Status,
    StreamEvent,
    TextDelta,
    Usage,
    completion_from_responses,
)
from xai_magics.client.errors import (
    APIConnectionError,
    APITimeoutError,
    IncompleteStreamError,
    StreamParseError,
    XAIError,
)
from xai_magics.client.sse import ServerSentEvent, SSEDecoder
from xai_magics.client.tool_calls import ToolCall, ToolCallPieces, responses_tool_calls

__all__ = ["CompletionStream"]

OpenSteps = Callable[[], Generator[Retrying, None, OpenStream]]
_ERROR_EVENT_RETRY_S = 0.5
_REASONING_EVENTS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)


class CompletionStream:
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
        self._error_event = False
        self._endpoint: Endpoint = endpoint
        self._clock = clock
        self._events: Generator[StreamEvent, None, None] | None = None
        self._handle: OpenStream | None = None
        self._started: float | None = None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._chat_calls = ToolCallPieces()
        self._item_calls: list[ToolCall] = []
        self._final_calls: tuple[ToolCall, ...] | None = None
        self._model = model
        self._id: str | None = None
        self._service_tier: str | None = None
        self._usage: Usage | None = None
        self._finish_reason: str | None = None
        self._status: Status = "streaming"
        self._error: XAIError | None = None
        self._ttft: float | None = None
        self._elapsed: float | None = None
        self._retries = 0
        self._raw: Any = None
        self._done = False
        self._index = -1

    def __repr__(self) -> str:
        return (
            f"CompletionStream(endpoint={self._endpoint!r}, status={self._status!r}, "
            f"chars={sum(map(len, self._text))})"
        )

    # -- public surface ----------------------------------------------------------------------

    @property
    def snapshot(self) -> Completion:
        """The completion so far (a fresh object each time)."""
        return Completion(
            text="".join(self._text),
            reasoning="".join(self._reasoning),
            model=self._model,
            id=self._id,
            service_tier=self._service_tier,
            usage=self._usage,
            finish_reason=self._finish_reason,
            status=self._status,
            error=self._error,
            ttft_s=self._ttft,
            elapsed_s=self._elapsed if self._elapsed is not None else self._since_start(),
            retries=self._retries,
            endpoint=self._endpoint,
            raw=self._raw,
            tool_calls=self._tool_calls(),
        )

    def _tool_calls(self) -> tuple[ToolCall, ...]:
        if self._final_calls is not None:
            return self._final_calls
        return self._chat_calls.calls() + tuple(self._item_calls)

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

    def __enter__(self) -> CompletionStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the event loop ------------------------------------------------------------------------

    def _run(self) -> Generator[StreamEvent, None, None]:
        self._started = self._clock()
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
                    if replayed or not self._error_event or self._text or self._reasoning:
                        raise
                replayed = True
                self._error_event = False
                self._index = -1
                self._status = "streaming"
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
        fold = self._fold_chat if self._endpoint == "chat" else self._fold_responses
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
                f"stream interrupted after {sum(map(len, self._text))} characters "
                f"({_reason(err)}); the text so far is kept — run again to retry",
                partial=self.snapshot,
            )
        finally:
            handle.close()
        if failure is not None:
            raise failure
        if not self._done:
            raise IncompleteStreamError(
                f"stream ended before its final event, after {sum(map(len, self._text))} "
                "characters; the text so far is kept — run again to retry",
                partial=self.snapshot,
            )
        self._finish("completed")

    def _fail(self, err: XAIError) -> None:
        status: Status = "incomplete"
        if isinstance(err, StreamParseError) or not (self._text or self._reasoning):
            status = "error"
        if isinstance(err, IncompleteStreamError) and err.partial.status == "error":
            status = "error"
        self._error = err
        self._finish(status, force=True)
        partial = self.snapshot
        if isinstance(err, IncompleteStreamError | StreamParseError | APITimeoutError):
            err.partial = partial

    def _finish(self, status: Status, *, force: bool = False) -> None:
        if self._status == "streaming" or force:
            self._status = status
            self._elapsed = self._since_start()

    def _since_start(self) -> float | None:
        return None if self._started is None else self._clock() - self._started

    def _mark_first_token(self) -> None:
        if self._ttft is None and self._started is not None:
            self._ttft = self._clock() - self._started

    def _decode(self, sse: ServerSentEvent) -> dict[str, Any]:
        self._index += 1
        try:
            doc = loads(sse.data)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise StreamParseError(
                f"stream event {self._index} is not a JSON object: {sse.data[:80]!r}; "
                "the text so far is kept",
                event_index=self._index,
            )
        return doc

    # -- folding -------------------------------------------------------------------------------

    def _fold_chat(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        if sse.data == "[DONE]":
            self._done = True
            return
        doc = self._decode(sse)
        choices = doc.get("choices")
        if choices:
            choice = choices[0]
            delta = choice.get("delta")
            if delta:
                reasoning = delta.get("reasoning_content")
                if reasoning:
                    self._mark_first_token()
                    self._reasoning.append(reasoning)
                    out.append(ReasoningDelta(reasoning))
                content = delta.get("content")
                if content:
                    if self._ttft is None:
                        self._mark_first_token()
                    self._text.append(content)
                    out.append(TextDelta(content))
                if self._chat_calls.add(delta.get("tool_calls")):
                    self._mark_first_token()
            finish = choice.get("finish_reason")
            if finish:
                self._finish_reason = finish
        elif "error" in doc:
            raise self._stream_error(doc.get("error"), doc.get("code"))
        if self._id is None:
            self._id = doc.get("id")
            self._model = doc.get("model") or self._model
        if self._service_tier is None:
            self._service_tier = doc.get("service_tier")
        usage = doc.get("usage")
        if usage:
            self._usage = Usage.from_chat(usage)

    def _fold_responses(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        if sse.data == "[DONE]":
            return
        doc = self._decode(sse)
        kind = doc.get("type") or sse.event
        if kind == "response.output_text.delta":
            delta = doc.get("delta")
            if delta:
                if self._ttft is None:
                    self._mark_first_token()
                self._text.append(delta)
                out.append(TextDelta(delta))
        elif kind in _REASONING_EVENTS:
            delta = doc.get("delta")
            if delta:
                self._mark_first_token()
                self._reasoning.append(delta)
                out.append(ReasoningDelta(delta))
        elif kind == "response.output_item.done":
            calls = responses_tool_calls([doc.get("item")])
            if calls:
                self._mark_first_token()
                self._item_calls.extend(calls)
        elif kind in ("response.created", "response.in_progress"):
            self._take_header(doc.get("response"))
        elif kind in ("response.completed", "response.incomplete"):
            self._take_final(doc.get("response"))
        elif kind in ("response.failed", "error"):
            response = doc.get("response")
            error: Any = doc.get("message") or doc.get("error")
            if isinstance(response, Mapping):
                error = response.get("error") or error
            raise self._stream_error(error, doc.get("code"))

    def _take_header(self, response: Any) -> None:
        if isinstance(response, Mapping):
            self._id = response.get("id") or self._id
            self._model = response.get("model") or self._model
            self._service_tier = response.get("service_tier") or self._service_tier

    def _take_final(self, response: Any) -> None:
        if not isinstance(response, Mapping):
            return
        from xai_magics.schemas.responses import Response

        final = completion_from_responses(response, raw=Response.model_validate(response))
        self._take_header(response)
        if not self._text and final.text:
            self._text.append(final.text)
        if not self._reasoning and final.reasoning:
            self._reasoning.append(final.reasoning)
        self._usage = final.usage
        self._finish_reason = final.finish_reason
        self._final_calls = final.tool_calls or None
        self._raw = final.raw
        self._done = True

    def _stream_error(self, error: Any, code: Any) -> IncompleteStreamError:
        if isinstance(error, Mapping):
            code = error.get("code") or code
            error = error.get("message")
        message = str(error or "unknown error")
        self._status = "error"
        self._error_event = True
        return IncompleteStreamError(
            f"the server reported an error mid-stream ({code or 'error'}: {message}) after "
            f"{sum(map(len, self._text))} characters; the text so far is kept — run again",
            partial=self.snapshot,
        )


def _reason(err: APIConnectionError) -> str:
    text = str(err)
    start, end = text.find("("), text.find(")")
    return text[start + 1 : end] if 0 <= start < end else "connection lost"
