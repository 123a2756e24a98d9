"""``/v1/responses``: create (stream or not), retrieve, delete, ``previous_response_id`` chains.

Shapes and the streaming event order copy the August 2026 recordings: ``event: <type>`` plus a
``data:`` payload with ``sequence_number``, no ``[DONE]``; ``system_fingerprint`` in ``metadata``;
``output_tokens`` including reasoning.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from typing import Any

from xai_magics.emulator import catalog
from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import APIError, not_found, unprocessable
from xai_magics.emulator.generation import (
    Generation,
    OutputFormat,
    check_sampling,
    optional_int,
    text_of,
)
from xai_magics.emulator.inference import InferenceHandler
from xai_magics.emulator.prompt_cache import Turn
from xai_magics.emulator.responses_stream import response_stream
from xai_magics.emulator.server_tools import ServerPlan, plan_server_tools
from xai_magics.emulator.state import StoredResponse
from xai_magics.emulator.streaming import send_stream


def input_turns(value: Any) -> list[Turn]:
    """(role, text) pairs from ``input``: a string or a list of message-like items."""
    if value is None:
        raise unprocessable("missing field `input`")
    if isinstance(value, str):
        return [("user", value)]
    if not isinstance(value, list):
        raise unprocessable("data did not match any variant of untagged enum ModelInput")
    turns: list[Turn] = []
    for item in value:
        if not isinstance(item, dict):
            raise unprocessable("data did not match any variant of untagged enum ModelInput")
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            role = item.get("role")
            if role not in ("system", "developer", "user", "assistant"):
                raise unprocessable(f"unknown variant `{role}` for input role")
            if role == "user" and item.get("content") in (None, "", []):
                raise APIError(
                    400,
                    "Invalid request content: Each message must have at least one content element.",
                )
            turns.append((str(role), text_of(item.get("content"))))
        elif kind == "function_call_output":
            turns.append(("tool", str(item.get("output", ""))))
    return turns


def text_format(body: dict[str, Any]) -> tuple[OutputFormat, dict[str, Any]]:
    """The requested output format and the ``text`` object to echo."""
    text = body.get("text")
    if text is None:
        return OutputFormat(), {"format": {"type": "text"}}
    fmt = text.get("format") if isinstance(text, dict) else None
    if fmt is None:
        return OutputFormat(), {"format": {"type": "text"}}
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        raise unprocessable("invalid value for `text.format`")
    if fmt["type"] == "json_schema":
        if not isinstance(fmt.get("schema"), dict):
            raise unprocessable("missing field `schema` in `text.format`")
        # The service echoes only the type and the schema, not name or strict (recorded 2026-08).
        echo = {"type": "json_schema", "schema": fmt["schema"]}
        return OutputFormat("json_schema", fmt["schema"]), {"format": echo}
    return OutputFormat(str(fmt["type"])), {"format": fmt}


def echoed_tools(tools: Any, *, defaults: bool) -> Any:
    """The tools as the service echoes them: in a whole answer, a web_search tool with its
    default ``search_context_size`` filled in (recorded 2025-11 and 2026-08); a stream echoes
    them as sent (recorded 2025-11)."""
    if not defaults or not isinstance(tools, list):
        return [] if tools is None else tools
    return [
        {**tool, "search_context_size": tool.get("search_context_size", "medium")}
        if isinstance(tool, dict) and tool.get("type") == "web_search"
        else tool
        for tool in tools
    ]


def _encrypted(response_id: str, reasoning: str) -> str:
    """Opaque bytes standing in for the service's encrypted reasoning."""
    digest = hashlib.sha256(f"{response_id}\x1f{reasoning}".encode()).digest()
    return base64.b64encode(b"simulated-encrypted-reasoning:" + digest * 4).decode()


class ResponseBuilder:
    """Builds the response object in each of its states, and its event stream."""

    def __init__(
        self,
        gen: Generation,
        body: dict[str, Any],
        *,
        echo_text: dict[str, Any],
        effort: str | None,
        store: bool,
        encrypted: bool,
        stream: bool = False,
    ) -> None:
        self.gen = gen
        self.body = body
        self.id = str(uuid.uuid4())
        self.created = int(time.time())
        self.echo_text = echo_text
        self.effort = effort
        self.store = store
        self.encrypted = encrypted
        self.stream = stream
        #: server-side tool calls made before the answer (search, code execution)
        self.server: ServerPlan | None = None

    @property
    def echoed_effort(self) -> str | None:
        """The effort the response names. Recorded grok-4.3 (rubyllm 2026-08): a whole answer
        names the effort it reasoned at ("low" when none was asked), a stream only an asked one
        ({"effort": null, "summary": null} otherwise)."""
        if self.effort is not None or self.stream or not self.gen.reasoned:
            return self.effort
        return self.gen.model.effective_effort(None)

    @property
    def reasoning_id(self) -> str:
        return f"rs_{self.id}"

    @property
    def message_id(self) -> str:
        return f"msg_{self.id}"

    @property
    def has_message(self) -> bool:
        """Whether there is a message item: not when reasoning used all of ``max_output_tokens``."""
        return not self.gen.tool_calls and bool(self.gen.answer_tokens or not self.gen.truncated)

    def reasoning_item(self, done: bool) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.reasoning_id,
            "summary": [{"text": self.gen.reasoning, "type": "summary_text"}] if done else [],
            "type": "reasoning",
            "status": "completed" if done else "in_progress",
        }
        if done and self.encrypted:
            item["encrypted_content"] = _encrypted(self.id, self.gen.reasoning)
        return item

    def text_part(self, text: str) -> dict[str, Any]:
        done = bool(text) and text == self.gen.answer
        notes = list(self.server.annotations) if self.server is not None and done else []
        return {"type": "output_text", "text": text, "logprobs": [], "annotations": notes}

    def message_item(self, done: bool) -> dict[str, Any]:
        return {
            "content": [self.text_part(self.gen.answer)] if done else [],
            "id": self.message_id,
            "role": "assistant",
            "type": "message",
            "status": "completed" if done else "in_progress",
        }

    def call_item(self, n: int, done: bool) -> dict[str, Any]:
        call = self.gen.tool_calls[n]
        return {
            "arguments": call.arguments if done else "",
            "call_id": f"call-{uuid.uuid5(uuid.NAMESPACE_URL, self.id)}-{n}",
            "name": call.name,
            "type": "function_call",
            "id": f"fc_{self.id}_{n}",
            "status": "completed" if done else "in_progress",
        }

    def usage(self) -> dict[str, Any]:
        usage = self.gen.responses_usage()
        return self.server.usage(usage) if self.server is not None else usage

    def response(self, done: bool) -> dict[str, Any]:
        gen, body = self.gen, self.body
        output: list[dict[str, Any]] = []
        if done:
            if gen.reasoned:
                output.append(self.reasoning_item(True))
            if self.server is not None:
                output += [self.server.item(n, True) for n in range(len(self.server.calls))]
            if gen.tool_calls:
                output += [self.call_item(n, True) for n in range(len(gen.tool_calls))]
            elif self.has_message:
                output.append(self.message_item(True))
        status = "in_progress"
        if done:
            status = "incomplete" if gen.truncated else "completed"
        return {
            "created_at": self.created,
            "completed_at": int(time.time()) if done else None,
            "id": self.id,
            "max_output_tokens": body.get("max_output_tokens"),
            "model": gen.model_name,
            "object": "response",
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {
                "effort": self.echoed_effort,
                "summary": "detailed" if self.echoed_effort is not None else None,
            },
            # The sampling defaults the service echoes when none were sent (recorded 2026-08).
            "temperature": body.get("temperature", 0.7),
            "text": self.echo_text,
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": echoed_tools(body.get("tools"), defaults=not self.stream),
            "top_p": body.get("top_p", 0.95),
            "usage": self.usage() if done else None,
            "user": body.get("user"),
            # The OpenAI-compatible shape xAI's OpenAPI documents (xai-api.md §3); no recording
            # shows an incomplete response.
            "incomplete_details": {"reason": "max_output_tokens"}
            if done and gen.truncated
            else None,
            "status": status,
            "store": self.store,
            "metadata": {"system_fingerprint": gen.fingerprint},
            "background": False,
            "service_tier": gen.service_tier,
            "truncation": "disabled",
            "top_logprobs": 0,
            "presence_penalty": 0.0,
            "frequency_penalty": 0.0,
            "prompt_cache_key": body.get("prompt_cache_key"),
            "max_tool_calls": None,
            "safety_identifier": None,
            "error": None,
            "instructions": body.get("instructions"),
        }


class ResponsesAuthMixin(BaseHandler):
    def bad_key_error(self, key: str) -> APIError:
        # The responses endpoint words this differently from chat completions (recorded 2026-08).
        return APIError(
            400,
            "Incorrect API key provided. You can obtain an API key from https://console.x.ai.",
            code="invalid-argument",
        )


class ResponsesHandler(ResponsesAuthMixin, InferenceHandler):
    def output_cap(self, cap: int | None) -> tuple[int | None, int | None]:
        """(max_visible, max_total): ``max_output_tokens`` caps the answer, or it and reasoning."""
        if self.state.knobs.max_output_tokens_includes_reasoning:
            return None, cap
        return cap, None

    async def post(self) -> None:
        body = self.json_object()
        if "model" not in body:
            raise unprocessable("missing field `model`")
        model = catalog.resolve(body["model"])
        tools = body.get("tools")
        catalog.check_multi_agent(
            model,
            chat=False,
            function_tools=isinstance(tools, list)
            and any(isinstance(t, dict) and t.get("type") == "function" for t in tools),
            capped=body.get("max_output_tokens") is not None,
        )
        check_sampling(body)
        previous_id = body.get("previous_response_id")
        instructions = body.get("instructions")
        if instructions is not None and not isinstance(instructions, str):
            raise unprocessable("invalid type for `instructions`, expected a string")
        turns: list[Turn] = []
        if previous_id is not None:
            if not isinstance(previous_id, str):
                raise unprocessable("invalid type for `previous_response_id`")
            if instructions is not None:
                raise APIError(400, "`instructions` cannot be used with `previous_response_id`.")
            stored = self.state.responses.get(previous_id)
            if stored is None:
                raise not_found(f"Response with id '{previous_id}' not found.")
            turns = list(stored.turns)
        elif instructions:
            turns = [("system", instructions)]
        turns += input_turns(body.get("input"))
        reasoning = body.get("reasoning")
        effort_value = reasoning.get("effort") if isinstance(reasoning, dict) else None
        effort = catalog.check_effort(model, effort_value, param="reasoning_effort")
        fmt, echo_text = text_format(body)
        store = body.get("store", True)
        stream = body.get("stream", False)
        if not isinstance(store, bool) or not isinstance(stream, bool):
            raise unprocessable("invalid type for `store`/`stream`, expected a boolean")
        include = body.get("include") or []
        max_visible, max_total = self.output_cap(optional_int(body, "max_output_tokens"))
        gen = self.simulate(
            body,
            model=model,
            turns=turns,
            effort=effort,
            fmt=fmt,
            nested_tools=False,
            max_visible=max_visible,
            max_total=max_total,
        )
        builder = ResponseBuilder(
            gen,
            body,
            echo_text=echo_text,
            effort=effort,
            store=store,
            encrypted=isinstance(include, list) and "reasoning.encrypted_content" in include,
            stream=stream,
        )
        builder.server = plan_server_tools(body.get("tools"), turns, builder.id)
        if builder.server is not None:
            builder.server.cite(gen)
        final = builder.response(True)
        if store:
            self.state.responses[builder.id] = StoredResponse(
                body=final, turns=[*turns, ("assistant", gen.answer)]
            )
        if stream:
            await send_stream(self, response_stream(builder, final))
            return
        await self.pace_whole_answer(gen)
        await self.send_answer(final)


class ResponseItemHandler(ResponsesAuthMixin, BaseHandler):
    def _stored(self, response_id: str) -> StoredResponse:
        stored = self.state.responses.get(response_id)
        if stored is None:
            raise not_found(f"Response with id '{response_id}' not found.")
        return stored

    def get(self, response_id: str) -> None:
        self.reply(self._stored(response_id).body)

    def delete(self, response_id: str) -> None:
        self._stored(response_id)
        del self.state.responses[response_id]
        self.reply({"id": response_id, "object": "response", "deleted": True})
