"""Every recorded response that used xAI's server-side tools (web_search, x_search, code
execution, file search, image generation) parses into its tool calls, cited sources and tool
usage, plain or streamed, through a real ``XAIClient`` on the recorded bytes. The expected values
are read straight off the recorded JSON here, independently of the client's parser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.client.test_recorded_traffic import JSON, OK_JSON, SSE, STREAM_CASES, client_for
from xai_magics.client import Completion

SERVER_ITEMS = {
    "web_search_call",
    "x_search_call",
    "custom_tool_call",
    "code_interpreter_call",
    "file_search_call",
    "mcp_call",
}


def uses_tools(raw: bytes) -> bool:
    text = raw.decode("utf-8", "replace")
    return any(f'"{t}"' in text for t in SERVER_ITEMS) or "server_side_tool_usage_details" in text


def expected(response: dict[str, Any]) -> tuple[list[str], list[str], dict[str, int]]:
    """(server-side item types, cited URLs in first-seen order, non-zero tool usage)."""
    output = response.get("output") or []
    kinds = [item["type"] for item in output if item.get("type") in SERVER_ITEMS]
    urls: list[str] = []
    for item in output:
        if item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            for note in part.get("annotations") or []:
                if note.get("type") == "url_citation" and note["url"] not in urls:
                    urls.append(note["url"])
    if not urls:  # none cited: the pages the searches looked at
        for item in output:
            for source in ((item.get("action") or {}).get("sources")) or []:
                if source["url"] not in urls:
                    urls.append(source["url"])
    details = (response.get("usage") or {}).get("server_side_tool_usage_details") or {}
    return kinds, urls, {k: v for k, v in details.items() if v}


KIND_OF = {
    "web_search_call": "web_search",
    "x_search_call": "x_search",
    "custom_tool_call": "x_search",
    "code_interpreter_call": "code_execution",
    "file_search_call": "file_search",
    "mcp_call": "mcp",
}


def check(result: Completion, response: dict[str, Any]) -> None:
    kinds, urls, details = expected(response)
    assert [c.kind for c in result.server_tools] == [KIND_OF[k] for k in kinds]
    assert [s.url for s in result.sources] == urls
    assert result.usage is not None
    assert result.usage.server_tool_usage == details
    usage = response.get("usage") or {}
    assert result.usage.sources_used == (usage.get("num_sources_used") or 0)
    for call, item in zip(
        result.server_tools,
        [i for i in response["output"] if i.get("type") in SERVER_ITEMS],
        strict=True,
    ):
        action = item.get("action") or {}
        args = json.loads(item.get("arguments") or item.get("input") or "{}")
        assert call.detail == (action.get("query") or args.get("query") or args.get("code") or "")


TOOL_JSON = [c for c in OK_JSON if c[1] == "responses" and uses_tools(c[3])]
TOOL_STREAMS = [c for c in STREAM_CASES if c[1] == "responses" and uses_tools(c[2])]


def test_the_recordings_hold_search_code_and_x_search_cases() -> None:
    if not OK_JSON:
        pytest.skip("recordings absent")
    seen = {KIND_OF[k] for c in TOOL_JSON for k in expected(json.loads(c[3]))[0]}
    assert {"web_search", "x_search", "code_execution"} <= seen
    assert len(TOOL_STREAMS) >= 4


@pytest.mark.parametrize(
    ("case_id", "endpoint", "status", "body"), TOOL_JSON, ids=[c[0] for c in TOOL_JSON]
)
def test_recorded_tool_response_parses(
    case_id: str, endpoint: str, status: int, body: bytes
) -> None:
    with client_for(status, body, JSON) as client:
        result = client.responses.create(model="m", input="x")
    check(result, json.loads(body))


def _final_response(body: bytes) -> dict[str, Any] | None:
    for line in body.decode("utf-8").splitlines():
        if line.startswith("data: ") and '"response.completed"' in line:
            doc = json.loads(line[6:])
            if doc.get("type") == "response.completed":
                response: dict[str, Any] = doc["response"]
                return response
    return None


@pytest.mark.parametrize(
    ("case_id", "endpoint", "body"), TOOL_STREAMS, ids=[c[0] for c in TOOL_STREAMS]
)
def test_recorded_tool_stream_parses_and_reports_activity(
    case_id: str, endpoint: str, body: bytes
) -> None:
    from xai_magics.client import ToolActivity

    final = _final_response(body)
    assert final is not None
    with client_for(200, body, SSE) as client:
        stream = client.responses.stream(model="m", input="x")
        activity = [e for e in stream if isinstance(e, ToolActivity)]
        result = stream.snapshot
    check(result, final)
    done_items = [
        json.loads(line[6:])["item"]
        for line in body.decode("utf-8").splitlines()
        if line.startswith("data: ") and '"response.output_item.done"' in line
    ]
    finished_calls = [e for e in activity if e.call is not None and e.call.status == "completed"]
    assert len(finished_calls) == sum(i.get("type") in SERVER_ITEMS for i in done_items)


def test_the_per_call_price_accounts_for_the_recorded_bill() -> None:
    """rubyllm's grok-4.3 web search (Aug 2026): tokens at list price plus two searches at
    $5 per 1,000 calls is exactly the ``cost_in_usd_ticks`` xAI reported."""
    from xai_magics.usage import PUBLISHED_PRICES, Receipt

    case = [c for c in TOOL_JSON if "searches_cites_and_counts" in c[0]]
    if not case:
        pytest.skip("recordings absent")
    with client_for(200, case[0][3], JSON) as client:
        result = client.responses.create(model="m", input="x")
    receipt = Receipt.from_completion(result, model_requested="grok-4.3", tier_requested=None)
    assert result.usage is not None
    assert result.usage.cost_usd_ticks is not None
    tokens = PUBLISHED_PRICES["grok-4.3"].cost_usd(
        receipt.input_tokens,
        receipt.output_tokens + receipt.reasoning_tokens,
        receipt.cached_input_tokens,
    )
    assert receipt.server_tool_calls == {"web_search_calls": 2}
    assert receipt.tool_cost_usd == pytest.approx(0.01)
    assert round((tokens + receipt.tool_cost_usd) * 1e10) == result.usage.cost_usd_ticks
    assert "2 web searches ($0.0100) · 1 source" in receipt.summary()
