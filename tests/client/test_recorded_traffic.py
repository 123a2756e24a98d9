"""Every recorded real chat, responses and models body and stream parses into the right result.

The recordings are served through ``httpx.MockTransport`` to a real ``XAIClient``, so the
whole path (transport, SSE decoder, folding, schemas, error mapping) runs on real bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.client import recordings
from xai_magics.client import (
    AuthenticationError,
    BadRequestError,
    Completion,
    IncompleteStreamError,
    NotFoundError,
    XAIClient,
)

JSON = {"content-type": "application/json"}
SSE = {"content-type": "text/event-stream"}


def client_for(status: int, body: bytes, headers: dict[str, str]) -> XAIClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return XAIClient(
        api_key="xai-recorded-traffic-test",
        base_url="https://api.x.ai/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
    )


def chat_text(body: dict[str, Any]) -> str:
    return (body["choices"][0].get("message") or {}).get("content") or ""


def responses_text(body: dict[str, Any]) -> str:
    return "".join(
        part.get("text") or ""
        for item in body.get("output") or []
        if item.get("type") == "message"
        for part in item.get("content") or []
        if part.get("type") == "output_text"
    )


def chat_calls(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    message = body["choices"][0].get("message") or {}
    return [
        (c["id"], c["function"]["name"], c["function"]["arguments"])
        for c in message.get("tool_calls") or []
    ]


def responses_calls(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (item["call_id"], item["name"], item["arguments"])
        for item in body.get("output") or []
        if item.get("type") == "function_call"
    ]


def calls_of(result: Completion) -> list[tuple[str, str, str]]:
    return [(c.id, c.name, c.arguments) for c in result.tool_calls]


def check_chat_usage(result: Completion, usage: dict[str, Any] | None) -> None:
    if not usage:
        assert result.usage is None
        return
    assert result.usage is not None
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    assert result.usage.output_tokens == usage["completion_tokens"]
    assert result.usage.reasoning_tokens == reasoning
    assert result.usage.input_tokens == usage["prompt_tokens"]
    assert result.usage.total_tokens == usage["total_tokens"]
    assert result.usage.cost_usd_ticks == usage.get("cost_in_usd_ticks")


def check_responses_usage(result: Completion, usage: dict[str, Any] | None) -> None:
    if not usage:
        return
    assert result.usage is not None
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    assert result.usage.reasoning_tokens == reasoning
    assert result.usage.output_tokens == usage["output_tokens"] - reasoning
    assert result.usage.total_tokens == usage["total_tokens"]
    assert result.usage.cost_usd_ticks == usage.get("cost_in_usd_ticks")


# -- cases -------------------------------------------------------------------------------------


def _case_kind(endpoint: str, body: bytes, is_stream: bool) -> str:
    if is_stream:
        return f"{endpoint}-stream"
    return endpoint


def json_cases() -> list[tuple[str, str, int, bytes]]:
    """(id, endpoint, status, body) for non-stream bodies."""
    cases: list[tuple[str, str, int, bytes]] = []
    for path in recordings.files("req_llm/*.json"):
        doc = json.loads(path.read_text("utf-8"))
        if doc.get("chunks"):
            continue
        endpoint = "chat" if path.name.startswith("chat-") else "responses"
        body = doc["response"]["body"]
        raw = body if isinstance(body, str) else json.dumps(body)
        cases.append((path.name, endpoint, doc["response"]["status"], raw.encode()))
    for pattern in ("vercel-ai/chat-completions__*.json", "prism-php/*.json"):
        cases += [(p.name, "chat", 200, p.read_bytes()) for p in recordings.files(pattern)]
    for p in recordings.files("vercel-ai/responses__*.json"):
        if "output" in json.loads(p.read_bytes()):
            cases.append((p.name, "responses", 200, p.read_bytes()))
    for case_id, it in recordings.rubyllm_interactions():
        uri = it["request"]["uri"]  # type: ignore[index]
        body = it["response"]["body"].get("string")  # type: ignore[index, union-attr]
        status = it["response"]["status"]["code"]  # type: ignore[index]
        request = str(it["request"]["body"].get("string") or "")  # type: ignore[index, union-attr]
        if '"stream":true' in request.replace(" ", ""):
            continue
        for endpoint, suffix in (("chat", "/v1/chat/completions"), ("responses", "/v1/responses")):
            if uri.endswith(suffix) and body:
                raw = body if isinstance(body, bytes) else body.encode()
                cases.append((case_id, endpoint, status, raw))
    return cases


def stream_cases() -> list[tuple[str, str, bytes]]:
    """(id, endpoint, SSE body) for streamed answers."""
    cases = [
        (p.name, "chat" if p.name.startswith("chat-") else "responses", p.read_bytes())
        for p in recordings.files("req_llm/*.sse.txt")
    ]
    cases += [
        (
            p.name,
            "chat" if p.name.startswith("chat-") else "responses",
            recordings.sse_from_chunks_txt(p),
        )
        for p in recordings.files("vercel-ai/*.chunks.txt")
    ]
    for case_id, it in recordings.rubyllm_interactions():
        request = str(it["request"]["body"].get("string") or "")  # type: ignore[index, union-attr]
        body = it["response"]["body"].get("string")  # type: ignore[index, union-attr]
        if '"stream":true' not in request.replace(" ", "") or not body:
            continue
        if it["response"]["status"]["code"] != 200:  # type: ignore[index]
            continue
        endpoint = "chat" if "chat/completions" in it["request"]["uri"] else "responses"  # type: ignore[index]
        cases.append((case_id, endpoint, body if isinstance(body, bytes) else body.encode()))
    return cases


JSON_CASES = json_cases()
STREAM_CASES = stream_cases()
OK_JSON = [c for c in JSON_CASES if c[2] == 200]
ERROR_JSON = [c for c in JSON_CASES if c[2] != 200]


def test_recordings_are_present_or_skipped_with_reason() -> None:
    recordings.require()
    assert len(OK_JSON) > 40
    assert len(STREAM_CASES) > 20
    try:
        import yaml  # noqa: F401
    except ImportError:
        pytest.skip("PyYAML is not installed: the ruby_llm cassettes are not checked")
    assert any("/" in c[0] for c in OK_JSON), "ruby_llm cassettes were not read"


@pytest.mark.parametrize(
    ("case_id", "endpoint", "status", "body"), OK_JSON, ids=[c[0] for c in OK_JSON]
)
def test_recorded_body_parses(case_id: str, endpoint: str, status: int, body: bytes) -> None:
    doc = json.loads(body)
    with client_for(status, body, JSON) as client:
        if endpoint == "chat":
            result = client.chat.create(model="m", messages=[{"role": "user", "content": "x"}])
            assert result.text == chat_text(doc)
            assert (
                result.reasoning
                == (doc["choices"][0].get("message") or {}).get("reasoning_content")
                or result.reasoning == ""
            )
            check_chat_usage(result, doc.get("usage"))
            assert calls_of(result) == chat_calls(doc)
        else:
            result = client.responses.create(model="m", input="x")
            assert result.text == responses_text(doc)
            assert calls_of(result) == responses_calls(doc)
            check_responses_usage(result, doc.get("usage"))
    assert result.status == "completed"
    assert result.id == doc.get("id")
    assert result.model == doc.get("model")


@pytest.mark.parametrize(
    ("case_id", "endpoint", "status", "body"), ERROR_JSON, ids=[c[0] for c in ERROR_JSON]
)
def test_recorded_error_maps_to_its_exception(
    case_id: str, endpoint: str, status: int, body: bytes
) -> None:
    message = json.loads(body).get("error") or ""
    expected = {400: BadRequestError, 404: NotFoundError}[status]
    if "Incorrect API key" in str(message):
        expected = AuthenticationError
    with client_for(status, body, JSON) as client:
        call = (
            (lambda: client.chat.create(model="m", messages=[]))
            if endpoint == "chat"
            else (lambda: client.responses.create(model="m", input="x"))
        )
        with pytest.raises(expected) as caught:
            call()
    if expected is AuthenticationError:
        assert "***" not in str(caught.value)
    else:
        assert str(message)[:40] in str(caught.value)


def naive_stream(endpoint: str, body: bytes) -> tuple[str, bool, list[tuple[str, str, str]]]:
    """(text, finished, tool calls) read straight off the ``data:`` lines, independent of the
    client."""
    text, finished = [], False
    pieces: dict[int, list[str]] = {}
    done_calls: list[tuple[str, str, str]] = []
    for line in body.decode("utf-8").replace("\r\n", "\n").split("\n"):
        if not line.startswith("data: "):
            continue
        data = line[6:]
        if data == "[DONE]":
            finished = True
            continue
        doc = json.loads(data)
        if endpoint == "chat":
            for choice in doc.get("choices") or []:
                text.append((choice.get("delta") or {}).get("content") or "")
                for call in (choice.get("delta") or {}).get("tool_calls") or []:
                    head = pieces.setdefault(call["index"], ["", "", ""])
                    head[0] = call.get("id") or head[0]
                    head[1] = call["function"].get("name") or head[1]
                    head[2] += call["function"].get("arguments") or ""
        elif doc.get("type") == "response.output_item.done":
            done_calls += responses_calls({"output": [doc["item"]]})
        elif doc.get("type") == "response.output_text.delta":
            text.append(doc["delta"])
        elif doc.get("type") == "response.completed":
            finished = True
            if not text:
                text.append(responses_text(doc["response"]))
            done_calls = responses_calls(doc["response"]) or done_calls
    calls = [(i, n, a) for _, (i, n, a) in sorted(pieces.items())] if pieces else done_calls
    return "".join(text), finished, calls


@pytest.mark.parametrize(
    ("case_id", "endpoint", "body"), STREAM_CASES, ids=[c[0] for c in STREAM_CASES]
)
def test_recorded_stream_folds_into_the_same_text(case_id: str, endpoint: str, body: bytes) -> None:
    text, finished, calls = naive_stream(endpoint, body)
    with client_for(200, body, SSE) as client:
        stream: Callable[..., Any] = (
            client.chat.stream if endpoint == "chat" else client.responses.stream
        )
        kwargs = {"messages": []} if endpoint == "chat" else {"input": "x"}
        s = stream(model="m", **kwargs)
        if finished:
            result = s.until_done()
            assert result.status == "completed"
        else:
            with pytest.raises(IncompleteStreamError) as caught:
                s.until_done()
            result = caught.value.partial
            assert result.status == "incomplete"
    assert result.text == text
    assert calls_of(result) == calls
    if finished and endpoint == "responses":
        assert result.usage is not None


MODEL_LISTS = [
    (cid, it)
    for cid, it in recordings.rubyllm_interactions()
    if it["request"]["uri"].split("?")[0].endswith(("/v1/models", "/v1/language-models"))  # type: ignore[index]
]


@pytest.mark.parametrize(("case_id", "interaction"), MODEL_LISTS, ids=[c[0] for c in MODEL_LISTS])
def test_recorded_model_lists_parse(case_id: str, interaction: dict[str, Any]) -> None:
    body = interaction["response"]["body"]["string"]
    raw = body if isinstance(body, bytes) else body.encode()
    doc = json.loads(raw)
    with client_for(200, raw, JSON) as client:
        if interaction["request"]["uri"].endswith("/v1/models"):
            ids = [m.id for m in client.models.list()]
            assert ids == [m["id"] for m in doc["data"]]
        else:
            models = client.models.language_models()
            assert [m.id for m in models] == [m["id"] for m in doc["models"]]
            assert all(m.completion_text_token_price is not None for m in models)


DEPRECATED = recordings.files("req_llm/*grok-beta*.json")


@pytest.mark.parametrize("path", DEPRECATED, ids=recordings.ids(DEPRECATED))
def test_recorded_deprecated_model_names_its_replacement(path: Any) -> None:
    """xAI retires a model with 404 and plain JSON, even to a stream request."""
    from xai_magics.client import ModelDeprecatedError

    doc = json.loads(path.read_text("utf-8"))
    response = doc["response"]
    body = json.dumps(response["body"]).encode()
    streamed = "stream" in path.name
    with client_for(response["status"], body, JSON) as client:
        call = (
            (lambda: client.chat.stream(model="grok-beta", messages=[]).until_done())
            if streamed
            else (lambda: client.chat.create(model="grok-beta", messages=[]))
        )
        with pytest.raises(ModelDeprecatedError) as caught:
            call()
    err = caught.value
    assert isinstance(err, NotFoundError)  # still a 404 to code that catches those
    assert (err.model, err.since, err.replacement) == ("grok-beta", "2025-09-15", "grok-3")
    assert "Please use grok-3 instead" in str(err)


TOKEN_LIMIT = recordings.files("req_llm/*token_limit*.json")


@pytest.mark.parametrize("path", TOKEN_LIMIT, ids=recordings.ids(TOKEN_LIMIT))
def test_recorded_answer_cut_at_its_cap_says_so(path: Any) -> None:
    """Chat's ``finish_reason: length``: the text hit ``max_completion_tokens``."""
    body = json.loads(path.read_text("utf-8"))["response"]["body"]
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    with client_for(200, raw, JSON) as client:
        result = client.chat.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert result.text
    assert result.incomplete_reason == "length"
