"""``POST /v1/chat/completions``: the completion object and its SSE stream, as recorded in 2026."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from xai_magics.emulator import catalog
from xai_magics.emulator.deferred import defer
from xai_magics.emulator.errors import APIError, unprocessable
from xai_magics.emulator.generation import (
    Generation,
    OutputFormat,
    check_sampling,
    optional_int,
    text_of,
)
from xai_magics.emulator.inference import InferenceHandler
from xai_magics.emulator.prompt_cache import Turn
from xai_magics.emulator.streaming import EventStream, send_stream

_LIVE_SEARCH_GONE = (
    "Live search is deprecated. Please switch to the Agent Tools API: "
    "https://docs.x.ai/docs/guides/tools/overview"
)


def chat_turns(messages: Any) -> list[Turn]:
    """(role, text) pairs from a ``messages`` array, checking its shape like the service does."""
    if messages is None:
        raise unprocessable("missing field `messages`")
    if not isinstance(messages, list):
        raise unprocessable("invalid type for `messages`, expected a sequence")
    if not messages:
        raise APIError(400, "Invalid request content: the messages array must not be empty.")
    turns: list[Turn] = []
    for message in messages:
        if not isinstance(message, dict):
            raise unprocessable("invalid type: message, expected a map")
        role = message.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool", "function"):
            raise unprocessable(f"unknown variant `{role}` for message role")
        text = text_of(message.get("content"))
        if role in ("user", "system") and message.get("content") in (None, "", []):
            raise APIError(
                400, "Invalid request content: Each message must have at least one content element."
            )
        turns.append((str(role), text))
    return turns


def reject_unsupported(model: catalog.Model, body: dict[str, Any]) -> list[str]:
    """The ``stop`` strings; reasoning models refuse ``stop`` and the penalties, as live."""
    for name in ("presence_penalty", "frequency_penalty", "stop"):
        if body.get(name) is not None and model.reasoning:
            camel = "".join(w.capitalize() if i else w for i, w in enumerate(name.split("_")))
            raise APIError(400, f"Model {model.id} does not support parameter {camel}.")
    stop = body.get("stop")
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
        raise unprocessable("invalid type for `stop`, expected a string or a list of strings")
    if len(stops) > 4:
        raise APIError(400, "`stop` takes at most 4 sequences.")
    return stops


def chat_format(body: dict[str, Any]) -> OutputFormat:
    fmt = body.get("response_format")
    if fmt is None:
        return OutputFormat()
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        raise unprocessable("invalid value for `response_format`")
    if fmt["type"] == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
            raise unprocessable("missing field `schema` in `response_format.json_schema`")
        return OutputFormat("json_schema", spec["schema"])
    return OutputFormat(str(fmt["type"]))


def tool_call_entries(gen: Generation, completion_id: str) -> list[dict[str, Any]]:
    """``tool_calls`` as recorded: ids ``call-<uuid>-<n>``, arguments whole (never fragments)."""
    base = uuid.uuid5(uuid.NAMESPACE_URL, completion_id)
    return [
        {
            "id": f"call-{base}-{n}",
            "function": {"name": call.name, "arguments": call.arguments},
            "type": "function",
        }
        for n, call in enumerate(gen.tool_calls)
    ]


def completion_object(gen: Generation, completion_id: str, created: int) -> dict[str, Any]:
    """The non-streaming ``chat.completion`` body."""
    message: dict[str, Any] = {"role": "assistant", "content": gen.answer}
    if gen.reasoned:
        message["reasoning_content"] = gen.reasoning
    if gen.tool_calls:
        message["tool_calls"] = tool_call_entries(gen, completion_id)
    message["refusal"] = None
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": gen.model_name,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": gen.finish_reason,
            }
        ],
        "usage": gen.chat_usage(),
        "system_fingerprint": gen.fingerprint,
        "service_tier": gen.service_tier,
    }


def completion_stream(
    gen: Generation, completion_id: str, created: int, include_usage: bool
) -> EventStream:
    """The chunk sequence: reasoning deltas, content deltas, finish chunk, usage chunk, [DONE]."""
    head = (
        '{"id":' + json.dumps(completion_id) + ',"object":"chat.completion.chunk","created":'
        f"{created},"
        '"model":' + json.dumps(gen.model_name) + ',"choices":'
    ).encode()
    tail = (
        ',"system_fingerprint":"' + gen.fingerprint + '","service_tier":"' + gen.service_tier + '"}'
    ).encode()
    events: list[bytes] = []
    dumps = json.dumps
    first = True
    for field, tokens in (
        ("reasoning_content", gen.reasoning_pieces),
        ("content", gen.answer_tokens),
    ):
        for token in tokens:
            delta = '{"' + field + '":' + dumps(token, ensure_ascii=False)
            if first:
                delta += ',"role":"assistant"'
                first = False
            choice = '[{"index":0,"delta":' + delta + "}}]"
            events.append(b"data: " + head + choice.encode() + tail + b"\n\n")
    if gen.tool_calls:
        calls = [{**c, "index": n} for n, c in enumerate(tool_call_entries(gen, completion_id))]
        delta = '{"tool_calls":' + dumps(calls, ensure_ascii=False, separators=(",", ":"))
        if first:
            delta += ',"role":"assistant"'
            first = False
        choice = '[{"index":0,"delta":' + delta + "}}]"
        events.append(b"data: " + head + choice.encode() + tail + b"\n\n")
    if first:
        choice = '[{"index":0,"delta":{"content":"","role":"assistant"}}]'
        events.append(b"data: " + head + choice.encode() + tail + b"\n\n")
    choice = '[{"index":0,"delta":{},"finish_reason":"' + gen.finish_reason + '"}]'
    events.append(b"data: " + head + choice.encode() + tail + b"\n\n")
    if include_usage:
        usage = ',"usage":' + dumps(gen.chat_usage(), separators=(",", ":"))
        events.append(b"data: " + head + b"[]" + usage.encode() + tail + b"\n\n")
    events.append(b"data: [DONE]\n\n")

    def error_event(message: str, index: int) -> bytes:
        body = {"code": "Internal error", "error": message}
        return b"data: " + dumps(body).encode() + b"\n\n"

    return EventStream(events=events, first_token=0, error_event=error_event)


def new_completion_id() -> str:
    return str(uuid.uuid4())


class ChatCompletionsHandler(InferenceHandler):
    async def post(self) -> None:
        body = self.json_object()
        if "search_parameters" in body:
            raise APIError(410, _LIVE_SEARCH_GONE)
        if "model" not in body:
            raise unprocessable("missing field `model`")
        model = catalog.resolve(body["model"])
        catalog.check_multi_agent(model, chat=True, function_tools=False, capped=False)
        turns = chat_turns(body.get("messages"))
        check_sampling(body)
        effort = catalog.check_effort(model, body.get("reasoning_effort"), param="reasoning_effort")
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise unprocessable("invalid type for `stream`, expected a boolean")
        max_tokens = optional_int(body, "max_completion_tokens")
        if max_tokens is None:
            max_tokens = optional_int(body, "max_tokens")
        gen = self.simulate(
            body,
            model=model,
            turns=turns,
            effort=effort,
            fmt=chat_format(body),
            nested_tools=True,
            max_visible=max_tokens,
            stop=reject_unsupported(model, body),
        )
        completion_id = new_completion_id()
        created = int(time.time())
        if body.get("deferred") is True:
            defer(self, completion_object(gen, completion_id, created))
            return
        if stream:
            options = body.get("stream_options")
            include_usage = isinstance(options, dict) and options.get("include_usage") is True
            await send_stream(self, completion_stream(gen, completion_id, created, include_usage))
            return
        await self.pace_whole_answer(gen)
        await self.send_answer(completion_object(gen, completion_id, created))
