"""The Responses API: recorded shapes and event order, stored responses, chaining, formats."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.emulator.wire import (
    body_text,
    cassette,
    error_text,
    key_paths,
    recorded_json,
    response_events,
)
from xai_magics.emulator import Emulator

ERA = "rubyllm/2026-08_responses-api-era/"
STREAM_CASSETTE = (
    ERA + "responses__with_extended_thinking__streams_thinking_content_when_available__grok-4.3"
    "__stream.yml"
)


def create(http: httpx.Client, **body: object) -> dict:
    response = http.post("/responses", json={"model": "grok-4.3", **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_response_has_the_recorded_key_set(http: httpx.Client) -> None:
    recorded = recorded_json(ERA + "responses__basic__can_have_a_basic_conversation__grok-4.3.yml")
    ours = create(
        http,
        input=[{"role": "user", "content": "Who created Ruby?"}],
        reasoning={"effort": "low"},
        include=["reasoning.encrypted_content"],
        store=False,
    )
    assert key_paths(ours) == key_paths(recorded)
    assert ours["metadata"]["system_fingerprint"].startswith("fp_")
    assert "system_fingerprint" not in ours


def test_stream_follows_the_recorded_event_sequence(http: httpx.Client) -> None:
    recorded = response_events(body_text(cassette(STREAM_CASSETTE)[0]))
    response = http.post(
        "/responses",
        json={
            "model": "grok-4.3",
            "input": [{"role": "user", "content": "A riddle about mirrors"}],
            "stream": True,
            "store": False,
            "include": ["reasoning.encrypted_content"],
            "reasoning": {"effort": "medium"},
        },
    )
    assert response.headers["content-type"] == "text/event-stream"
    assert "[DONE]" not in response.text
    ours = response_events(response.text)

    def collapse(events: list[tuple[str, dict]]) -> list[str]:
        names: list[str] = []
        for name, _ in events:
            if not names or names[-1] != name or not name.endswith(".delta"):
                names.append(name)
        return names

    assert collapse(ours) == collapse(recorded)
    assert [p["sequence_number"] for _, p in ours] == list(range(len(ours)))
    assert all(name == p["type"] for name, p in ours)
    for name in {n for n, _ in recorded}:
        mine = [p for n, p in ours if n == name]
        theirs = [p for n, p in recorded if n == name]
        for occurrence, (a, b) in enumerate(zip(mine, theirs, strict=False)):
            assert key_paths(a) == key_paths(b), (name, occurrence)
    final = ours[-1][1]["response"]
    deltas = "".join(p["delta"] for n, p in ours if n == "response.output_text.delta")
    assert deltas == final["output"][-1]["content"][0]["text"]


def test_usage_output_includes_reasoning_and_cost_matches(http: httpx.Client) -> None:
    usage = create(http, input="Compare two sorting algorithms", reasoning={"effort": "high"})[
        "usage"
    ]
    reasoning = usage["output_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    cached = usage["input_tokens_details"]["cached_tokens"]
    expected = (
        (usage["input_tokens"] - cached) * 12500 + cached * 2000 + usage["output_tokens"] * 25000
    )
    assert usage["cost_in_usd_ticks"] == expected


def test_reasons_by_default_and_echoes_the_effort_as_recorded(http: httpx.Client) -> None:
    # Recorded grok-4.3 with no effort asked (rubyllm 2026-08, vercel-ai issue-17936): a
    # reasoning item and 100-200 reasoning tokens; a whole answer echoes {"effort": "low",
    # "summary": "detailed"}, a stream {"effort": null, "summary": null}.
    body = create(http, input="Say hello")
    assert [item["type"] for item in body["output"]] == ["reasoning", "message"]
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] >= 96
    assert body["reasoning"] == {"effort": "low", "summary": "detailed"}
    request = {"model": "grok-4.3", "input": "Say hello", "stream": True}
    streamed = response_events(http.post("/responses", json=request).text)[-1][1]["response"]
    assert [item["type"] for item in streamed["output"]] == ["reasoning", "message"]
    assert streamed["reasoning"] == {"effort": None, "summary": None}


@pytest.mark.parametrize("model", ["grok-4.3", "grok-4.20-non-reasoning"])
def test_no_reasoning_item_with_effort_none_or_a_non_reasoning_model(
    http: httpx.Client, model: str
) -> None:
    extra = {"reasoning": {"effort": "none"}} if model == "grok-4.3" else {}
    body = create(http, input="Say hello", model=model, **extra)
    assert [item["type"] for item in body["output"]] == ["message"]
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] == 0


def test_stored_response_can_be_fetched_and_deleted(http: httpx.Client) -> None:
    body = create(http, input="Remember me")
    fetched = http.get(f"/responses/{body['id']}")
    assert fetched.json() == body
    deleted = http.delete(f"/responses/{body['id']}").json()
    assert deleted == {"id": body["id"], "object": "response", "deleted": True}
    assert http.get(f"/responses/{body['id']}").status_code == 404


def test_unstored_response_cannot_be_fetched_or_chained(http: httpx.Client) -> None:
    body = create(http, input="Forget me", store=False)
    assert http.get(f"/responses/{body['id']}").status_code == 404
    follow = http.post(
        "/responses",
        json={"model": "grok-4.3", "input": "and?", "previous_response_id": body["id"]},
    )
    assert follow.status_code == 404


def test_previous_response_id_continues_the_conversation(http: httpx.Client) -> None:
    first = create(http, input="Tell me about the Eiffel tower")
    second = create(http, input="How tall is it?", previous_response_id=first["id"])
    fresh = create(http, input="How tall is it?")
    text = second["output"][-1]["content"][0]["text"]
    assert text != fresh["output"][-1]["content"][0]["text"]
    assert "turn 2" in text
    assert "Eiffel" in text
    assert second["previous_response_id"] == first["id"]
    assert second["usage"]["input_tokens_details"]["cached_tokens"] > 0


def test_instructions_shape_the_answer_and_are_echoed(http: httpx.Client) -> None:
    body = create(http, input="Hello", instructions="Answer like a pirate")
    assert body["instructions"] == "Answer like a pirate"
    assert "pirate" in body["output"][-1]["content"][0]["text"]


def test_instructions_with_previous_response_id_is_refused(http: httpx.Client) -> None:
    first = create(http, input="one")
    response = http.post(
        "/responses",
        json={
            "model": "grok-4.3",
            "input": "two",
            "instructions": "x",
            "previous_response_id": first["id"],
        },
    )
    assert response.status_code == 400


def test_json_schema_format_gives_valid_json(http: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "country": {"type": "string", "enum": ["FR", "PT"]},
            "population": {"type": "integer", "minimum": 1},
            "coords": {"$ref": "#/$defs/point"},
        },
        "required": ["city", "country", "population", "coords"],
        "additionalProperties": False,
        "$defs": {
            "point": {
                "type": "object",
                "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                "required": ["lat", "lon"],
            }
        },
    }
    body = create(
        http,
        input="A city",
        text={"format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True}},
    )
    value = json.loads(body["output"][-1]["content"][0]["text"])
    assert set(value) == {"city", "country", "population", "coords"}
    assert value["country"] in ("FR", "PT")
    assert value["population"] >= 1
    assert set(value["coords"]) == {"lat", "lon"}
    assert body["text"]["format"]["type"] == "json_schema"


def test_max_output_tokens_caps_the_answer_not_the_reasoning(http: httpx.Client) -> None:
    # Recorded grok-4.3 reasoned 110 and 198 tokens past max_output_tokens=16 and completed
    # (vercel-ai issue-17936); a visible answer cut at the cap ends incomplete.
    body = create(http, input="Write an essay", reasoning={"effort": "low"}, max_output_tokens=20)
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    usage = body["usage"]
    reasoning = usage["output_tokens_details"]["reasoning_tokens"]
    assert reasoning > 20
    assert usage["output_tokens"] == reasoning + 20
    text = body["output"][-1]["content"][0]["text"]
    assert len(text.split()) <= 20


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_reasoning_can_use_the_whole_cap_when_the_cap_includes_it(
    emu: Emulator, http: httpx.Client, stream: bool
) -> None:
    emu.control.configure(max_output_tokens_includes_reasoning=True)
    request = {"model": "grok-4.3", "input": "Write an essay", "max_output_tokens": 50}
    if stream:
        events = response_events(http.post("/responses", json={**request, "stream": True}).text)
        names = [name for name, _ in events]
        assert "response.output_text.delta" not in names
        assert names[-1] == "response.incomplete"
        body = events[-1][1]["response"]
    else:
        body = http.post("/responses", json=request).json()
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert [item["type"] for item in body["output"]] == ["reasoning"]
    usage = body["usage"]
    assert usage["output_tokens"] == usage["output_tokens_details"]["reasoning_tokens"] == 50


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"input": "x"}, 422),
        ({"model": "grok-4.3"}, 422),
        ({"model": "grok-4.3", "input": 5}, 422),
        ({"model": "nope", "input": "x"}, 400),
        ({"model": "grok-4.3", "input": "x", "previous_response_id": "missing"}, 404),
    ],
    ids=["no-model", "no-input", "input-type", "unknown-model", "unknown-previous"],
)
def test_bad_responses_bodies(http: httpx.Client, body: dict, status: int) -> None:
    response = http.post("/responses", json=body)
    assert response.status_code == status
    assert error_text(response)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_priority_not_granted_echoes_default_and_bills_the_default_rate(
    emu: Emulator, http: httpx.Client, stream: bool
) -> None:
    emu.control.configure(priority_granted=False)
    request = {"model": "grok-4.3", "input": "Priority please", "service_tier": "priority"}
    if stream:
        events = response_events(http.post("/responses", json={**request, "stream": True}).text)
        body = events[-1][1]["response"]
    else:
        body = create(http, **{k: v for k, v in request.items() if k != "model"})
    assert body["service_tier"] == "default"
    usage = body["usage"]
    cached = usage["input_tokens_details"]["cached_tokens"]
    expected = (usage["input_tokens"] - cached) * 12500 + cached * 2000
    assert usage["cost_in_usd_ticks"] == expected + usage["output_tokens"] * 25000
