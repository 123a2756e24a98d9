"""``client.chat``: OpenAI-compatible chat completions, plain or streamed."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from xai_magics.client._json import parse
from xai_magics.client._transport import Transport, drive
from xai_magics.client.completion import Completion, Retrying, completion_from_chat
from xai_magics.client.streaming import CompletionStream

__all__ = ["ChatAPI"]

PATH = "/chat/completions"


class ChatAPI:
    """``POST /v1/chat/completions``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        service_tier: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
        response_format: Mapping[str, Any] | None = None,
        on_retry: Callable[[Retrying], object] | None = None,
        conversation_id: str | None = None,
        **extra: Any,
    ) -> Completion:
        """One finished completion.

        ``on_retry`` is called with a ``Retrying`` notice before each wait between attempts
        (the same notices a stream yields), e.g. to show "rate limited, retrying in 2 s".
        ``conversation_id`` goes out as ``x-grok-conv-id``: requests that share one are routed
        to the same prompt cache, so a conversation's repeated history is billed as cached.
        """
        body = chat_body(
            model,
            messages,
            service_tier,
            temperature,
            max_tokens,
            reasoning_effort,
            response_format,
            extra,
        )
        started = time.monotonic()
        steps = self._transport.request_steps(
            "POST", PATH, json=body, headers=conversation_header(conversation_id)
        )
        response, attempts = drive(steps, on_retry)
        from xai_magics.schemas.chat import ChatCompletion

        doc, raw = parse(response.content, ChatCompletion, f"POST {PATH}")
        completion = completion_from_chat(doc, raw=raw)
        completion.retries = attempts - 1
        completion.elapsed_s = time.monotonic() - started
        return completion

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        service_tier: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
        response_format: Mapping[str, Any] | None = None,
        conversation_id: str | None = None,
        **extra: Any,
    ) -> CompletionStream:
        """A stream of deltas; asks for the usage chunk so cost is known at the end.

        ``conversation_id``: as for ``create``.
        """
        body = chat_body(
            model,
            messages,
            service_tier,
            temperature,
            max_tokens,
            reasoning_effort,
            response_format,
            extra,
        )
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
        transport = self._transport
        headers = conversation_header(conversation_id)
        return CompletionStream(
            lambda: transport.stream_steps("POST", PATH, json=body, headers=headers),
            endpoint="chat",
            model=model,
        )


def conversation_header(conversation_id: str | None) -> dict[str, str] | None:
    """The cache-affinity header of a chat request (Responses takes ``prompt_cache_key``)."""
    return {"x-grok-conv-id": conversation_id} if conversation_id else None


def chat_body(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    service_tier: str | None,
    temperature: float | None,
    max_tokens: int | None,
    reasoning_effort: str | None,
    response_format: Mapping[str, Any] | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """The JSON body; parameters left as ``None`` are not sent, so server defaults apply."""
    body: dict[str, Any] = {"model": model, "messages": list(messages)}
    optional = {
        "service_tier": service_tier,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "reasoning_effort": reasoning_effort,
        "response_format": dict(response_format) if response_format is not None else None,
    }
    body.update((k, v) for k, v in optional.items() if v is not None)
    body.update(extra)
    return body
