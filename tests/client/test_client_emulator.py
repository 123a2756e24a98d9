"""The client against the emulator over real sockets: answers, stored responses, models."""

from __future__ import annotations

import pytest

from tests.client.emulated import CHAT, HELLO, MODEL, RESPONSES, arrivals, make_client
from xai_magics.client import NotFoundError, ReasoningDelta, TextDelta
from xai_magics.emulator import Emulator


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_stream_text_equals_the_plain_answer_and_the_joined_deltas(
    emu: Emulator, api_env: dict[str, str], endpoint: str
) -> None:
    with make_client(api_env) as client:
        if endpoint == "chat":
            plain = client.chat.create(model=MODEL, messages=HELLO)
            stream = client.chat.stream(model=MODEL, messages=HELLO)
        else:
            plain = client.responses.create(model=MODEL, input="Say hello")
            stream = client.responses.stream(model=MODEL, input="Say hello")
        with stream:
            deltas = [e.text for e in stream if isinstance(e, TextDelta)]
        final = stream.snapshot
    assert plain.text
    assert "simulated" in plain.text.lower()
    assert final.text == plain.text == "".join(deltas)
    assert len(deltas) > 5
    assert final.status == plain.status == "completed"
    assert final.endpoint == plain.endpoint == endpoint
    assert final.usage is not None
    assert final.usage == plain.usage
    assert final.usage.cost_usd_ticks
    assert final.ttft_s is not None
    assert final.elapsed_s is not None
    assert final.elapsed_s >= final.ttft_s
    assert final.service_tier == plain.service_tier == "default"


@pytest.mark.parametrize(("granted", "tier"), [(True, "priority"), (False, "default")])
@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_the_granted_tier_is_reported_plain_and_streamed(
    emu: Emulator, api_env: dict[str, str], endpoint: str, granted: bool, tier: str
) -> None:
    emu.control.configure(priority_granted=granted)
    with make_client(api_env) as client:
        if endpoint == "chat":
            plain = client.chat.create(model=MODEL, messages=HELLO, service_tier="priority")
            streamed = client.chat.stream(
                model=MODEL, messages=HELLO, service_tier="priority"
            ).until_done()
            base = client.chat.create(model=MODEL, messages=HELLO)
        else:
            plain = client.responses.create(model=MODEL, input="Hi", service_tier="priority")
            streamed = client.responses.stream(
                model=MODEL, input="Hi", service_tier="priority"
            ).until_done()
            base = client.responses.create(model=MODEL, input="Hi")
    assert plain.service_tier == streamed.service_tier == tier
    assert plain.usage is not None
    assert base.usage is not None
    assert plain.usage.cost_usd_ticks is not None
    assert base.usage.cost_usd_ticks
    ratio = plain.usage.cost_usd_ticks / base.usage.cost_usd_ticks
    assert ratio == (2.0 if granted else 1.0)


def test_chat_stream_asks_for_the_usage_chunk(emu: Emulator, api_env: dict[str, str]) -> None:
    with make_client(api_env) as client:
        client.chat.stream(model=MODEL, messages=HELLO).until_done()
    (entry,) = arrivals(emu.control.log(), CHAT)
    assert entry["body"]["stream"] is True
    assert entry["body"]["stream_options"] == {"include_usage": True}


def test_parameters_left_unset_are_not_sent(emu: Emulator, api_env: dict[str, str]) -> None:
    with make_client(api_env) as client:
        client.responses.create(
            model=MODEL, input="x", reasoning_effort="low", text_format={"type": "text"}
        )
    (entry,) = arrivals(emu.control.log(), RESPONSES)
    assert entry["body"] == {
        "model": MODEL,
        "input": "x",
        "reasoning": {"effort": "low"},
        "text": {"format": {"type": "text"}},
    }


def test_reasoning_streams_apart_and_usage_agrees_across_endpoints(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    model = "grok-4.20-0309-reasoning"
    with make_client(api_env) as client:
        chat = client.chat.stream(model=model, messages=HELLO, reasoning_effort="high")
        chat_events = list(chat)
        responses = client.responses.stream(model=model, input="Say hello", reasoning_effort="high")
        responses.until_done()
    final = chat.snapshot
    assert final.reasoning
    assert final.reasoning == "".join(e.text for e in chat_events if isinstance(e, ReasoningDelta))
    assert final.text == "".join(e.text for e in chat_events if isinstance(e, TextDelta))
    assert final.reasoning not in final.text
    # chat counts reasoning outside completion_tokens, responses inside output_tokens:
    # normalised, both report the same visible and reasoning token counts.
    assert final.usage is not None
    assert final.usage.reasoning_tokens > 0
    assert final.usage == responses.snapshot.usage


def test_stored_response_can_be_read_back_and_deleted(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    with make_client(api_env) as client:
        created = client.responses.create(model=MODEL, input="Remember this")
        assert created.id
        fetched = client.responses.get(created.id)
        assert fetched.text == created.text
        assert fetched.id == created.id
        assert client.responses.delete(created.id) is True
        with pytest.raises(NotFoundError, match="HTTP 404"):
            client.responses.get(created.id)


def test_previous_response_id_chains_turns(emu: Emulator, api_env: dict[str, str]) -> None:
    with make_client(api_env) as client:
        first = client.responses.create(model=MODEL, input="My name is Ada")
        client.responses.create(
            model=MODEL, input="What is my name?", previous_response_id=first.id
        )
    second = arrivals(emu.control.log(), RESPONSES)[-1]
    assert second["body"]["previous_response_id"] == first.id


def test_models_and_language_models_with_prices(emu: Emulator, api_env: dict[str, str]) -> None:
    with make_client(api_env) as client:
        ids = [m.id for m in client.models.list()]
        priced = client.models.language_models()
    assert MODEL in ids
    by_id = {m.id: m for m in priced}
    assert by_id[MODEL].prompt_text_token_price == 12500
    assert by_id[MODEL].completion_text_token_price == 25000


def test_map_runs_calls_concurrently_in_input_order(emu: Emulator, api_env: dict[str, str]) -> None:
    prompts = [f"Question {i}" for i in range(6)]
    with make_client(api_env) as client:
        answers = list(client.map(lambda p: client.responses.create(model=MODEL, input=p), prompts))
        singles = [client.responses.create(model=MODEL, input=p).text for p in prompts[:2]]
    assert [a.text for a in answers[:2]] == singles
    assert len({a.text for a in answers}) == len(prompts)


@pytest.mark.parametrize(
    ("endpoint", "stream", "reason"),
    [
        ("chat", False, "length"),
        ("chat", True, "length"),
        ("responses", False, "max_output_tokens"),
        ("responses", True, "max_output_tokens"),
    ],
    ids=["chat", "chat-stream", "responses", "responses-stream"],
)
def test_a_token_limit_finishes_with_its_reason(
    emu: Emulator, api_env: dict[str, str], endpoint: str, stream: bool, reason: str
) -> None:
    with make_client(api_env) as client:
        if endpoint == "chat":
            kw = {"model": MODEL, "messages": HELLO, "max_tokens": 5}
            result = client.chat.stream(**kw).until_done() if stream else client.chat.create(**kw)
        else:
            kw = {"model": MODEL, "input": "Say hello", "max_output_tokens": 5}
            result = (
                client.responses.stream(**kw).until_done()
                if stream
                else client.responses.create(**kw)
            )
    assert result.status == "completed"
    assert result.finish_reason == reason
    assert result.usage is not None
    assert result.usage.output_tokens == 5


@pytest.mark.parametrize("concurrency", [0, 33], ids=str)
def test_map_refuses_a_pool_size_past_the_connection_limit(
    api_env: dict[str, str], concurrency: int
) -> None:
    with make_client(api_env) as client, pytest.raises(ValueError, match="between 1 and 32"):
        client.map(str, [1], concurrency=concurrency)
