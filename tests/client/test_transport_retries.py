"""The transport's retry loop with an injected sleeper: interruption and the total deadline."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.client.emulated import CHAT, arrivals, fast_timeouts
from xai_magics.client import APIStatusError, APITimeoutError, InternalServerError, RateLimitError
from xai_magics.client._transport import Transport
from xai_magics.client.config import ClientConfig, Timeouts
from xai_magics.emulator import Emulator


@pytest.fixture
def transports() -> Iterator[list[Transport]]:
    made: list[Transport] = []
    yield made
    for t in made:
        t.close()


def transport(
    made: list[Transport],
    sleeps: list[float],
    *,
    interrupt: bool = False,
    timeouts: Timeouts | None = None,
    max_retries: int = 2,
) -> Transport:
    """A transport reading the env like a client does, whose sleeps are only recorded."""

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if interrupt:
            raise KeyboardInterrupt

    config = ClientConfig.resolve(None, None, timeouts or fast_timeouts(), max_retries)
    made.append(Transport(config, sleep=sleep, jitter=lambda: 0.0))
    return made[-1]


def test_interrupt_during_backoff_makes_no_further_attempt(
    emu: Emulator, api_env: dict[str, str], transports: list[Transport]
) -> None:
    emu.control.inject("status", CHAT, status=503, times=3)
    sleeps: list[float] = []
    with pytest.raises(KeyboardInterrupt):
        transport(transports, sleeps, interrupt=True).request("POST", "/chat/completions", json={})
    assert sleeps == [0.5]
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_backoff_delays_double_without_real_sleeping(
    emu: Emulator, api_env: dict[str, str], transports: list[Transport]
) -> None:
    emu.control.inject("status", CHAT, status=500, times=5)
    sleeps: list[float] = []
    with pytest.raises(InternalServerError):
        transport(transports, sleeps, max_retries=4).request("POST", "/chat/completions", json={})
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    assert len(arrivals(emu.control.log(), CHAT)) == 5


def test_a_wait_past_the_total_deadline_is_not_attempted(
    emu: Emulator, api_env: dict[str, str], transports: list[Transport]
) -> None:
    emu.control.inject("status", CHAT, status=429, retry_after="5")
    sleeps: list[float] = []
    t = transport(transports, sleeps, timeouts=fast_timeouts(total=2.0))
    with pytest.raises(RateLimitError) as caught:
        t.request("POST", "/chat/completions", json={})
    assert sleeps == []
    assert caught.value.retry_after_s == 5.0
    assert len(arrivals(emu.control.log(), CHAT)) == 1


def test_server_retry_after_is_what_the_sleeper_is_asked_for(
    emu: Emulator, api_env: dict[str, str], transports: list[Transport]
) -> None:
    emu.control.inject("status", CHAT, status=429, retry_after_ms=1500)
    sleeps: list[float] = []
    response = transport(transports, sleeps).request(
        "POST",
        "/chat/completions",
        json={"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert sleeps == [1.5]
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"]


def test_stream_is_retried_before_headers_and_closed_on_exit(
    emu: Emulator, api_env: dict[str, str], transports: list[Transport]
) -> None:
    emu.control.inject("status", CHAT, status=503)
    sleeps: list[float] = []
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with transport(transports, sleeps).stream("POST", "/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_raw())
    assert first.startswith(b"data: {")
    assert response.is_closed
    assert sleeps == [0.5]
    assert len(arrivals(emu.control.log(), CHAT)) == 2


@pytest.mark.parametrize(
    ("status", "should_retry", "arrived"),
    [(400, "true", 2), (503, "false", 1), (409, "false", 1)],
    ids=["400-told-to-retry", "503-told-not-to", "409-told-not-to"],
)
def test_the_server_x_should_retry_header_overrides_the_status(
    emu: Emulator,
    api_env: dict[str, str],
    transports: list[Transport],
    status: int,
    should_retry: str,
    arrived: int,
) -> None:
    emu.control.inject("status", CHAT, status=status, headers={"x-should-retry": should_retry})
    t = transport(transports, [])
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}
    if arrived == 2:
        assert t.request("POST", "/chat/completions", json=body).status_code == 200
    else:
        with pytest.raises(APIStatusError) as caught:
            t.request("POST", "/chat/completions", json=body)
        assert caught.value.status_code == status
    assert len(arrivals(emu.control.log(), CHAT)) == arrived


def test_ws_url_and_auth_header(api_env: dict[str, str], transports: list[Transport]) -> None:
    t = transport(transports, [])
    assert t.ws_url("/tts", {"voice": "eve"}) == (
        api_env["XAI_BASE_URL"].replace("http://", "ws://") + "/tts?voice=eve"
    )
    assert t.auth_header() == {"Authorization": f"Bearer {api_env['XAI_API_KEY']}"}


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A port whose accept queue is full, so a new connect hangs until it times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.settimeout(0.2)
            fillers.append(filler)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            pytest.skip("this system accepts connects past a full backlog; no hanging connect")
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_a_connect_that_hangs_is_a_connect_timeout(
    unaccepting_port: int, transports: list[Transport]
) -> None:
    config = ClientConfig.resolve(
        "xai-connect-timeout-test",
        f"http://127.0.0.1:{unaccepting_port}/v1",
        fast_timeouts(connect=0.2, total=10),
        0,
    )
    transports.append(Transport(config))
    with pytest.raises(APITimeoutError) as caught:
        transports[-1].request("GET", "/models")
    assert caught.value.phase == "connect"
    assert "connect timeout of 0.2 s" in str(caught.value)
