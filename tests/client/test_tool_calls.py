"""Function calls reach ``Completion.tool_calls`` from both endpoints, streamed or not, and a
tool result sent back with the call's id gets a text answer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.client.emulated import MODEL, make_client
from xai_magics.client import Completion, ToolCall, XAIClient
from xai_magics.emulator import Emulator

PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
    "required": ["city", "unit"],
    "additionalProperties": False,
}
CHAT_TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": PARAMS}}]
RESPONSES_TOOLS = [{"type": "function", "name": "weather", "parameters": PARAMS}]
QUESTION = "What's the weather in Berlin?"


def ask(client: XAIClient, endpoint: str, stream: bool) -> Completion:
    if endpoint == "chat":
        chat: dict[str, Any] = {
            "model": MODEL,
            "messages": [{"role": "user", "content": QUESTION}],
            "tools": CHAT_TOOLS,
            "tool_choice": "required",
        }
        if stream:
            return client.chat.stream(**chat).until_done()
        return client.chat.create(**chat)
    responses: dict[str, Any] = {
        "model": MODEL,
        "input": QUESTION,
        "tools": RESPONSES_TOOLS,
        "tool_choice": "required",
    }
    if stream:
        return client.responses.stream(**responses).until_done()
    return client.responses.create(**responses)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_a_forced_tool_call_is_folded_into_the_completion(
    emu: Emulator, api_env: dict[str, str], endpoint: str, stream: bool
) -> None:
    with make_client(api_env) as client:
        result = ask(client, endpoint, stream)
    assert result.status == "completed"
    (call,) = result.tool_calls
    assert call.name == "weather"
    assert call.id
    arguments = json.loads(call.arguments)
    assert set(arguments) == {"city", "unit"}
    assert arguments["unit"] in ("c", "f")
    if endpoint == "chat":
        assert result.finish_reason == "tool_calls"
    if stream:
        assert result.ttft_s is not None


def test_streamed_and_plain_calls_agree_and_a_plain_answer_has_none(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    with make_client(api_env) as client:
        plain = ask(client, "chat", stream=False)
        streamed = ask(client, "chat", stream=True)
        answer = client.chat.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert [(c.name, c.arguments) for c in plain.tool_calls] == [
        (c.name, c.arguments) for c in streamed.tool_calls
    ]
    assert answer.tool_calls == ()


def test_the_tool_result_sent_back_by_call_id_gets_a_text_answer(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    with make_client(api_env) as client:
        first = ask(client, "responses", stream=False)
        (call,) = first.tool_calls
        second = client.responses.create(
            model=MODEL,
            previous_response_id=first.id,
            input=[{"type": "function_call_output", "call_id": call.id, "output": '{"temp": 21}'}],
            tools=RESPONSES_TOOLS,
        )
    assert second.text
    assert second.tool_calls == ()


def sse(*chunks: dict[str, Any]) -> bytes:
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def piece(index: int, arguments: str, **head: str) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if "id" in head:
        call |= {"id": head["id"], "type": "function"}
        call["function"]["name"] = head["name"]
    return {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}


def test_argument_fragments_are_joined_per_call_index() -> None:
    """OpenAI-style servers stream arguments in pieces, interleaving parallel calls."""
    body = sse(
        piece(0, "", id="call_a", name="weather"),
        piece(1, "", id="call_b", name="time"),
        piece(0, '{"city":'),
        piece(1, '{"zone":"CET"}'),
        piece(0, '"Oslo"}'),
        {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    )
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )
    client = XAIClient(
        api_key="xai-tool-fragments-test",
        base_url="https://api.x.ai/v1",
        http_client=httpx.Client(transport=transport),
    )
    with client:
        result = client.chat.stream(model="m", messages=[]).until_done()
    assert result.tool_calls == (
        ToolCall("call_a", "weather", '{"city":"Oslo"}'),
        ToolCall("call_b", "time", '{"zone":"CET"}'),
    )
    assert result.finish_reason == "tool_calls"
