"""The governor's arithmetic on a fake clock: pacing under the headers, AIMD, server waits."""

from __future__ import annotations

import itertools
import threading

import pytest

from xai_magics.batch.now.limits import RATE_MARGIN, Governor, RateHeaders


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


HEADERS = {
    "x-ratelimit-limit-requests": "600",
    "x-ratelimit-remaining-requests": "500",
    "x-ratelimit-limit-tokens": "600000",
    "x-ratelimit-remaining-tokens": "500000",
}
GO = threading.Event()


def _send_times(governor: Governor, clock: Clock, n: int, tokens: int = 10) -> list[float]:
    """Acquire ``n`` sends, answering each at once; the fake clock jumps to each send's time."""
    times = []
    for _ in range(n):
        while True:
            wait = max(governor._paused_until, governor._next_at) - clock.now
            if wait <= 0:
                break
            clock.now += wait
        assert governor.acquire(tokens, GO)
        times.append(clock.now)
        governor.answered(HEADERS, tokens)
    return times


def test_headers_are_read_and_bad_values_ignored() -> None:
    seen = RateHeaders.read({**HEADERS, "x-ratelimit-remaining-tokens": "lots"})
    assert seen == RateHeaders(600, 500, 600000, None)
    assert RateHeaders.read({}) == RateHeaders()


def test_sends_are_spaced_under_the_advertised_requests_per_minute() -> None:
    clock = Clock()
    governor = Governor(8, clock=clock)
    times = _send_times(governor, clock, 61)
    # the first send learns the limits; from then on, 60 s / 600 per request, with the margin
    gaps = [b - a for a, b in itertools.pairwise(times[1:])]
    assert min(gaps) == pytest.approx(0.1 / RATE_MARGIN)
    assert times[-1] - times[1] == pytest.approx(59 * 0.1 / RATE_MARGIN)


def test_the_tokens_limit_spaces_large_requests_further() -> None:
    clock = Clock()
    governor = Governor(8, clock=clock)
    times = _send_times(governor, clock, 4, tokens=3000)
    # 3,000 tokens of 600,000 per minute: 0.3 s each, longer than the requests' 0.1 s
    assert times[3] - times[2] == pytest.approx(0.3 / RATE_MARGIN)


def test_a_429_halves_concurrency_and_holds_every_send_for_the_wait() -> None:
    clock = Clock()
    governor = Governor(16, clock=clock)
    for _ in range(40):  # grow: +1 per window of answers
        assert governor.acquire(1, GO)
        governor.answered({}, 1)
    grown = governor.concurrency
    assert grown > 4
    assert governor.acquire(1, GO)
    assert governor.limited({}, 2.5) == 2.5
    assert governor.concurrency == grown // 2
    assert governor._paused_until == pytest.approx(clock.now + 2.5)
    stop = threading.Event()
    stop.set()
    assert not governor.acquire(1, stop)  # a stopped run never waits out the pause


def test_no_requests_left_holds_sends_and_concurrency_never_exceeds_the_cap() -> None:
    clock = Clock()
    governor = Governor(3, clock=clock)
    for _ in range(50):
        assert governor.acquire(1, GO)
        governor.answered({}, 1)
    assert governor.concurrency == 3
    assert governor.acquire(1, GO)
    governor.answered({**HEADERS, "x-ratelimit-remaining-requests": "0"}, 1)
    assert governor._paused_until > clock.now
