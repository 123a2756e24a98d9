"""Every fault kind the emulator can play, and what the client makes of it (reliability R, T, S)."""

from __future__ import annotations

import time

import pytest

from tests.client.emulated import (
    CHAT,
    HELLO,
    MODEL,
    PATHS,
    RESPONSES,
    arrivals,
    fast_timeouts,
    first_text_event,
    gaps,
    hello_stream,
    make_client,
    open_connections_settle,
)
from xai_magics.client import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    IncompleteStreamError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Retrying,
    StreamParseError,
    TextDelta,
    UnprocessableEntityError,
    XAIClient,
)
from xai_magics.emulator import Emulator


def test_429_retry_after_is_waited_then_succeeds(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("status", CHAT, status=429, retry_after="1")
    with make_client(api_env) as client:
        result = client.chat.create(model=MODEL, messages=HELLO)
    calls = arrivals(emu.control.log(), CHAT)
    assert len(calls) == 2
    assert gaps(calls)[0] >= 1.0
    assert result.retries == 1
    assert result.text


def test_retry_after_ms_wins_over_retry_after(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("status", CHAT, status=429, retry_after="5", retry_after_ms=300)
    with make_client(api_env) as client:
        client.chat.create(model=MODEL, messages=HELLO)
    (gap,) = gaps(arrivals(emu.control.log(), CHAT))
    assert 0.3 <= gap < 5.0


def test_retry_after_above_the_cap_fails_at_once(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("status", CHAT, status=429, retry_after="3600")
    with make_client(api_env) as client, pytest.raises(RateLimitError) as caught:
        client.chat.create(model=MODEL, messages=HELLO)
    assert caught.value.retry_after_s == 3600.0
    assert "3600 s" in str(caught.value)
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_503_twice_then_success_yields_retrying_events_in_the_stream(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    emu.control.inject("status", CHAT, status=503, times=2)
    with make_client(api_env) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        events = list(stream)
    notices = [e for e in events if isinstance(e, Retrying)]
    assert [n.attempt for n in notices] == [1, 2]
    assert [n.reason for n in notices] == ["service unavailable (HTTP 503)"] * 2
    assert 0.375 <= notices[0].delay_s <= 0.5
    assert 0.75 <= notices[1].delay_s <= 1.0
    assert stream.snapshot.retries == 2
    assert stream.snapshot.status == "completed"
    assert len(arrivals(emu.control.log(), CHAT)) == 3


def test_5xx_exhaustion_stops_after_three_attempts(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("status", RESPONSES, status=500, times=5)
    with make_client(api_env) as client, pytest.raises(InternalServerError) as caught:
        client.responses.create(model=MODEL, input="x")
    err = caught.value
    calls = arrivals(emu.control.log(), RESPONSES)
    assert len(calls) == 3
    assert all(g >= 0.375 for g in gaps(calls))
    assert err.attempts == 3
    assert err.status_code == 500
    assert err.request_id
    assert err.request_id in str(err)
    assert "3 attempts" in str(err)
    assert open_connections_settle(emu.control) == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableEntityError),
    ],
    ids=str,
)
def test_other_4xx_are_never_retried(
    emu: Emulator, api_env: dict[str, str], status: int, error: type[Exception]
) -> None:
    emu.control.inject("status", CHAT, status=status)
    with make_client(api_env) as client, pytest.raises(error):
        client.chat.create(model=MODEL, messages=HELLO)
    assert len(arrivals(emu.control.log(), CHAT)) == 1


@pytest.mark.parametrize("status", [408, 409], ids=str)
def test_408_and_409_are_retried(emu: Emulator, api_env: dict[str, str], status: int) -> None:
    emu.control.inject("status", CHAT, status=status)
    with make_client(api_env) as client:
        assert client.chat.create(model=MODEL, messages=HELLO).retries == 1


def test_max_retries_zero_makes_one_attempt(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("status", CHAT, status=503, times=3)
    with make_client(api_env, max_retries=0) as client, pytest.raises(InternalServerError):
        client.chat.create(model=MODEL, messages=HELLO)
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_reset_before_the_answer_is_retried(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("reset", CHAT)
    with make_client(api_env) as client:
        result = client.chat.create(model=MODEL, messages=HELLO)
    assert result.retries == 1
    assert len(arrivals(emu.control.log(), CHAT)) == 2


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_reset_mid_stream_keeps_the_partial_and_is_not_replayed(
    emu: Emulator, api_env: dict[str, str], endpoint: str
) -> None:
    path = PATHS[endpoint]
    start = first_text_event(emu, endpoint)
    emu.control.inject("reset_mid_stream", path, after_events=start + 8)
    seen: list[str] = []
    with make_client(api_env) as client:
        stream = hello_stream(client, endpoint)
        with pytest.raises(IncompleteStreamError) as caught:
            seen.extend(e.text for e in stream if isinstance(e, TextDelta))
    partial = caught.value.partial
    assert seen
    assert partial.text == "".join(seen)
    assert partial.status == "incomplete"
    assert partial.error is caught.value
    assert stream.snapshot.text == partial.text
    assert "connection reset" in str(caught.value)
    assert len(arrivals(emu.control.log(), path)) == 1


def test_stall_mid_stream_times_out_with_the_partial_kept(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    start = first_text_event(emu, "chat")
    emu.control.inject("stall_mid_stream", CHAT, after_events=start + 3, seconds=3)
    seen: list[str] = []
    with make_client(api_env, timeouts=fast_timeouts(read=0.5)) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        with pytest.raises(APITimeoutError) as caught:
            seen.extend(e.text for e in stream if isinstance(e, TextDelta))
    err = caught.value
    assert err.phase == "read"
    assert "stream stalled (no data for 0.5 s)" in str(err)
    assert err.partial is not None
    assert err.partial.text == "".join(seen)
    assert len(seen) == 3
    assert stream.snapshot.status == "incomplete"
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_slow_trickle_within_the_read_timeout_completes(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    emu.control.configure(tokens_per_second=40)
    with make_client(api_env, timeouts=fast_timeouts(read=0.5)) as client:
        result = client.chat.stream(model=MODEL, messages=HELLO).until_done()
    assert result.status == "completed"
    assert result.elapsed_s is not None
    assert result.elapsed_s > 0.5


def test_headers_stalled_past_read_timeout_are_retried_then_reported(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    emu.control.inject("stall", CHAT, seconds=1.5, times=2)
    client = make_client(api_env, timeouts=fast_timeouts(read=0.4), max_retries=1)
    with client, pytest.raises(APITimeoutError) as caught:
        client.chat.create(model=MODEL, messages=HELLO)
    assert caught.value.phase == "read"
    assert caught.value.attempts == 2
    assert "read timeout of 0.4 s" in str(caught.value)
    assert len(arrivals(emu.control.log(), CHAT)) == 2


def test_total_deadline_bounds_a_slow_answer(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.configure(tokens_per_second=20)
    with make_client(api_env, timeouts=fast_timeouts(read=10, total=0.8)) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        with pytest.raises(APITimeoutError) as caught:
            stream.until_done()
    assert caught.value.phase == "total"
    assert "total timeout of 0.8 s" in str(caught.value)
    assert caught.value.partial is not None
    assert caught.value.partial.text
    assert len(arrivals(emu.control.log(), CHAT)) == 1


@pytest.mark.parametrize(
    ("kind", "params"),
    [("trickle_body", {"chunk_bytes": 16, "interval": 0.1}), ("stall", {"seconds": 3})],
    ids=["body-trickled", "headers-stalled"],
)
def test_total_deadline_bounds_a_plain_call(
    emu: Emulator, api_env: dict[str, str], kind: str, params: dict[str, float]
) -> None:
    emu.control.inject(kind, CHAT, **params)
    with make_client(api_env, timeouts=fast_timeouts(read=10, total=0.8)) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            client.chat.create(model=MODEL, messages=HELLO)
        waited = time.monotonic() - started
    assert caught.value.phase == "total"
    assert "total timeout of 0.8 s" in str(caught.value)
    # Correctness bound, not speed: unbounded, the answer would take several seconds.
    assert waited < 2.5
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_total_deadline_also_ends_a_stall_that_outlasts_it(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    emu.control.inject("stall_mid_stream", CHAT, after_events=2, seconds=3)
    with make_client(api_env, timeouts=fast_timeouts(read=10, total=0.8)) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        with pytest.raises(APITimeoutError) as caught:
            stream.until_done()
    assert caught.value.phase == "total"
    assert stream.snapshot.status == "incomplete"


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_clean_eof_without_terminal_event_is_incomplete(
    emu: Emulator, api_env: dict[str, str], endpoint: str
) -> None:
    path = PATHS[endpoint]
    emu.control.inject("eof_mid_stream", path, after_events=6)
    with make_client(api_env) as client:
        stream = hello_stream(client, endpoint)
        with pytest.raises(IncompleteStreamError, match="ended before its final event"):
            stream.until_done()
    assert stream.snapshot.status == "incomplete"


def test_invalid_json_event_names_its_index(emu: Emulator, api_env: dict[str, str]) -> None:
    index = first_text_event(emu, "chat") + 4
    emu.control.inject("corrupt_event", CHAT, after_events=index)
    with make_client(api_env) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        with pytest.raises(StreamParseError) as caught:
            stream.until_done()
    assert caught.value.event_index == index
    assert f"stream event {index}" in str(caught.value)
    assert caught.value.partial is not None
    assert caught.value.partial.text
    assert stream.snapshot.status == "error"


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_error_event_mid_stream_keeps_the_partial(
    emu: Emulator, api_env: dict[str, str], endpoint: str
) -> None:
    path = PATHS[endpoint]
    start = first_text_event(emu, endpoint)
    emu.control.inject("error_event", path, after_events=start + 5, message="overloaded, try later")
    with make_client(api_env) as client:
        stream = hello_stream(client, endpoint)
        with pytest.raises(IncompleteStreamError, match="overloaded, try later") as caught:
            stream.until_done()
    assert caught.value.partial.text
    assert caught.value.partial.status == "error"
    assert len(arrivals(emu.control.log(), path)) == 1


def test_closing_mid_stream_stops_and_frees_the_connection(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    emu.control.configure(tokens_per_second=50)
    with make_client(api_env) as client:
        with client.chat.stream(model=MODEL, messages=HELLO) as stream:
            for event in stream:
                if isinstance(event, TextDelta):
                    break
        assert stream.snapshot.status == "stopped"
        assert stream.snapshot.text
        emu.control.configure(tokens_per_second=0)
        assert client.chat.create(model=MODEL, messages=HELLO).status == "completed"
        client.chat.create(model=MODEL, messages=HELLO)
        # The stopped stream's connection cannot be reused; the two calls after it share one.
        assert emu.control.connections_opened() == 2
    assert open_connections_settle(emu.control) == 0


def test_keyboard_interrupt_mid_stream_closes_and_keeps_text(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    emu.control.configure(tokens_per_second=50)
    with make_client(api_env) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)

        def interrupted_by_user() -> None:
            with stream:
                for event in stream:
                    if isinstance(event, TextDelta):
                        raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            interrupted_by_user()
    assert stream.snapshot.status == "stopped"
    assert stream.snapshot.text
    assert open_connections_settle(emu.control) == 0


def test_rejected_key_is_authentication_error_without_the_key(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    with XAIClient(api_key="xai-bad-key") as client, pytest.raises(AuthenticationError) as caught:
        client.chat.create(model=MODEL, messages=HELLO)
    text = str(caught.value)
    assert text.startswith("XAI_API_KEY was rejected by 127.0.0.1:")
    assert "HTTP 400" in text
    for fragment in ("xai-bad-key", "bad-key", "xa***ey", "***"):
        assert fragment not in text
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_missing_key_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match=r"XAI_API_KEY is not set.*%env XAI_API_KEY="):
        XAIClient()


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_error_event_before_any_output_is_retried_once(
    emu: Emulator, api_env: dict[str, str], endpoint: str
) -> None:
    path = PATHS[endpoint]
    emu.control.inject("error_event", path, after_events=0, message="warming up")
    with make_client(api_env) as client:
        stream = hello_stream(client, endpoint)
        events = list(stream)
    notices = [e for e in events if isinstance(e, Retrying)]
    assert [(n.attempt, n.reason) for n in notices] == [(1, "error event before output")]
    assert stream.snapshot.status == "completed"
    assert stream.snapshot.retries == 1
    assert stream.snapshot.text
    assert len(arrivals(emu.control.log(), path)) == 2


def test_error_event_before_output_twice_is_raised(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("error_event", CHAT, after_events=0, times=2, message="still down")
    with make_client(api_env) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        with pytest.raises(IncompleteStreamError, match="still down"):
            stream.until_done()
    assert stream.snapshot.status == "error"
    assert len(arrivals(emu.control.log(), CHAT)) == 2
