"""Simulated server-side tools on /v1/responses answer with the recorded shapes: web_search_call
items and their stream events, x_search_call and code_interpreter_call items, [[n]](url)
citations with url_citation annotations, and usage counting and pricing the calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.emulator.wire import RECORDINGS, body_text, cassette, key_paths, response_events

WEB_SEARCH = (
    "rubyllm/2026-08_responses-api-era/"
    "responses__web_search__searches_cites_and_counts_the_sources_it_used__grok-4.3.yml"
)
WEB_SEARCH_STREAM = "req_llm/responses__grok-4-fast-reasoning__web_search_streaming__stream.sse.txt"
PROMPT = "Search the web: what is the latest stable Ruby version? Cite your source."


def ask(http: httpx.Client, tools: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    body = {"model": "grok-4.3", "input": PROMPT, "tools": tools, **extra}
    response = http.post("/responses", json=body)
    assert response.status_code == 200, response.text
    return response


def recorded_file(relative: str) -> str:
    path = Path(RECORDINGS) / relative
    if not path.exists():
        pytest.skip(f"recorded traffic not available at {path}")
    return path.read_text("utf-8")


def items_of(response: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item for item in response["output"] if item["type"] == kind]


def test_web_search_matches_the_recorded_response(http: httpx.Client) -> None:
    recorded = json.loads(body_text(cassette(WEB_SEARCH)[0]))
    ours = ask(http, [{"type": "web_search"}]).json()
    (call,) = items_of(ours, "web_search_call")
    assert key_paths(call) == key_paths(items_of(recorded, "web_search_call")[0])
    assert call["action"]["query"] == " ".join(PROMPT.split()[:8])
    (message,) = items_of(ours, "message")
    part = message["content"][0]
    recorded_part = items_of(recorded, "message")[0]["content"][0]
    assert key_paths(part) == key_paths(recorded_part)
    (note,) = part["annotations"]
    assert part["text"][note["start_index"] : note["end_index"]] == f"[[1]]({note['url']})"
    assert note["url"] == call["action"]["sources"][0]["url"]
    usage, recorded_usage = ours["usage"], recorded["usage"]
    assert key_paths(usage) == key_paths(recorded_usage)
    details = usage["server_side_tool_usage_details"]
    assert details["web_search_calls"] == 1
    assert usage["num_server_side_tools_used"] == sum(details.values()) == 1


def test_each_server_call_adds_its_price_to_the_cost(http: httpx.Client) -> None:
    one = ask(http, [{"type": "web_search"}]).json()["usage"]
    three = ask(http, [{"type": "web_search"}, {"type": "x_search"}, {"type": "code_interpreter"}])
    usage = three.json()["usage"]
    assert usage["num_server_side_tools_used"] == 3
    # same tokens in, more cited text out: the difference is two calls plus the extra tokens
    extra_out = usage["output_tokens"] - one["output_tokens"]
    assert (
        usage["cost_in_usd_ticks"] - one["cost_in_usd_ticks"] == 2 * 50_000_000 + extra_out * 25000
    )


def test_x_search_and_code_items_match_the_recorded_shape(http: httpx.Client) -> None:
    ours = ask(http, [{"type": "x_search"}, {"type": "code_interpreter"}]).json()
    for kind, recording in (
        ("x_search_call", "vercel-ai/responses__xai-x-search-tool.1.json"),
        ("code_interpreter_call", "vercel-ai/responses__xai-code-execution-tool.1.json"),
    ):
        recorded = json.loads(recorded_file(recording))
        (item,) = items_of(ours, kind)
        assert set(item) == set(items_of(recorded, kind)[0])
        assert isinstance(json.loads(item["arguments"]), dict)
    code = json.loads(items_of(ours, "code_interpreter_call")[0]["arguments"])["code"]
    words = len(PROMPT.split())
    assert code == f"prompt_words = {words}\nprint(prompt_words * 2)"
    assert (
        f"Running the code printed {words * 2}."
        in items_of(ours, "message")[0]["content"][0]["text"]
    )


def test_web_search_stream_follows_the_recording(http: httpx.Client) -> None:
    recorded = response_events(recorded_file(WEB_SEARCH_STREAM))
    body = {"model": "grok-4.3", "input": PROMPT, "tools": [{"type": "web_search"}], "stream": True}
    ours = response_events(http.post("/responses", json=body).text)

    def names(events: list[tuple[str, Any]]) -> list[str]:
        out: list[str] = []
        for name, payload in events:
            if "reasoning" in name or (payload.get("item") or {}).get("type") == "reasoning":
                continue  # the recording's model did not reason; grok-4.3 here does
            if not out or out[-1] != name or not name.endswith(".delta"):
                out.append(name)
        return out

    assert names(ours) == names(recorded)
    (note,) = [p["annotation"] for n, p in ours if n == "response.output_text.annotation.added"]
    final = ours[-1][1]["response"]
    assert final["output"][-1]["content"][0]["annotations"] == [note]
    added = next(
        p["item"]
        for n, p in ours
        if n == "response.output_item.added" and p["item"]["type"] == "web_search_call"
    )
    assert added["status"] == "in_progress"
    assert added["action"] == {"type": "search", "query": "", "sources": []}


def test_a_prompt_can_name_a_source_and_a_tool_turn_searches_no_more(http: httpx.Client) -> None:
    body = {
        "model": "grok-4.3",
        "input": "news emulator:source=javascript:alert(1)",
        "tools": [{"type": "web_search"}],
    }
    first = http.post("/responses", json=body).json()
    urls = [n["url"] for n in items_of(first, "message")[0]["content"][0]["annotations"]]
    assert urls[0] == "javascript:alert(1)"
    assert len(urls) == 2
    follow = {
        "model": "grok-4.3",
        "previous_response_id": first["id"],
        "input": [{"type": "function_call_output", "call_id": "call-1", "output": "ok"}],
        "tools": [{"type": "web_search"}],
    }
    second = http.post("/responses", json=follow).json()
    assert items_of(second, "web_search_call") == []
    assert "server_side_tool_usage_details" not in second["usage"]
