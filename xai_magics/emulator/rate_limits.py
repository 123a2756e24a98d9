"""Per-key request and token limits of the inference routes, as ``x-ratelimit-*`` headers say.

The service limits requests and tokens per minute per team and model, and reports the limits and
what is left in ``x-ratelimit-limit-requests``, ``-remaining-requests``, ``-limit-tokens`` and
``-remaining-tokens`` (recorded, INDEX fact 9). Here the minute is a rolling window of
``rate_limit_window_seconds`` holding ``limit * window / 60`` requests (tokens), as services
quantise per-minute limits over shorter windows; with ``rate_limit_enforced`` a request over
either allowance is answered 429 with ``retry-after-ms`` (and ``Retry-After``) saying when the
window frees a slot. Otherwise the headers are only advertised, with honest remaining counts.
Tokens are counted when an answer is generated (prompt plus output), as billing counts them.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from xai_magics.emulator.knobs import Knobs


@dataclass(frozen=True)
class Admission:
    """One request's verdict: admitted or not, what is left, and when to come back."""

    admitted: bool
    remaining_requests: int
    remaining_tokens: int
    retry_after_s: float = 0.0


@dataclass
class _Window:
    calls: deque[float] = field(default_factory=deque)
    tokens: deque[tuple[float, int]] = field(default_factory=deque)
    token_sum: int = 0

    def expire(self, now: float, seconds: float) -> None:
        while self.calls and now - self.calls[0] >= seconds:
            self.calls.popleft()
        while self.tokens and now - self.tokens[0][0] >= seconds:
            self.token_sum -= self.tokens.popleft()[1]


class RateLimits:
    """The rolling windows of every key; owned by the emulator's IOLoop thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[str, _Window] = {}
        self._clock = clock

    def clear(self) -> None:
        self._windows.clear()

    def admit(self, key_sha: str, knobs: Knobs) -> Admission:
        """Count a request arriving now, unless the limits are enforced and it is over them."""
        now = self._clock()
        seconds = max(knobs.rate_limit_window_seconds, 0.001)
        window = self._windows.setdefault(key_sha, _Window())
        window.expire(now, seconds)
        allowed_requests = allowance(knobs.rate_limit_requests, seconds)
        allowed_tokens = allowance(knobs.rate_limit_tokens, seconds)
        over_requests = len(window.calls) >= allowed_requests
        over_tokens = window.token_sum >= allowed_tokens
        if knobs.rate_limit_enforced and (over_requests or over_tokens):
            waits = []
            if over_requests and window.calls:
                waits.append(window.calls[0] + seconds - now)
            if over_tokens and window.tokens:
                waits.append(_token_wait(window, allowed_tokens, seconds, now))
            retry = max(min(waits) if waits else seconds, 0.001)
            return Admission(
                False,
                max(allowed_requests - len(window.calls), 0),
                max(allowed_tokens - window.token_sum, 0),
                retry,
            )
        window.calls.append(now)
        return Admission(
            True,
            max(allowed_requests - len(window.calls), 0),
            max(allowed_tokens - window.token_sum, 0),
        )

    def spend_tokens(self, key_sha: str, tokens: int) -> None:
        """Count an answer's tokens (prompt and output) against its key's window."""
        window = self._windows.setdefault(key_sha, _Window())
        window.tokens.append((self._clock(), tokens))
        window.token_sum += tokens


def allowance(per_minute: int, window_seconds: float) -> int:
    """How many of a per-minute limit fit in one window (at least one)."""
    return max(math.floor(per_minute * window_seconds / 60.0), 1)


def _token_wait(window: _Window, allowed: int, seconds: float, now: float) -> float:
    """Seconds until enough of the window's tokens expire to bring it under ``allowed``."""
    left = window.token_sum
    for at, tokens in window.tokens:
        left -= tokens
        if left < allowed:
            return at + seconds - now
    return seconds
