"""One stream's events folded into the parts of a ``Completion``: text, reasoning, tool calls,
ids, tier, usage. No I/O: ``CompletionStream`` feeds it decoded SSE events.

Chunks are read as plain dicts from the decoded JSON (``_json``: orjson if installed) rather than
validated with pydantic: the hot path reads three or four fields per event, and per-event
validation would cost as much as the HTTP layer itself (see ``benchmarks/bench_stream.py``).
The final responses object is validated once, into ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xai_magics.client._json import loads
from xai_magics.client.completion import (
    Completion,
    Endpoint,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolActivity,
    Usage,
    completion_from_responses,
)
from xai_magics.client.errors import IncompleteStreamError, StreamParseError
from xai_magics.client.server_tools import (
    SERVER_TOOL_ITEMS,
    ServerToolCall,
    Source,
    activity_line,
    citation,
    server_tool_call,
)
from xai_magics.client.sse import ServerSentEvent
from xai_magics.client.tool_calls import ToolCall, ToolCallPieces, responses_tool_calls

__all__ = ["StreamFold"]

_REASONING_EVENTS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)


class StreamFold:
    """The state of one streamed answer; ``fold(sse, out)`` takes an event and appends the
    ``TextDelta`` / ``ReasoningDelta`` it carried to ``out``.

    Errors raised from ``fold`` carry an empty ``partial``: the caller replaces it with its
    snapshot, which knows the status and timing this class does not.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        model: str | None,
        clock: Callable[[], float],
        started: float,
    ) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.model = model
        self.id: str | None = None
        self.service_tier: str | None = None
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.ttft: float | None = None
        self.raw: Any = None
        #: the terminal event arrived ([DONE] for chat, response.completed for responses)
        self.done = False
        #: the server sent an error event
        self.error_event = False
        self._chat_calls = ToolCallPieces()
        self._item_calls: list[ToolCall] = []
        self._final_calls: tuple[ToolCall, ...] | None = None
        #: server-side tool calls and cited sources, as they arrive (the final event repeats them)
        self.server_tools: list[ServerToolCall] = []
        self.sources: dict[str, Source] = {}
        self._index = -1
        self._clock = clock
        self._started = started
        self.fold = self._fold_chat if endpoint == "chat" else self._fold_responses

    @property
    def chars(self) -> int:
        return sum(map(len, self.text))

    @property
    def has_output(self) -> bool:
        return bool(self.text or self.reasoning)

    def tool_calls(self) -> tuple[ToolCall, ...]:
        if self._final_calls is not None:
            return self._final_calls
        return self._chat_calls.calls() + tuple(self._item_calls)

    def _mark_first_token(self) -> None:
        if self.ttft is None:
            self.ttft = self._clock() - self._started

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

    def _fold_chat(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        if sse.data == "[DONE]":
            self.done = True
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
                    self.reasoning.append(reasoning)
                    out.append(ReasoningDelta(reasoning))
                content = delta.get("content")
                if content:
                    if self.ttft is None:
                        self._mark_first_token()
                    self.text.append(content)
                    out.append(TextDelta(content))
                if self._chat_calls.add(delta.get("tool_calls")):
                    self._mark_first_token()
            finish = choice.get("finish_reason")
            if finish:
                self.finish_reason = finish
        elif "error" in doc:
            raise self._stream_error(doc.get("error"), doc.get("code"))
        if self.id is None:
            self.id = doc.get("id")
            self.model = doc.get("model") or self.model
        if self.service_tier is None:
            self.service_tier = doc.get("service_tier")
        usage = doc.get("usage")
        if usage:
            self.usage = Usage.from_chat(usage)

    def _fold_responses(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        if sse.data == "[DONE]":
            return
        doc = self._decode(sse)
        kind = doc.get("type") or sse.event
        if kind == "response.output_text.delta":
            delta = doc.get("delta")
            if delta:
                if self.ttft is None:
                    self._mark_first_token()
                self.text.append(delta)
                out.append(TextDelta(delta))
        elif kind in _REASONING_EVENTS:
            delta = doc.get("delta")
            if delta:
                self._mark_first_token()
                self.reasoning.append(delta)
                out.append(ReasoningDelta(delta))
        elif kind == "response.output_item.done":
            item = doc.get("item")
            calls = responses_tool_calls([item])
            if calls:
                self._mark_first_token()
                self._item_calls.extend(calls)
            server = server_tool_call(item)
            if server is not None:
                self.server_tools.append(server)
                out.append(ToolActivity(activity_line(server), server))
        elif kind == "response.output_item.added":
            item = doc.get("item")
            if isinstance(item, Mapping) and item.get("type") in SERVER_TOOL_ITEMS:
                started = server_tool_call(item)
                # an item added already "completed" (2025 streams) is told once, when done
                if started is not None and started.status != "completed":
                    out.append(ToolActivity(activity_line(started), started))
        elif kind == "response.output_text.annotation.added":
            source = citation(doc.get("annotation"))
            if source is not None:
                self.sources.setdefault(source.url, source)
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
            self.id = response.get("id") or self.id
            self.model = response.get("model") or self.model
            self.service_tier = response.get("service_tier") or self.service_tier

    def _take_final(self, response: Any) -> None:
        if not isinstance(response, Mapping):
            return
        from xai_magics.schemas.responses import Response

        final = completion_from_responses(response, raw=Response.model_validate(response))
        self._take_header(response)
        if not self.text and final.text:
            self.text.append(final.text)
        if not self.reasoning and final.reasoning:
            self.reasoning.append(final.reasoning)
        self.usage = final.usage
        self.finish_reason = final.finish_reason
        self.raw = final.raw
        self._final_calls = final.tool_calls or None
        if final.server_tools:
            self.server_tools = list(final.server_tools)
        if final.sources:
            self.sources = {s.url: s for s in final.sources}
        self.done = True

    def _stream_error(self, error: Any, code: Any) -> IncompleteStreamError:
        if isinstance(error, Mapping):
            code = error.get("code") or code
            error = error.get("message")
        message = str(error or "unknown error")
        self.error_event = True
        return IncompleteStreamError(
            f"the server reported an error mid-stream ({code or 'error'}: {message}) after "
            f"{self.chars} characters; the text so far is kept — run again",
            partial=Completion(status="error"),
        )
