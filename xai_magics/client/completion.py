"""The folded result of one call, and the events a stream yields on the way to it.

``Usage`` evens out the two endpoints' token accounting: chat's ``completion_tokens`` leaves
reasoning out while responses' ``output_tokens`` includes it. Here ``output_tokens`` is always
the visible answer and ``reasoning_tokens`` is separate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from xai_magics.client.errors import XAIError
from xai_magics.client.retry import Retrying
from xai_magics.client.server_tools import ServerToolCall, Source, server_tool_calls, sources_of
from xai_magics.client.tool_calls import ToolCall, chat_tool_calls, responses_tool_calls

__all__ = [
    "TICKS_PER_USD",
    "Completion",
    "Endpoint",
    "ReasoningDelta",
    "Retrying",
    "Status",
    "StreamEvent",
    "TextDelta",
    "ToolActivity",
    "ToolCall",
    "Usage",
    "completion_from_chat",
    "completion_from_responses",
]

TICKS_PER_USD = 10_000_000_000
#: chat finish reasons that mean the answer was cut, not finished
_CHAT_CUT = frozenset({"length", "content_filter"})
Status = Literal["streaming", "completed", "incomplete", "stopped", "error"]
Endpoint = Literal["responses", "chat"]


@dataclass(frozen=True)
class Usage:
    """Token counts and cost of one call, the same shape for both endpoints."""

    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    total_tokens: int
    cost_usd_ticks: int | None
    #: ``num_sources_used``: sources a search fed the model (billed per source where priced)
    sources_used: int = 0
    #: ``server_side_tool_usage_details`` without its zeros: ``{"web_search_calls": 2}``
    server_tool_usage: dict[str, int] = field(default_factory=dict, hash=False)

    @property
    def cost_usd(self) -> float | None:
        """Cost in US dollars (1 USD = 1e10 ticks), when the server reported it."""
        return None if self.cost_usd_ticks is None else self.cost_usd_ticks / TICKS_PER_USD

    @classmethod
    def from_chat(cls, usage: Mapping[str, Any]) -> Usage:
        """From chat ``usage``: completion_tokens already excludes reasoning."""
        reasoning = _int(_get(usage, "completion_tokens_details", "reasoning_tokens"))
        prompt = _int(usage.get("prompt_tokens"))
        completion = _int(usage.get("completion_tokens"))
        return cls(
            input_tokens=prompt,
            cached_input_tokens=_int(_get(usage, "prompt_tokens_details", "cached_tokens")),
            output_tokens=completion,
            reasoning_tokens=reasoning,
            total_tokens=_int(usage.get("total_tokens")) or prompt + completion + reasoning,
            cost_usd_ticks=_opt_int(usage.get("cost_in_usd_ticks")),
        )

    @classmethod
    def from_responses(cls, usage: Mapping[str, Any]) -> Usage:
        """From responses ``usage``: output_tokens includes reasoning, so subtract it."""
        reasoning = _int(_get(usage, "output_tokens_details", "reasoning_tokens"))
        inp = _int(usage.get("input_tokens"))
        out = _int(usage.get("output_tokens"))
        return cls(
            input_tokens=inp,
            cached_input_tokens=_int(_get(usage, "input_tokens_details", "cached_tokens")),
            output_tokens=max(out - reasoning, 0),
            reasoning_tokens=reasoning,
            total_tokens=_int(usage.get("total_tokens")) or inp + out,
            cost_usd_ticks=_opt_int(usage.get("cost_in_usd_ticks")),
            sources_used=_int(usage.get("num_sources_used")),
            server_tool_usage=_tool_usage(usage),
        )

    @property
    def server_tool_calls(self) -> int:
        """Server-side tool calls billed in this call."""
        return sum(self.server_tool_usage.values())


@dataclass
class Completion:
    """What a call produced so far; a stream updates it, a plain call returns it finished."""

    text: str = ""
    reasoning: str = ""
    model: str | None = None
    id: str | None = None
    service_tier: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    status: Status = "streaming"
    error: XAIError | None = None
    ttft_s: float | None = None
    elapsed_s: float | None = None
    retries: int = 0
    endpoint: Endpoint = "responses"
    raw: Any = None
    #: function calls the model asks the caller to run (then send their results back)
    tool_calls: tuple[ToolCall, ...] = ()
    #: server-side tool calls (searches, code runs) made at xAI while answering
    server_tools: tuple[ServerToolCall, ...] = ()
    #: the sources the answer cites, in order
    sources: tuple[Source, ...] = ()

    @property
    def incomplete_reason(self) -> str | None:
        """Why the server ended a finished answer early, in its words: Responses'
        ``incomplete_details.reason`` (``max_output_tokens``: reasoning counts against the
        cap), chat's ``finish_reason`` ``length`` (the cap is on the visible text only)."""
        reason = self.finish_reason
        if self.endpoint == "chat":
            return reason if reason in _CHAT_CUT else None
        return None if reason in (None, "stop", "completed", "tool_calls") else reason


@dataclass(frozen=True)
class TextDelta:
    """A piece of the visible answer."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's reasoning (or its summary), shown apart from the answer."""

    text: str


@dataclass(frozen=True)
class ToolActivity:
    """A tool call on its way or done: a server-side search or code run (``call``), or a
    local function call and its result (``line`` says which), for the live view."""

    line: str
    call: ServerToolCall | None = None


StreamEvent = TextDelta | ReasoningDelta | Retrying | ToolActivity


def completion_from_chat(body: Mapping[str, Any], raw: Any = None) -> Completion:
    """A finished ``Completion`` from a chat.completion body (first choice)."""
    choices = body.get("choices") or []
    first = choices[0] if choices and isinstance(choices[0], Mapping) else {}
    message = first.get("message") or {}
    usage = body.get("usage")
    return Completion(
        text=_str(message.get("content")),
        reasoning=_str(message.get("reasoning_content")),
        model=body.get("model"),
        id=body.get("id"),
        service_tier=body.get("service_tier"),
        usage=Usage.from_chat(usage) if isinstance(usage, Mapping) else None,
        finish_reason=first.get("finish_reason") or None,
        status="completed",
        endpoint="chat",
        raw=raw,
        tool_calls=chat_tool_calls(message),
    )


def completion_from_responses(body: Mapping[str, Any], raw: Any = None) -> Completion:
    """A finished ``Completion`` from a response object: message text and reasoning summaries.

    A response the server cut short (``status: incomplete``) is still a finished answer; its
    ``finish_reason`` names the limit hit, as chat's ``length`` does.
    """
    output = body.get("output") or ()
    text: list[str] = []
    reasoning: list[str] = []
    for item in output:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "message":
            text.extend(
                _str(part.get("text"))
                for part in item.get("content") or ()
                if isinstance(part, Mapping) and part.get("type") == "output_text"
            )
        elif item.get("type") == "reasoning":
            for key in ("summary", "content"):
                reasoning.extend(
                    _str(part.get("text"))
                    for part in item.get(key) or ()
                    if isinstance(part, Mapping)
                )
    usage = body.get("usage")
    status = body.get("status")
    incomplete = body.get("incomplete_details")
    reason = incomplete.get("reason") if isinstance(incomplete, Mapping) else None
    return Completion(
        text="".join(text),
        reasoning="".join(reasoning),
        model=body.get("model"),
        id=body.get("id"),
        service_tier=body.get("service_tier"),
        usage=Usage.from_responses(usage) if isinstance(usage, Mapping) else None,
        finish_reason=reason or ("stop" if status == "completed" else status),
        status="completed",
        endpoint="responses",
        raw=raw,
        tool_calls=responses_tool_calls(output),
        server_tools=server_tool_calls(output),
        sources=sources_of(output),
    )


def _tool_usage(usage: Mapping[str, Any]) -> dict[str, int]:
    details = usage.get("server_side_tool_usage_details")
    if not isinstance(details, Mapping):
        return {}
    return {str(k): v for k, v in details.items() if _int(v) > 0}


def _get(doc: Mapping[str, Any], outer: str, inner: str) -> Any:
    nested = doc.get(outer)
    return nested.get(inner) if isinstance(nested, Mapping) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
