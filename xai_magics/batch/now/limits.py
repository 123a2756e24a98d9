"""How fast rows may go: the service's rate-limit headers, paced sends and AIMD concurrency.

The real service reports ``x-ratelimit-limit-requests``/``-tokens`` (per minute) and
``x-ratelimit-remaining-requests``/``-tokens`` on every answer (INDEX fact 9). The governor
spaces sends so that neither limit is exceeded (a margin under ``limit / 60`` per second), holds
every send while the headers say nothing is left, waits out ``retry-after-ms``/``Retry-After``
after a 429, and sizes the number of requests in flight by AIMD: +1 per window of answers, half
on a 429. Before the first answer (no headers yet) it sends a few rows unpaced, to learn them.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: the share of the advertised rate the governor aims at: arrivals jitter, a 429 costs a wait
RATE_MARGIN = 0.95
START_CONCURRENCY = 2.0


@dataclass(frozen=True)
class RateHeaders:
    """The ``x-ratelimit-*`` headers of one answer (None where absent or unreadable)."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None

    @classmethod
    def read(cls, headers: Mapping[str, str]) -> RateHeaders:
        def number(name: str) -> int | None:
            text = headers.get(f"x-ratelimit-{name}")
            try:
                value = int(float(text)) if text is not None else None
            except ValueError:
                return None
            return value if value is not None and value >= 0 else None

        return cls(
            number("limit-requests"),
            number("remaining-requests"),
            number("limit-tokens"),
            number("remaining-tokens"),
        )


class Governor:
    """Decides when the next row may be sent; every sender thread asks it (thread-safe)."""

    def __init__(
        self,
        max_concurrency: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self._clock = clock
        self._cond = threading.Condition()
        self._window = min(START_CONCURRENCY, float(self.max_concurrency))
        self._in_flight = 0
        self._next_at = 0.0  # earliest time of the next send (pacing)
        self._paused_until = 0.0  # a 429's wait, or no requests left
        self.limits = RateHeaders()
        self.rate_limited = 0  # 429s seen
        self.waited_s = 0.0  # total server-directed wait

    # -- the send gate -----------------------------------------------------------------------

    def acquire(self, tokens: int, stop: threading.Event) -> bool:
        """Block until a request of about ``tokens`` tokens may go; False when ``stop`` is set."""
        return self._turn(tokens, stop, holding=False)

    def retry_turn(self, tokens: int, stop: threading.Event) -> bool:
        """For a request that keeps its slot to be sent again (after a 429 or a failure): wait
        out the pause and the pacing. False when ``stop`` is set (the slot is then freed)."""
        if self._turn(tokens, stop, holding=True):
            return True
        self.released()
        return False

    def _turn(self, tokens: int, stop: threading.Event, *, holding: bool) -> bool:
        with self._cond:
            while True:
                if stop.is_set():
                    return False
                now = self._clock()
                wait = max(self._paused_until, self._next_at) - now
                if not holding and self._in_flight >= int(self._window):
                    self._cond.wait(0.05)
                    continue
                if wait > 0:
                    self._cond.wait(min(wait, 0.05))
                    continue
                if not holding:
                    self._in_flight += 1
                spacing = self.spacing(tokens)
                # one slot of catch-up after a late wake-up, never a burst
                self._next_at = max(self._next_at, now - spacing) + spacing
                return True

    def spacing(self, tokens: int) -> float:
        """Seconds between sends that keep both advertised per-minute limits (0: unknown)."""
        limits = self.limits
        gaps = [0.0]
        if limits.limit_requests:
            gaps.append(60.0 / limits.limit_requests)
        if limits.limit_tokens:
            gaps.append(60.0 * max(tokens, 1) / limits.limit_tokens)
        return max(gaps) / RATE_MARGIN

    def resize(self, max_concurrency: int) -> None:
        """A new cap on requests at once (a cell's ``--concurrency``)."""
        with self._cond:
            self.max_concurrency = max(1, max_concurrency)
            self._window = min(self._window, float(self.max_concurrency))

    @property
    def concurrency(self) -> int:
        with self._cond:
            return int(self._window)

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    # -- what came back --------------------------------------------------------------------------

    def answered(self, headers: Mapping[str, str], tokens: int) -> None:
        """A request succeeded (or failed for its own reasons): learn the limits, grow."""
        with self._cond:
            self._in_flight -= 1
            self._learn(RateHeaders.read(headers), tokens)
            self._window = min(self._window + 1.0 / max(self._window, 1.0), self.max_concurrency)
            self._cond.notify_all()

    def released(self) -> None:
        """A request gave up without an answer: free its slot only."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def limited(self, headers: Mapping[str, str], retry_after_s: float | None) -> float:
        """A 429: halve the window, hold every send for the server's wait; returns the wait.
        The request keeps its slot, to be sent again at its ``retry_turn``."""
        with self._cond:
            self.rate_limited += 1
            self._learn(RateHeaders.read(headers), 0)
            self._window = max(self._window / 2.0, 1.0)
            wait = retry_after_s if retry_after_s is not None else self._fallback_wait()
            now = self._clock()
            until = now + wait
            if until > self._paused_until:
                self.waited_s += until - max(self._paused_until, now)
                self._paused_until = until
            self._cond.notify_all()
            return wait

    def _learn(self, seen: RateHeaders, tokens: int) -> None:
        if seen.limit_requests is not None or seen.limit_tokens is not None:
            self.limits = seen
        now = self._clock()
        # nothing left: hold sends for one slot of the advertised rate (the window frees slots
        # as it rolls; the pacing then keeps us under it)
        out_of_requests = seen.remaining_requests == 0
        out_of_tokens = seen.remaining_tokens is not None and seen.remaining_tokens < tokens
        if out_of_requests or out_of_tokens:
            self._paused_until = max(self._paused_until, now + self.spacing(tokens))

    def _fallback_wait(self) -> float:
        """A 429 without a wait header: one second, or one slot if that is longer."""
        return max(1.0, self.spacing(1))


_governors: weakref.WeakKeyDictionary[Any, Governor] = weakref.WeakKeyDictionary()
_governors_lock = threading.Lock()


def governor_for(transport: Any, max_concurrency: int) -> Governor:
    """The one governor of a connection (server and key): a 429's wait and the limits learnt
    outlive a run, so the next cell (after Ctrl-C, say) honours them too, and runs sharing a key
    share its limits."""
    with _governors_lock:
        governor = _governors.get(transport)
        if governor is None:
            governor = _governors[transport] = Governor(max_concurrency)
        governor.resize(max_concurrency)
        return governor
