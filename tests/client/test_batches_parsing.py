"""Batch wire parsing, status derivation, result normalisation and paging, from tables."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

import pytest
import yaml

from tests.client import recordings
from xai_magics.client import batches
from xai_magics.client.batches import (
    BatchResult,
    PaginationLoopError,
    iter_paged,
    normalise_result,
    parse_results_page,
)
from xai_magics.client.errors import XAIError
from xai_magics.schemas.batches import Batch, RequestMetadataPage, ResultsPageWire

TODAY = dt.date(2026, 8, 10)
RECORDED_BATCH = (
    "rubyllm/2026-08_responses-api-era/batches__batch__answers_staged_chats_and_appends_the_"
    "answers_to_their_conversations__grok-4.3.yml"
)


def batch(state: dict[str, int] | None = None, **fields: Any) -> Batch:
    body: dict[str, Any] = {"batch_id": "batch_1", "expire_time": "2026-09-09", **fields}
    if state is not None:
        body["state"] = state
    return Batch.model_validate(body)


@pytest.mark.parametrize(
    ("fields", "state", "expected"),
    [
        pytest.param({}, {}, "empty", id="fresh-batch-is-empty"),
        pytest.param({}, None, "empty", id="state-omitted-is-empty"),
        pytest.param(
            {},
            {"num_requests": 3, "num_pending": 2, "num_success": 1},
            "running",
            id="pending-is-running",
        ),
        pytest.param(
            {},
            {"num_requests": 3, "num_success": 2, "num_error": 1},
            "done",
            id="nothing-pending-is-done",
        ),
        pytest.param(
            {"cancel_time": "2026-08-10"},
            {"num_requests": 3, "num_cancelled": 2, "num_success": 1},
            "cancelled",
            id="cancel-time-is-cancelled",
        ),
        pytest.param(
            {
                "cancel_time": "2026-08-10",
                "cancel_by_xai_message": "Model grok-4.6 is not supported for batch processing.",
            },
            {},
            "cancelled_by_xai",
            id="xai-rejection-with-zero-counters",
        ),
        pytest.param(
            {"expire_time": "2026-08-09"},
            {"num_requests": 3, "num_pending": 1, "num_success": 2},
            "expired",
            id="pending-past-expiry",
        ),
        pytest.param(
            {"expire_time": "2026-08-09"},
            {"num_requests": 3, "num_cancelled": 1, "num_success": 2},
            "expired",
            id="leftovers-cancelled-by-expiry",
        ),
        pytest.param(
            {"expire_time": "2026-08-10"},
            {"num_requests": 3, "num_pending": 1},
            "running",
            id="expiry-day-itself-still-running",
        ),
        pytest.param(
            {"expire_time": "2026-08-09"},
            {"num_requests": 3, "num_success": 3},
            "done",
            id="finished-before-expiry-is-done",
        ),
    ],
)
def test_status_is_derived_from_counters_and_dates(
    fields: dict[str, Any], state: dict[str, int] | None, expected: str
) -> None:
    assert batch(state, **fields).status_on(TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2026-08-10", dt.date(2026, 8, 10), id="bare-date"),
        pytest.param("2026-08-10T23:59:59Z", dt.date(2026, 8, 10), id="rfc3339"),
        pytest.param(1786400933, dt.date(2026, 8, 10), id="unix-seconds"),
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty-string"),
    ],
)
def test_batch_dates_parse_to_date(raw: object, expected: dt.date | None) -> None:
    assert batch(cancel_time=raw).cancel_time == expected


def test_missing_and_null_counters_default_to_zero() -> None:
    parsed = batch({"num_requests": 5, "num_pending": None})  # type: ignore[dict-item]
    assert (parsed.state.num_requests, parsed.state.num_pending, parsed.state.num_error) == (
        5,
        0,
        0,
    )


def test_unknown_fields_are_kept_not_rejected() -> None:
    parsed = batch({}, new_server_field={"x": 1})
    assert parsed.model_extra == {"new_server_field": {"x": 1}}


def test_cost_breakdown_converts_ticks_to_usd() -> None:
    parsed = batch({}, cost_breakdown={"total_cost_usd_ticks": 25_000_000_000})
    assert parsed.cost_usd == pytest.approx(2.5)
    assert batch({}).cost_usd is None


def test_request_metadata_state_is_lowercased_from_grpc_spelling() -> None:
    page = RequestMetadataPage.model_validate(
        {
            "batch_request_metadata": [
                {"batch_request_id": "a", "state": "STATE_SUCCEEDED", "finish_time": "2026-08-11"},
                {"batch_request_id": "b", "state": "pending"},
            ],
            "pagination_token": None,
        }
    )
    assert [m.state for m in page.batch_request_metadata] == ["succeeded", "pending"]
    assert page.batch_request_metadata[0].finish_time == dt.date(2026, 8, 11)


CHAT_BODY = {
    "id": "c1",
    "object": "chat.completion",
    "model": "grok-4.3",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}
    ],
    "usage": {
        "prompt_tokens": 10,
        "completion_tokens": 1,
        "total_tokens": 11,
        "cost_in_usd_ticks": 1000,
    },
}
RESPONSES_BODY = {
    "id": "r1",
    "object": "response",
    "status": "completed",
    "model": "grok-4.3",
    "output": [{"type": "message", "content": [{"type": "output_text", "text": "Jupiter"}]}],
    "usage": {"input_tokens": 5, "output_tokens": 1, "total_tokens": 6},
}


RESULT_SHAPES = [
    pytest.param(
        {
            "batch_request_id": "r",
            "batch_result": {"response": {"chat_get_completion": CHAT_BODY}},
        },
        True,
        "4",
        None,
        None,
        id="chat-completion",
    ),
    pytest.param(
        {"batch_request_id": "r", "batch_result": {"response": {"responses": CHAT_BODY}}},
        True,
        "4",
        None,
        None,
        id="responses-key-holding-chat-body",
    ),
    pytest.param(
        {"batch_request_id": "r", "batch_result": {"response": {"responses": RESPONSES_BODY}}},
        True,
        "Jupiter",
        None,
        None,
        id="responses-body",
    ),
    pytest.param(
        {"batch_request_id": "r", "batch_result": {"error": "boom"}},
        False,
        None,
        "boom",
        None,
        id="error-string",
    ),
    pytest.param(
        {
            "batch_request_id": "r",
            "batch_result": {"error": {"code": 3, "message": "bad model"}},
        },
        False,
        None,
        "bad model",
        3,
        id="error-status-object",
    ),
    pytest.param(
        {
            "batch_request_id": "r",
            "error_message": "timed out",
            "error_code": "DEADLINE_EXCEEDED",
        },
        False,
        None,
        "timed out",
        "DEADLINE_EXCEEDED",
        id="top-level-error-message",
    ),
    pytest.param(
        {"batch_request_id": "r", "batch_result": {"error_message": "nested"}},
        False,
        None,
        "nested",
        None,
        id="error-message-in-result",
    ),
    pytest.param(
        {"batch_request_id": "r", "batch_result": {}},
        False,
        None,
        "the result holds neither a response nor an error",
        None,
        id="empty-result",
    ),
]


@pytest.mark.parametrize(("item", "ok", "text", "error", "code"), RESULT_SHAPES)
def test_every_result_shape_normalises(
    item: dict[str, Any], ok: bool, text: str | None, error: str | None, code: int | str | None
) -> None:
    result = normalise_result(item)
    assert (result.batch_request_id, result.ok, result.error, result.error_code) == (
        "r",
        ok,
        error,
        code,
    )
    assert (result.completion.text if result.completion else None) == text


RICH_CHAT_BODY = {
    **CHAT_BODY,
    "service_tier": "default",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "reasoning_content": "thinking",
                "tool_calls": [
                    {"id": "t1", "function": {"name": "lookup", "arguments": '{"q": 1}'}}
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        **CHAT_BODY["usage"],  # type: ignore[dict-item]
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 7},
    },
}
PAGE_SHAPES = [
    *(p.values[0] for p in RESULT_SHAPES),
    {
        "batch_request_id": "t",
        "batch_result": {"response": {"chat_get_completion": RICH_CHAT_BODY}},
    },
    {
        "batch_request_id": "u",
        "batch_result": {"response": {"chat_get_completion": {"choices": []}}},
    },
    {"batch_request_id": "v", "batch_result": {"response": {"chat_get_completion": None}}},
    {
        "batch_request_id": "w",
        "batch_result": {"response": {"chat_get_completion": CHAT_BODY, "responses": CHAT_BODY}},
    },
]


def _page(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"results": items, "pagination_token": "next"}).encode()


def _is_chat_or_error(item: dict[str, Any]) -> bool:
    response = item.get("batch_result", {}).get("response")
    if response is None:
        return True
    bodies = list(response.values())
    return len(bodies) == 1 and type(bodies[0]) is dict and "choices" in bodies[0]


@pytest.mark.parametrize("decoder", ["typed", "without-msgspec"])
@pytest.mark.parametrize(
    "items",
    [
        pytest.param([i for i in PAGE_SHAPES if _is_chat_or_error(i)], id="chat-and-errors"),
        pytest.param(PAGE_SHAPES, id="every-shape"),
    ],
)
def test_a_results_page_folds_each_item_as_normalise_result_does(
    items: list[dict[str, Any]],
    decoder: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if decoder == "without-msgspec":
        monkeypatch.setitem(sys.modules, "xai_magics.schemas.batch_results", None)
    elif "chat-and-errors" in request.node.callspec.id:
        # the typed structs stand for every item here: no page is decoded into dicts
        monkeypatch.setattr(batches, "loads", _no_loose_decoding)
    page = parse_results_page(_page(items))
    monkeypatch.undo()
    assert page.pagination_token == "next"
    expected = [normalise_result(item) for item in items]
    seen = [(r.text, r.counts, r.service_tier) for r in page.results]
    assert seen == [(r.text, r.counts, r.service_tier) for r in expected]
    assert page.results == expected  # compares the folded completions too


def _no_loose_decoding(_content: bytes) -> Any:
    raise AssertionError("the page was decoded into dicts")


def test_the_answer_columns_read_what_the_completion_says() -> None:
    item = {"batch_request_id": "t", "batch_result": {"response": {"x": RICH_CHAT_BODY}}}
    (result,) = parse_results_page(_page([item])).results
    completion = result.completion
    assert completion is not None
    assert completion.usage is not None
    assert completion.tool_calls[0].name == "lookup"
    assert (completion.reasoning, completion.usage.cached_input_tokens) == ("thinking", 4)
    assert result.text == completion.text == ""
    assert result.counts == (10, 1 + 7, 1000, 7)
    assert result.service_tier == completion.service_tier == "default"


@pytest.mark.parametrize(
    "body",
    [b"<html>proxy</html>", b'{"results": 3}', b"[1, 2]"],
    ids=["not-json", "results-not-a-list", "not-an-object"],
)
def test_a_body_that_is_not_a_results_page_says_so(body: bytes) -> None:
    with pytest.raises(XAIError, match="not a results page"):
        parse_results_page(body)


def test_success_result_carries_usage_and_cost() -> None:
    result = normalise_result(
        {"batch_request_id": "r", "batch_result": {"response": {"chat_get_completion": CHAT_BODY}}}
    )
    assert result.completion is not None
    assert result.completion.usage is not None
    assert result.completion.usage.cost_usd_ticks == 1000


def test_image_result_succeeds_without_a_completion() -> None:
    item = {
        "batch_request_id": "img",
        "batch_result": {"response": {"image_generation": {"data": [{"url": "u"}]}}},
    }
    assert normalise_result(item) == BatchResult("img", ok=True)


@pytest.mark.parametrize(
    ("code", "cancelled"),
    [
        pytest.param(1, True, id="grpc-cancelled"),
        pytest.param("CANCELLED", True, id="named"),
        pytest.param(3, False, id="invalid-argument"),
    ],
)
def test_cancelled_requests_are_told_apart_from_failures(code: object, cancelled: bool) -> None:
    item = {"batch_request_id": "r", "batch_result": {"error": {"code": code, "message": "x"}}}
    assert normalise_result(item).cancelled is cancelled


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        pytest.param({"batch_result": {"error": "Request cancelled."}}, "cancelled", id="string"),
        pytest.param(
            {"batch_result": {"error": "Request expired before it ran."}},
            "expired",
            id="string-exp",
        ),
        pytest.param({"error_message": "Request cancelled."}, "cancelled", id="top-level"),
        pytest.param({"error_message": "The batch expired"}, "expired", id="top-level-expired"),
        pytest.param(
            {"batch_result": {"error": {"code": 1, "message": "Request expired before it ran."}}},
            "expired",
            id="code-1-expired",
        ),
        pytest.param(
            {"batch_result": {"error": {"status": "CANCELLED", "message": "stopped"}}},
            "cancelled",
            id="named-status",
        ),
        pytest.param(
            {"batch_result": {"error": {"code": 3, "message": "cancelled by validation"}}},
            "failed",
            id="other-code-wins-over-text",
        ),
        pytest.param(
            {"batch_result": {"error": "Simulated failure of request r."}}, "failed", id="failure"
        ),
        pytest.param({"batch_result": {"error": "Expiredness is bad"}}, "failed", id="word-bound"),
        pytest.param(
            {"batch_result": {"response": {"chat_get_completion": {"choices": []}}}},
            "succeeded",
            id="success",
        ),
    ],
)
def test_every_error_shape_says_whether_the_batch_stopped_the_request(
    item: dict[str, Any], kind: str
) -> None:
    result = normalise_result({"batch_request_id": "r", **item})
    assert result.kind == kind
    assert result.cancelled is (kind in ("cancelled", "expired"))
    page = json.dumps({"results": [{"batch_request_id": "r", **item}]}).encode()
    assert parse_results_page(page).results[0].kind == kind


def test_error_text_with_a_key_is_redacted() -> None:
    item = {
        "batch_request_id": "r",
        "batch_result": {"error": "rejected key xai-AAAAbbbbCCCCdddd1234"},
    }
    assert "AAAAbbbb" not in (normalise_result(item).error or "")


def _recorded_results_body() -> str:
    cassette = recordings.require() / RECORDED_BATCH
    interactions = yaml.safe_load(cassette.read_text("utf-8"))["http_interactions"]
    body: str = next(
        i["response"]["body"]["string"]
        for i in interactions
        if i["request"]["uri"].endswith("/results?limit=100")
    )
    return body


def test_recorded_results_page_normalises() -> None:
    body = _recorded_results_body()
    page = ResultsPageWire.model_validate_json(body)
    results = {r.batch_request_id: r.completion for r in map(normalise_result, page.results)}
    assert page.pagination_token is None
    assert {rid: c.text if c else None for rid, c in results.items()} == {"0": "4", "1": "Jupiter"}
    usage = results["0"].usage if results["0"] else None
    assert usage is not None
    assert (usage.cost_usd_ticks, usage.reasoning_tokens) == (2087200, 82)


@pytest.mark.parametrize("decoder", ["msgspec", "without-msgspec"])
def test_recorded_results_keep_reasoning_tokens_and_the_tier_that_served(
    decoder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _recorded_results_body()
    if decoder == "without-msgspec":
        monkeypatch.setitem(sys.modules, "xai_magics.schemas.batch_results", None)
    results = parse_results_page(body.encode()).results
    # usage: prompt 204, completion 1 and 2, reasoning 82 and 62 (total 287 and 268); the
    # recorded batch answers say they were served by the default tier
    assert [(r.counts, r.service_tier) for r in results] == [
        ((204, 1 + 82, 2087200, 82), "default"),
        ((204, 2 + 62, 2244800, 62), "default"),
    ]


def test_recorded_batch_bodies_parse_with_derived_status() -> None:
    cassette = recordings.require() / RECORDED_BATCH
    interactions = yaml.safe_load(cassette.read_text("utf-8"))["http_interactions"]
    polls = [
        Batch.model_validate_json(i["response"]["body"]["string"])
        for i in interactions
        if i["request"]["method"] == "get" and "/results" not in i["request"]["uri"]
    ]
    assert [b.status_on(TODAY) for b in polls] == ["running", "running", "done"]
    assert polls[0].create_time == dt.date(2026, 8, 10)
    assert polls[0].expire_time == dt.date(2026, 9, 9)


class Pages:
    """A fake page source that records which tokens were asked for."""

    def __init__(self, pages: dict[str | None, tuple[Sequence[int], str | None]]) -> None:
        self.pages = pages
        self.asked: list[str | None] = []

    def __call__(self, token: str | None) -> tuple[Sequence[int], str | None]:
        self.asked.append(token)
        return self.pages[token]


@pytest.mark.parametrize(
    ("pages", "items", "asked"),
    [
        pytest.param(
            {None: ([1, 2], "a"), "a": ([3, 4], "b"), "b": ([5], None)},
            [1, 2, 3, 4, 5],
            [None, "a", "b"],
            id="until-null-token",
        ),
        pytest.param(
            {None: ([1], "a"), "a": ([2], "")}, [1, 2], [None, "a"], id="until-empty-token"
        ),
        pytest.param({None: ([1], "a"), "a": ([], "b")}, [1], [None, "a"], id="until-empty-page"),
        pytest.param({None: ([], None)}, [], [None], id="no-results-yet"),
    ],
)
def test_paging_follows_tokens_to_the_end(
    pages: dict[str | None, tuple[Sequence[int], str | None]],
    items: list[int],
    asked: list[str | None],
) -> None:
    source = Pages(pages)
    assert list(iter_paged(source)) == items
    assert source.asked == asked


def test_paging_refuses_to_loop_on_a_repeated_token() -> None:
    source = Pages({None: ([1], "a"), "a": ([2], "b"), "b": ([3], "a")})
    seen: list[int] = []
    with pytest.raises(PaginationLoopError, match="twice"):
        seen.extend(iter_paged(source))
    assert seen == [1, 2, 3]
