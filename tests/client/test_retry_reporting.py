"""What a caller learns about retries while and after they happen (reliability R1, R4, R13).

A plain (non-stream) call has no event stream to carry "rate limited, retrying in 2 s", so
``create(on_retry=...)`` must be told before each wait; a wait too long to sleep through must
say when trying again makes sense; a real Ctrl-C during a backoff sleep must end the call.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType

import pytest

from tests.client.emulated import CHAT, HELLO, MODEL, PATHS, arrivals, make_client
from xai_magics.client import Completion, RateLimitError, Retrying, XAIClient
from xai_magics.emulator import Emulator


def plain_call(
    client: XAIClient, endpoint: str, on_retry: Callable[[Retrying], object]
) -> Completion:
    if endpoint == "chat":
        return client.chat.create(model=MODEL, messages=HELLO, on_retry=on_retry)
    return client.responses.create(model=MODEL, input="Say hello", on_retry=on_retry)


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_plain_call_reports_each_retry_before_its_wait(
    emu: Emulator, api_env: dict[str, str], endpoint: str
) -> None:
    path = PATHS[endpoint]
    emu.control.inject("status", path, status=429, retry_after_ms=300)
    told: list[tuple[Retrying, float]] = []
    with make_client(api_env) as client:
        result = plain_call(client, endpoint, lambda notice: told.append((notice, time.time())))
    first, second = arrivals(emu.control.log(), path)
    assert [notice for notice, _ in told] == [
        Retrying(attempt=1, delay_s=0.3, reason="rate limited (HTTP 429)")
    ]
    assert first["time"] <= told[0][1] <= second["time"]
    assert result.retries == 1
    assert result.text


def test_plain_call_without_retries_never_calls_on_retry(
    emu: Emulator, api_env: dict[str, str]
) -> None:
    told: list[Retrying] = []
    with make_client(api_env) as client:
        plain_call(client, "chat", told.append)
    assert told == []


def test_rate_limit_past_the_cap_says_until_when(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("status", CHAT, status=429, retry_after="3600")
    told: list[Retrying] = []
    before = time.time()
    with make_client(api_env) as client, pytest.raises(RateLimitError) as caught:
        plain_call(client, "chat", told.append)
    after = time.time()
    err = caught.value
    assert err.retry_at is not None
    assert before + 3600 <= err.retry_at.timestamp() <= after + 3600
    assert f"until {err.retry_at:%H:%M:%S}" in str(err)
    assert told == []
    assert len(arrivals(emu.control.log(), CHAT)) == 1


@pytest.fixture
def sigint_after() -> Iterator[Callable[[float], None]]:
    """Send this process a real SIGINT after a delay, as Jupyter's interrupt does."""
    timers: list[threading.Timer] = []
    previous = signal.getsignal(signal.SIGINT)

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)

    def arm(delay_s: float) -> None:
        timer = threading.Timer(delay_s, os.kill, (os.getpid(), signal.SIGINT))
        timers.append(timer)
        timer.start()

    yield arm
    for timer in timers:
        timer.cancel()
        timer.join()
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_interrupt_during_a_real_backoff_sleep_ends_the_call(
    emu: Emulator,
    api_env: dict[str, str],
    sigint_after: Callable[[float], None],
    endpoint: str,
) -> None:
    path = PATHS[endpoint]
    emu.control.inject("status", path, status=429, retry_after="30")
    told: list[Retrying] = []
    with make_client(api_env) as client:
        sigint_after(0.5)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            plain_call(client, endpoint, told.append)
        waited = time.monotonic() - started
    # Correctness bound, not speed: without the interrupt the call sleeps the full 30 s.
    assert waited < 10
    assert [notice.delay_s for notice in told] == [30.0]
    time.sleep(0.3)
    assert len(arrivals(emu.control.log(), path)) == 1


def test_interrupt_during_a_stream_backoff_stops_the_stream(
    emu: Emulator, api_env: dict[str, str], sigint_after: Callable[[float], None]
) -> None:
    emu.control.inject("status", CHAT, status=503, retry_after="30")
    with make_client(api_env) as client:
        stream = client.chat.stream(model=MODEL, messages=HELLO)
        sigint_after(0.5)
        events: list[object] = []
        with pytest.raises(KeyboardInterrupt):
            events.extend(stream)
    assert events == [Retrying(attempt=1, delay_s=30.0, reason="service unavailable (HTTP 503)")]
    assert stream.snapshot.status == "stopped"
    time.sleep(0.3)
    assert len(arrivals(emu.control.log(), CHAT)) == 1
