"""Simulated function calling on both endpoints, shaped like the recorded tool traffic."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.emulator.wire import body_text, cassette, chat_chunks, key_paths, response_events

WEATHER_PARAMS = {
    "type": "object",
    "properties": {
        "latitude": {"type": "string"},
        "longitude": {"type": "string"},
        "unit": {"type": "string", "enum": ["c", "f"]},
    },
    "required": ["latitude", "longitude", "unit"],
    "additionalProperties": False,
}
CHAT_TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": WEATHER_PARAMS}}]
RESPONSES_TOOLS = [{"type": "function", "name": "weather", "parameters": WEATHER_PARAMS}]
CHAT_TOOL_CASSETTE = (
    "rubyllm/2026-06_chat-completions-era/chat-completions__tools__can_use_tools__grok-4.3.yml"
)
RESPONSES_TOOL_STREAM = (
    "rubyllm/2026-08_responses-api-era/"
    "responses__tools__can_use_tools_with_multi-turn_streaming_conversations__grok-4.3__stream.yml"
)


def chat(http: httpx.Client, messages: list[dict], **extra: object) -> dict:
    body = {"model": "grok-4.3", "messages": messages, "tools": CHAT_TOOLS, **extra}
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_chat_tool_call_matches_the_recording_and_the_schema(http: httpx.Client) -> None:
    recorded = json.loads(body_text(cassette(CHAT_TOOL_CASSETTE)[0]))
    ours = chat(
        http, [{"role": "user", "content": "What's the weather in Berlin?"}], reasoning_effort="low"
    )
    assert key_paths(ours) == key_paths(recorded)
    choice = ours["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == ""
    (call,) = choice["message"]["tool_calls"]
    assert call["id"].startswith("call-")
    arguments = json.loads(call["function"]["arguments"])
    assert set(arguments) == {"latitude", "longitude", "unit"}
    assert arguments["unit"] in ("c", "f")
    assert ours["usage"]["completion_tokens"] > 0


def test_chat_answers_in_text_after_the_tool_result(http: httpx.Client) -> None:
    question = {"role": "user", "content": "What's the weather in Berlin?"}
    first = chat(http, [question])
    call = first["choices"][0]["message"]["tool_calls"][0]
    follow = chat(
        http,
        [
            question,
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "content": "15°C and windy", "tool_call_id": call["id"]},
        ],
    )
    message = follow["choices"][0]["message"]
    assert follow["choices"][0]["finish_reason"] == "stop"
    assert "tool_calls" not in message
    assert "15°C and windy" in message["content"]


@pytest.mark.parametrize(
    ("prompt", "choice", "calls"),
    [
        ("Tell me a joke", "auto", 0),
        ("Tell me a joke", "required", 1),
        ("Tell me a joke", {"type": "function", "function": {"name": "weather"}}, 1),
        ("What's the weather?", "none", 0),
        ("Use emulator:tool now", "auto", 1),
    ],
    ids=["auto-unrelated", "required", "named", "none", "marker"],
)
def test_tool_choice_decides_whether_a_call_is_made(
    http: httpx.Client, prompt: str, choice: object, calls: int
) -> None:
    body = chat(http, [{"role": "user", "content": prompt}], tool_choice=choice)
    made = body["choices"][0]["message"].get("tool_calls", [])
    assert len(made) == calls


def test_chat_stream_sends_the_call_whole_in_one_delta(http: httpx.Client) -> None:
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "weather in Lisbon please"}],
        "tools": CHAT_TOOLS,
        "stream": True,
    }
    chunks = chat_chunks(http.post("/chat/completions", json=body).text)
    deltas = [c["choices"][0]["delta"] for c in chunks[:-2]]
    with_calls = [d for d in deltas if "tool_calls" in d]
    assert len(with_calls) == 1
    call = with_calls[0]["tool_calls"][0]
    assert call["index"] == 0
    json.loads(call["function"]["arguments"])
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_responses_tool_stream_follows_the_recording(http: httpx.Client) -> None:
    recorded_body = body_text(cassette(RESPONSES_TOOL_STREAM)[0])
    recorded = response_events(recorded_body)
    body = {
        "model": "grok-4.3",
        "input": [{"role": "user", "content": "What's the weather in Berlin?"}],
        "tools": RESPONSES_TOOLS,
        "reasoning": {"effort": "low"},
        "include": ["reasoning.encrypted_content"],
        "stream": True,
    }
    ours = response_events(http.post("/responses", json=body).text)

    def names(events: list[tuple[str, dict]]) -> list[str]:
        out: list[str] = []
        for name, _ in events:
            if not out or out[-1] != name or not name.endswith("summary_text.delta"):
                out.append(name)
        return out

    assert names(ours) == names(recorded)
    final = ours[-1][1]["response"]
    (call,) = [item for item in final["output"] if item["type"] == "function_call"]
    recorded_call = next(
        i for i in recorded[-1][1]["response"]["output"] if i["type"] == "function_call"
    )
    assert set(call) == set(recorded_call)
    assert json.loads(call["arguments"])["unit"] in ("c", "f")


def test_responses_function_call_output_gets_a_text_answer(http: httpx.Client) -> None:
    first = http.post(
        "/responses",
        json={"model": "grok-4.3", "input": "weather in Oslo?", "tools": RESPONSES_TOOLS},
    ).json()
    reasoning, call = first["output"]
    assert (reasoning["type"], call["type"]) == ("reasoning", "function_call")
    second = http.post(
        "/responses",
        json={
            "model": "grok-4.3",
            "previous_response_id": first["id"],
            "input": [
                {"type": "function_call_output", "call_id": call["call_id"], "output": "-3°C"}
            ],
            "tools": RESPONSES_TOOLS,
        },
    ).json()
    assert [item["type"] for item in second["output"]] == ["reasoning", "message"]
    assert "-3°C" in second["output"][1]["content"][0]["text"]


@pytest.mark.parametrize("param", ["presence_penalty", "frequency_penalty", "stop"])
def test_reasoning_models_refuse_penalties_and_stop(http: httpx.Client, param: str) -> None:
    value = "x" if param == "stop" else 0.5
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}], param: value}
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 400
    assert "does not support parameter" in response.json()["error"]


def test_stop_sequence_cuts_the_answer_on_non_reasoning_models(http: httpx.Client) -> None:
    body = {
        "model": "grok-4.20-0309-non-reasoning",
        "messages": [{"role": "user", "content": "Explain the emulator"}],
    }
    full = http.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    cut = http.post("/chat/completions", json={**body, "stop": ["simulated"]}).json()
    text = cut["choices"][0]["message"]["content"]
    assert text == full[: full.index("simulated")]
    assert cut["choices"][0]["finish_reason"] == "stop"
