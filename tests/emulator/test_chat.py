"""Chat completions: shapes from recordings, streaming framing, usage arithmetic, answers."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests.emulator.wire import chat_chunks, key_paths, recorded_json
from xai_magics.emulator import Emulator

CHAT_2026 = "rubyllm/2026-06_chat-completions-era/"
BASIC = CHAT_2026 + "chat-completions__basic__can_have_a_basic_conversation__grok-4.3.yml"
PRICES = {"grok-4.3": (12500, 2000, 25000), "grok-3-mini": (3000, 750, 5000)}


def ask(http: httpx.Client, prompt: str = "Explain Python decorators", **extra: object) -> dict:
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": prompt}], **extra}
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_completion_has_the_recorded_key_set(http: httpx.Client) -> None:
    recorded = recorded_json(BASIC)
    ours = ask(http, reasoning_effort="low")
    assert key_paths(ours) == key_paths(recorded)


def test_stream_chunks_have_the_recorded_key_sets(http: httpx.Client) -> None:
    from tests.emulator.wire import body_text, cassette

    recorded = chat_chunks(
        body_text(
            cassette(
                CHAT_2026
                + "chat-completions__with_extended_thinking__"
                + "streams_thinking_content_when_available__grok-4.3__stream.yml"
            )[0]
        )
    )
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "A riddle about mirrors"}],
        "stream": True,
        "reasoning_effort": "medium",
        "stream_options": {"include_usage": True},
    }
    response = http.post("/chat/completions", json=body)
    ours = chat_chunks(response.text)
    assert ours[-1] == "[DONE]"
    assert recorded[-1] == "[DONE]"
    # first chunk, a middle chunk, the finish chunk and the usage chunk have the recorded keys
    for index in (0, 1, -3, -2):
        assert key_paths(ours[index]) == key_paths(recorded[index]), index


def test_stream_framing_reasoning_first_then_content(http: httpx.Client) -> None:
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "Why is the sky blue?"}],
        "stream": True,
        "reasoning_effort": "high",
        "stream_options": {"include_usage": True},
    }
    response = http.post("/chat/completions", json=body)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert "x-metrics-ttft-ms" not in response.headers
    chunks = chat_chunks(response.text)
    deltas = [c["choices"][0]["delta"] for c in chunks[:-3]]
    assert deltas[0]["role"] == "assistant"
    assert all("role" not in d for d in deltas[1:])
    kinds = ["reasoning" if "reasoning_content" in d else "content" for d in deltas]
    first_content = kinds.index("content")
    assert kinds[:first_content] == ["reasoning"] * first_content
    assert first_content > 0
    assert set(kinds[first_content:]) == {"content"}
    finish, usage_chunk, done = chunks[-3:]
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert usage_chunk["choices"] == []
    assert "cost_in_usd_ticks" in usage_chunk["usage"]
    assert done == "[DONE]"
    assert len({c["id"] for c in chunks[:-1]}) == 1
    text = "".join(d.get("content", "") for d in deltas)
    reasoning = "".join(d.get("reasoning_content", "") for d in deltas)
    usage = usage_chunk["usage"]
    # The service bills far more reasoning than it shows (116 tokens for a one-line summary,
    # recorded), and "high" effort reasons more than the recorded ~100-200 of the default.
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 8 * kinds.count("reasoning")
    assert usage["completion_tokens_details"]["reasoning_tokens"] >= 960
    assert usage["completion_tokens"] == kinds.count("content")
    assert "simulated" in text.lower()
    assert "simulated" in reasoning.lower()


def test_stream_without_include_usage_has_no_usage_chunk(http: httpx.Client) -> None:
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    chunks = chat_chunks(http.post("/chat/completions", json=body).text)
    assert chunks[-1] == "[DONE]"
    assert all(c["choices"] for c in chunks[:-1])


def test_stream_text_equals_non_stream_text(http: httpx.Client) -> None:
    whole = ask(http, "Tell me about tornado web servers")
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "Tell me about tornado web servers"}],
        "stream": True,
    }
    chunks = chat_chunks(http.post("/chat/completions", json=body).text)
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-2])
    assert streamed == whole["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    ("model", "effort"),
    [
        ("grok-4.3", None),
        ("grok-4.3", "high"),
        ("grok-4.3", "none"),
        ("grok-3-mini", None),
        ("grok-3-mini", "low"),
    ],
    ids=[
        "grok-4.3-plain",
        "grok-4.3-high",
        "grok-4.3-none",
        "grok-3-mini-default",
        "grok-3-mini-low",
    ],
)
def test_usage_total_and_cost_follow_the_service_arithmetic(
    http: httpx.Client, model: str, effort: str | None
) -> None:
    extra = {"model": model} | ({"reasoning_effort": effort} if effort else {})
    usage = ask(http, "Summarise the French revolution", **extra)["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    prompt_price, cached_price, out_price = PRICES[model]
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    expected = (
        (usage["prompt_tokens"] - cached) * prompt_price
        + cached * cached_price
        + (usage["completion_tokens"] + reasoning) * out_price
    )
    assert usage["cost_in_usd_ticks"] == expected
    # Reasoning models reason unless told "none", as recorded for grok-4.3 with no effort set.
    assert (reasoning > 0) == (effort != "none")


def test_reasons_by_default_like_the_recording(http: httpx.Client) -> None:
    # Recorded: grok-4.3 answered "What's 2 + 2?" with reasoning_content and 116 reasoning
    # tokens, no effort asked (rubyllm 2026-06 basic conversation).
    recorded = recorded_json(BASIC)
    ours = ask(http, "What's 2 + 2?")
    assert key_paths(ours) == key_paths(recorded)
    message = ours["choices"][0]["message"]
    assert message["reasoning_content"]
    assert message["content"]
    reasoning = ours["usage"]["completion_tokens_details"]["reasoning_tokens"]
    assert 96 <= reasoning <= 400
    assert reasoning > len(message["reasoning_content"].split())


@pytest.mark.parametrize("cap", ["max_completion_tokens", "max_tokens"])
def test_chat_token_cap_limits_the_visible_answer_only(http: httpx.Client, cap: str) -> None:
    body = ask(http, "Write an essay about rivers", **{cap: 5})
    assert body["choices"][0]["finish_reason"] == "length"
    usage = body["usage"]
    assert usage["completion_tokens"] == 5
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 5


def test_repeated_prefix_is_billed_as_cached(http: httpx.Client) -> None:
    first_q = {"role": "user", "content": "What is a closure?"}
    first = ask(http, "What is a closure?")
    answer = first["choices"][0]["message"]["content"]
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    follow = {
        "model": "grok-4.3",
        "messages": [
            first_q,
            {"role": "assistant", "content": answer},
            {"role": "user", "content": "And in Rust?"},
        ],
    }
    second = http.post("/chat/completions", json=follow).json()
    cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert 0 < cached < second["usage"]["prompt_tokens"]
    other_key = http.post(
        "/chat/completions", json=follow, headers={"Authorization": "Bearer xai-another-key"}
    ).json()
    assert other_key["usage"]["prompt_tokens_details"]["cached_tokens"] == 0


@pytest.mark.parametrize(
    ("granted", "tier"), [(True, "priority"), (False, "default")], ids=["granted", "refused"]
)
def test_priority_tier_is_echoed_and_billed_only_when_granted(
    emu: Emulator, http: httpx.Client, granted: bool, tier: str
) -> None:
    emu.control.configure(priority_granted=granted)
    base = ask(http, "Priority please")
    fast = ask(http, "Priority please", service_tier="priority")
    assert base["service_tier"] == "default"
    assert fast["service_tier"] == tier
    ratio = fast["usage"]["cost_in_usd_ticks"] / base["usage"]["cost_in_usd_ticks"]
    assert ratio == (2.0 if granted else 1.0)


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_truncates_with_finish_reason_length(http: httpx.Client, field: str) -> None:
    body = ask(http, "Write a long essay", **{field: 5})
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    assert len(re.findall(r"\s*\S+", body["choices"][0]["message"]["content"])) == 5


def test_answers_are_deterministic_simulated_and_varied(http: httpx.Client) -> None:
    prompts = [
        "Explain Python decorators",
        "What is a monad?",
        "Plan a trip to Lisbon",
        "Sort a list in C",
    ]
    texts = [ask(http, p)["choices"][0]["message"]["content"] for p in prompts]
    assert texts[0] == ask(http, prompts[0])["choices"][0]["message"]["content"]
    assert len(set(texts)) == len(texts)
    assert all("simulated" in t.lower() for t in texts)
    joined = "\n".join(texts)
    assert "```" in joined or "## " in joined or "| " in joined


def test_long_answer_marker_gives_exactly_n_tokens(http: httpx.Client) -> None:
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "emulator:tokens=20000"}],
        "stream": True,
    }
    chunks = chat_chunks(http.post("/chat/completions", json=body).text)
    content = [c for c in chunks[:-1] if "content" in c["choices"][0]["delta"]]
    assert len(content) == 20000
    assert len(chunks) - len(content) == 2 + sum(
        "reasoning_content" in c["choices"][0]["delta"] for c in chunks[:-1]
    )


def test_json_schema_answer_validates(http: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 18, "maximum": 30},
            "tags": {
                "type": "array",
                "items": {"type": "string", "enum": ["a", "b"]},
                "minItems": 1,
            },
            "ok": {"type": "boolean"},
        },
        "required": ["name", "age", "tags", "ok"],
        "additionalProperties": False,
    }
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": schema, "strict": True},
    }
    content = ask(http, "Describe a person", response_format=fmt)["choices"][0]["message"][
        "content"
    ]
    value = json.loads(content)
    assert set(value) == {"name", "age", "tags", "ok"}
    assert isinstance(value["name"], str)
    assert 18 <= value["age"] <= 30
    assert value["tags"]
    assert set(value["tags"]) <= {"a", "b"}
    assert isinstance(value["ok"], bool)


@pytest.mark.parametrize(
    ("asked", "named", "reasons"),
    [
        ("grok-4-1-fast-reasoning", "grok-4-1-fast-reasoning", True),
        ("grok-4-fast-non-reasoning", "grok-4-fast-non-reasoning", False),
        ("grok-4", "grok-4-0709", True),  # recorded (req_llm grok-4 basic)
        ("grok-4-latest", "grok-4-0709", True),
        ("grok-3-latest", "grok-3", False),  # recorded (misc grok-3-latest transcript)
        ("grok-4-fast", "grok-4-fast-reasoning", True),  # recorded (req_llm context_append)
        ("grok-4.3-latest", "grok-4.3", True),
    ],
)
def test_retired_slugs_and_aliases_resolve_and_bill_as_grok_4_3(
    http: httpx.Client, asked: str, named: str, reasons: bool
) -> None:
    body = ask(http, model=asked)
    assert body["model"] == named
    usage = body["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert (reasoning > 0) == reasons
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    prompt_price, cached_price, out_price = PRICES["grok-4.3"]
    expected = (
        (usage["prompt_tokens"] - cached) * prompt_price
        + cached * cached_price
        + (usage["completion_tokens"] + reasoning) * out_price
    )
    assert usage["cost_in_usd_ticks"] == expected


@pytest.mark.parametrize("effort", ["medium", "high"])
def test_grok_3_mini_takes_medium_and_answers_as_the_high_variant(
    http: httpx.Client, effort: str
) -> None:
    # Recorded (rubyllm 2026-01): grok-3-mini with reasoning_effort "medium" answered 200 as
    # "grok-3-mini-high".
    body = ask(http, model="grok-3-mini", reasoning_effort=effort)
    assert body["model"] == "grok-3-mini-high"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] >= 960
    assert ask(http, model="grok-3-mini", reasoning_effort="low")["model"] == "grok-3-mini"


@pytest.mark.parametrize("model", ["grok-code-fast-1", "grok-4-0709", "grok-4.20-non-reasoning"])
def test_models_that_refuse_reasoning_effort_say_so_in_camel_case(
    http: httpx.Client, model: str
) -> None:
    # Recorded: 400 "Model grok-code-fast-1 does not support parameter reasoningEffort."
    body = {
        "model": model,
        "messages": [{"role": "user", "content": "x"}],
        "reasoning_effort": "low",
    }
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 400
    canonical = "grok-4.20-0309-non-reasoning" if model.startswith("grok-4.20") else model
    assert response.json() == {
        "code": "Client specified an invalid argument",
        "error": f"Model {canonical} does not support parameter reasoningEffort.",
    }


def test_multi_agent_model_is_refused_on_chat_and_served_on_responses(
    http: httpx.Client,
) -> None:
    body = {"model": "grok-4.20-multi-agent", "messages": [{"role": "user", "content": "x"}]}
    refused = http.post("/chat/completions", json=body)
    assert refused.status_code == 400
    assert "Responses API" in refused.json()["error"]
    served = http.post("/responses", json={"model": "grok-4.20-multi-agent", "input": "x"})
    assert served.status_code == 200
    assert served.json()["model"] == "grok-4.20-multi-agent-0309"
    # documented: no client-side tools and no output cap on the multi-agent model
    tool = {"type": "function", "name": "f", "parameters": {"type": "object"}}
    for extra in ({"tools": [tool]}, {"max_output_tokens": 100}):
        body = {"model": "grok-4.20-multi-agent", "input": "x", **extra}
        refused_there = http.post("/responses", json=body)
        assert refused_there.status_code == 400
        assert "multi-agent" in refused_there.json()["error"]
    searching = {"model": "grok-4.20-multi-agent", "input": "x", "tools": [{"type": "web_search"}]}
    assert http.post("/responses", json=searching).status_code == 200


def test_response_headers_look_like_the_service(http: httpx.Client) -> None:
    response = http.post(
        "/chat/completions",
        json={"model": "grok-4.3", "messages": [{"role": "user", "content": "x"}]},
    )
    headers = response.headers
    assert headers["x-emulator"] == "simulated"
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", headers["x-request-id"])
    assert headers["x-ratelimit-limit-requests"] == "1800"
    assert int(headers["x-ratelimit-remaining-requests"]) < 1800
    assert {"x-metrics-ttft-ms", "x-metrics-mean-itl-ms", "x-metrics-e2e-ms"} <= set(headers)
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(response.content)


def test_deferred_completion_is_polled_then_served_once(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(deferred_seconds=0.8)
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "later"}],
        "deferred": True,
    }
    request_id = http.post("/chat/completions", json=body).json()["request_id"]
    pending = http.get(f"/chat/deferred-completion/{request_id}")
    assert pending.status_code == 202
    assert pending.content == b""
    time.sleep(0.85)
    done = http.get(f"/chat/deferred-completion/{request_id}")
    assert done.status_code == 200
    assert done.json()["object"] == "chat.completion"
    assert http.get(f"/chat/deferred-completion/{request_id}").status_code == 404


def _deferred(http: httpx.Client) -> str:
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "later"}],
        "deferred": True,
    }
    request_id: str = http.post("/chat/completions", json=body).json()["request_id"]
    return request_id


def test_deferred_completion_expires_unfetched(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(deferred_expire_seconds=0.3)
    request_id = _deferred(http)
    assert http.get(f"/chat/deferred-completion/{request_id}").status_code == 200
    late = _deferred(http)
    time.sleep(0.35)
    gone = http.get(f"/chat/deferred-completion/{late}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "Some requested entity was not found"


def test_deferred_completion_failure_answers_400_once(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(deferred_failure="The model could not finish this request.")
    request_id = _deferred(http)
    failed = http.get(f"/chat/deferred-completion/{request_id}")
    assert failed.status_code == 400
    assert failed.json()["error"] == "The model could not finish this request."
    assert http.get(f"/chat/deferred-completion/{request_id}").status_code == 404
