"""``client.responses``: the Responses API (the default endpoint), stored responses included."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from xai_magics.client._json import parse
from xai_magics.client._transport import Transport, drive
from xai_magics.client.completion import Completion, Retrying, completion_from_responses
from xai_magics.client.streaming import CompletionStream

__all__ = ["ResponsesAPI"]

PATH = "/responses"


class ResponsesAPI:
    """``/v1/responses``: create (plain or streamed), get and delete stored responses."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        instructions: str | None = None,
        previous_response_id: str | None = None,
        service_tier: str | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_output_tokens: int | None = None,
        reasoning_effort: str | None = None,
        text_format: Mapping[str, Any] | None = None,
        store: bool | None = None,
        on_retry: Callable[[Retrying], object] | None = None,
        **extra: Any,
    ) -> Completion:
        """One finished response.

        ``on_retry`` is called with a ``Retrying`` notice before each wait between attempts
        (the same notices a stream yields), e.g. to show "rate limited, retrying in 2 s".
        """
        body = responses_body(
            model,
            input,
            instructions,
            previous_response_id,
            service_tier,
            temperature,
            top_p,
            max_output_tokens,
            reasoning_effort,
            text_format,
            store,
            extra,
        )
        started = time.monotonic()
        response, attempts = drive(self._transport.request_steps("POST", PATH, json=body), on_retry)
        completion = _completion(response.content)
        completion.retries = attempts - 1
        completion.elapsed_s = time.monotonic() - started
        return completion

    def stream(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        instructions: str | None = None,
        previous_response_id: str | None = None,
        service_tier: str | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_output_tokens: int | None = None,
        reasoning_effort: str | None = None,
        text_format: Mapping[str, Any] | None = None,
        store: bool | None = None,
        **extra: Any,
    ) -> CompletionStream:
        """A stream of deltas, finished by ``response.completed`` (which carries usage)."""
        body = responses_body(
            model,
            input,
            instructions,
            previous_response_id,
            service_tier,
            temperature,
            top_p,
            max_output_tokens,
            reasoning_effort,
            text_format,
            store,
            extra,
        )
        body["stream"] = True
        transport = self._transport
        return CompletionStream(
            lambda: transport.stream_steps("POST", PATH, json=body),
            endpoint="responses",
            model=model,
        )

    def get(self, response_id: str) -> Completion:
        """A stored response (kept 30 days unless created with ``store=False``)."""
        response = self._transport.request("GET", f"{PATH}/{quote(response_id, safe='')}")
        return _completion(response.content)

    def delete(self, response_id: str) -> bool:
        """Delete a stored response; True when the server confirms it."""
        from xai_magics.schemas.responses import DeletedResponse

        response = self._transport.request("DELETE", f"{PATH}/{quote(response_id, safe='')}")
        return parse(response.content, DeletedResponse, f"DELETE {PATH}")[1].deleted


def _completion(content: bytes) -> Completion:
    from xai_magics.schemas.responses import Response

    doc, raw = parse(content, Response, PATH)
    return completion_from_responses(doc, raw=raw)


def responses_body(
    model: str,
    input: str | Sequence[Mapping[str, Any]],
    instructions: str | None,
    previous_response_id: str | None,
    service_tier: str | None,
    temperature: float | None,
    top_p: float | None,
    max_output_tokens: int | None,
    reasoning_effort: str | None,
    text_format: Mapping[str, Any] | None,
    store: bool | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """The JSON body; parameters left as ``None`` are not sent, so server defaults apply."""
    body: dict[str, Any] = {
        "model": model,
        "input": input if isinstance(input, str) else list(input),
    }
    optional = {
        "instructions": instructions,
        "previous_response_id": previous_response_id,
        "service_tier": service_tier,
        "temperature": temperature,
        "top_p": top_p,
        "max_output_tokens": max_output_tokens,
        "reasoning": {"effort": reasoning_effort} if reasoning_effort is not None else None,
        "text": {"format": dict(text_format)} if text_format is not None else None,
        "store": store,
    }
    body.update((k, v) for k, v in optional.items() if v is not None)
    body.update(extra)
    return body
