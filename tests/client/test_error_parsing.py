"""Error bodies in both shapes become the right exception, with a message that says what to do."""

from __future__ import annotations

import json

import httpx
import pytest

from xai_magics.client import XAIClient
from xai_magics.client import errors as E
from xai_magics.client.errors import parse_error_body, status_error

URL = "https://api.x.ai/v1/chat/completions"
BAD_KEY_BODY = json.dumps(
    {
        "code": "Client specified an invalid argument",
        "error": "Incorrect API key provided: xa***ey. You can obtain an API key from https://console.x.ai.",
    }
).encode()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"code":"Client specified an invalid argument","error":"Model not found: grok-2"}',
            ("Client specified an invalid argument", "Model not found: grok-2"),
        ),
        (b'{"error":{"message":"bad","type":"invalid_request_error","code":"x"}}', ("x", "bad")),
        (
            b'{"error":{"message":"bad","type":"invalid_request_error"}}',
            ("invalid_request_error", "bad"),
        ),
        (b"upstream connect error", (None, "upstream connect error")),
        (b"", (None, None)),
        (b"[1,2]", (None, None)),
    ],
    ids=["xai-flat", "openai-nested", "openai-type-only", "plain-text", "empty", "json-list"],
)
def test_both_error_shapes_parse(body: bytes, expected: tuple[str | None, str | None]) -> None:
    assert parse_error_body(body) == expected


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, E.BadRequestError),
        (401, E.AuthenticationError),
        (403, E.PermissionDeniedError),
        (404, E.NotFoundError),
        (422, E.UnprocessableEntityError),
        (429, E.RateLimitError),
        (500, E.InternalServerError),
        (503, E.InternalServerError),
        (410, E.APIStatusError),
    ],
    ids=str,
)
def test_each_status_maps_to_its_exception(status: int, cls: type[E.APIStatusError]) -> None:
    err = status_error(
        status, b'{"code":"c","error":"went wrong"}', url=URL, request_id="00-abc-01", attempts=3
    )
    assert type(err) is cls
    assert err.status_code == status
    assert err.request_id == "00-abc-01"
    assert err.attempts == 3
    assert "00-abc-01" in str(err)
    assert "3 attempts" in str(err)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, BAD_KEY_BODY),
        (
            400,
            b'{"code":"invalid-argument","error":"Incorrect API key provided."}',
        ),
        (401, b'{"code":"unauthenticated","error":"no key xai-abcdefghijklmnopqrstuvwxyz"}'),
    ],
    ids=["chat-400", "responses-400", "401"],
)
def test_rejected_key_names_the_variable_and_echoes_no_key_fragment(
    status: int, body: bytes
) -> None:
    err = status_error(status, body, url=URL, request_id=None, attempts=1)
    assert isinstance(err, E.AuthenticationError)
    text = str(err)
    # what happened, then what to do, then the facts
    assert text.startswith("XAI_API_KEY was rejected by api.x.ai. Set a valid key: ")
    assert text.endswith(f"(HTTP {status}, 1 attempt)")
    assert "%env XAI_API_KEY=" in text
    for fragment in ("xa***ey", "***", "abcdefghij"):
        assert fragment not in text
        assert fragment not in repr(err)
        assert fragment not in (err.message or "")


def test_other_400s_keep_the_server_message() -> None:
    err = status_error(
        400, b'{"code":"c","error":"Model not found: grok-9"}', url=URL, request_id=None, attempts=1
    )
    assert isinstance(err, E.BadRequestError)
    assert "Model not found: grok-9" in str(err)


def test_rate_limit_error_carries_the_server_wait() -> None:
    err = status_error(
        429,
        b'{"code":"c","error":"slow down"}',
        url=URL,
        request_id=None,
        attempts=1,
        retry_after_s=3600.0,
    )
    assert isinstance(err, E.RateLimitError)
    assert err.retry_after_s == 3600.0
    assert "3600 s" in str(err)


def test_key_shaped_text_in_a_server_message_is_redacted() -> None:
    key = "xai-" + "Q" * 40
    err = status_error(
        500,
        json.dumps({"code": "c", "error": f"boom {key}"}).encode(),
        url=URL,
        request_id=None,
        attempts=1,
    )
    assert key not in str(err)
    assert "[redacted]" in str(err)


def test_missing_key_message_says_how_to_set_it() -> None:
    text = str(E.MissingAPIKeyError())
    assert text.startswith("XAI_API_KEY is not set")
    assert "%env XAI_API_KEY=" in text
    assert "export XAI_API_KEY=" in text


def test_exported_names_match_the_documented_tree() -> None:
    doc = E.__doc__ or ""
    classes = {n for n in E.__all__ if n[0].isupper()}
    assert classes == {n for n in classes if n in doc}
    assert all(issubclass(getattr(E, n), E.XAIError) for n in classes)


@pytest.mark.parametrize(
    "body",
    [b"<html>502 Bad Gateway</html>", b"[1, 2]", b'{"choices": "nope"}'],
    ids=["html", "json-list", "wrong-shape"],
)
def test_a_200_that_is_not_the_api_is_a_clear_error(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    client = XAIClient(
        api_key="xai-not-the-api-test",
        base_url="https://proxy.example/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with client, pytest.raises(E.XAIError) as caught:
        client.chat.create(model="m", messages=[])
    assert str(caught.value).startswith("the answer to POST /chat/completions was not")
    assert "XAI_BASE_URL" in str(caught.value)
