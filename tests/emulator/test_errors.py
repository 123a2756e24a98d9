"""Error statuses and bodies: flat ``{"code", "error"}`` JSON with a Content-Length, as recorded."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.wire import body_text, cassette, error_text
from xai_magics.emulator import Emulator

CHAT = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}


def assert_flat_error(response: httpx.Response, status: int, contains: str) -> str:
    """The error's message, checked: flat JSON (plain text for a 422), no trace headers."""
    assert response.status_code == status, response.text
    assert int(response.headers["content-length"]) == len(response.content)
    assert "x-request-id" not in response.headers
    assert "traceparent" not in response.headers
    message = error_text(response)
    assert contains in message
    return message


def test_bad_key_is_400_with_the_recorded_body_shape(emu: Emulator) -> None:
    recorded = body_text(
        cassette(
            "rubyllm/2026-06_chat-completions-era/"
            "chat-completions__error_handling__raises_appropriate_auth_error__grok-4.3.yml"
        )[0]
    )
    response = httpx.post(
        f"{emu.base_url}/chat/completions",
        json=CHAT,
        headers={"Authorization": "Bearer xai-bad-key"},
    )
    assert_flat_error(response, 400, "Incorrect API key provided: xa***ey.")
    expected = recorded.replace("in***ey", "xa***ey")
    assert response.text == expected


def test_bad_key_on_responses_uses_the_responses_wording(emu: Emulator) -> None:
    response = httpx.post(
        f"{emu.base_url}/responses",
        json={"model": "grok-4.3", "input": "hi"},
        headers={"Authorization": "Bearer xai-bad-key"},
    )
    assert_flat_error(response, 400, "Incorrect API key provided.")
    # Recorded (rubyllm 2026-08): the responses endpoint's own code and wording.
    assert response.json() == {
        "code": "invalid-argument",
        "error": "Incorrect API key provided. You can obtain an API key from https://console.x.ai.",
    }


def test_the_bad_key_knob_changes_which_key_is_refused(emu: Emulator) -> None:
    emu.control.configure(bad_key="xai-revoked-0001")
    url = f"{emu.base_url}/models"
    assert httpx.get(url, headers={"Authorization": "Bearer xai-bad-key"}).status_code == 200
    refused = httpx.get(url, headers={"Authorization": "Bearer xai-revoked-0001"})
    assert_flat_error(refused, 400, "xa***01")


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}], ids=str
)
def test_missing_or_malformed_authorization_is_401(emu: Emulator, headers: dict[str, str]) -> None:
    response = httpx.post(f"{emu.base_url}/chat/completions", json=CHAT, headers=headers)
    assert_flat_error(response, 401, "")


@pytest.mark.parametrize(
    ("body", "status", "contains"),
    [
        ({"model": "grok-2", "messages": CHAT["messages"]}, 400, "Model not found: grok-2"),
        ({"messages": CHAT["messages"]}, 422, "missing field `model`"),
        ({"model": "grok-4.3"}, 422, "missing field `messages`"),
        ({"model": "grok-4.3", "messages": "hi"}, 422, "expected a sequence"),
        ({**CHAT, "temperature": "hot"}, 422, "temperature"),
        ({**CHAT, "temperature": 3}, 400, "temperature"),
        ({**CHAT, "stream": "yes"}, 422, "stream"),
        ({**CHAT, "search_parameters": {"mode": "on"}}, 410, "Live search is deprecated"),
        (
            {"model": "grok-4.20-0309-non-reasoning", **{"messages": CHAT["messages"]}}
            | {"reasoning_effort": "high"},
            400,
            "does not support parameter reasoningEffort",
        ),
        ({**CHAT, "reasoning_effort": "extreme"}, 400, "reasoning_effort"),
        ({**CHAT, "service_tier": "gold"}, 400, "service_tier"),
        (
            {"model": "grok-4.3", "messages": [{"role": "user", "content": ""}]},
            400,
            "at least one content element",
        ),
    ],
    ids=[
        "unknown-model",
        "no-model",
        "no-messages",
        "messages-not-list",
        "temperature-type",
        "temperature-range",
        "stream-type",
        "live-search-gone",
        "effort-on-non-reasoning",
        "unknown-effort",
        "unknown-tier",
        "empty-content",
    ],
)
def test_bad_chat_bodies(http: httpx.Client, body: dict, status: int, contains: str) -> None:
    assert_flat_error(http.post("/chat/completions", json=body), status, contains)


def test_invalid_json_is_422(http: httpx.Client) -> None:
    response = http.post(
        "/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_flat_error(response, 422, "JSON")


def test_missing_json_content_type_is_415(http: httpx.Client) -> None:
    response = http.post("/chat/completions", content=b'{"model": "grok-4.3"}')
    assert_flat_error(response, 415, "application/json")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("path", ["/chat/completions", "/responses"])
def test_deprecated_model_is_404_as_recorded_even_for_a_stream(
    http: httpx.Client, path: str, stream: bool
) -> None:
    # Recorded (req_llm grok-beta basic and streaming): plain JSON even with stream: true.
    body = {**CHAT, "model": "grok-beta", "stream": stream, "input": "x"}
    response = http.post(path, json=body)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "code": "Some requested entity was not found",
        "error": "The model grok-beta was deprecated on 2025-09-15 and is no longer accessible "
        "via the API. Please use grok-3 instead.",
    }


def test_stream_request_with_unknown_model_gets_plain_json(http: httpx.Client) -> None:
    body = {**CHAT, "model": "grok-0", "stream": True}
    assert_flat_error(http.post("/chat/completions", json=body), 400, "Model not found")


def test_wrong_method_is_405(http: httpx.Client) -> None:
    assert_flat_error(http.get("/chat/completions"), 405, "GET")
    assert_flat_error(http.delete("/models"), 405, "DELETE")


@pytest.mark.parametrize("path", ["/nope", "/chat/complete", "/../v2/x"], ids=str)
def test_unknown_route_is_404_with_the_service_wording(http: httpx.Client, path: str) -> None:
    assert_flat_error(http.get(path), 404, "No handler found on route")


@pytest.mark.parametrize(
    "path",
    ["/responses/0000", "/files/file_nope", "/batches/batch_nope", "/models/grok-0"],
    ids=str,
)
def test_unknown_ids_are_404(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert_flat_error(response, 404, "")
    assert response.json()["code"] == "Some requested entity was not found"
