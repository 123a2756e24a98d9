"""When to try a request again, and how long to wait first. Pure: no I/O, no clock of its own.

The policy follows the two Stainless SDKs (openai, anthropic): retry connection failures and
408/409/429/5xx, never other 4xx; back off 0.5 s·2^n capped at 8 s with jitter in (0.75, 1];
honour ``retry-after-ms`` before ``Retry-After`` (seconds or an HTTP date). A server wait above
``max_server_wait_s`` is not slept through silently: the caller fails fast and reports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus

__all__ = ["RetryPolicy", "Retrying", "parse_retry_after", "retryable_status", "status_reason"]

# Above this a header value is taken as garbage rather than a real request to wait.
_IMPLAUSIBLE_WAIT_S = 86_400.0


@dataclass(frozen=True)
class Retrying:
    """Stream event: attempt ``attempt`` failed with ``reason``; the next starts in ``delay_s``."""

    attempt: int
    delay_s: float
    reason: str


def retryable_status(status_code: int) -> bool:
    """408, 409, 429 and every 5xx are worth another attempt; other statuses are final."""
    return status_code in (408, 409, 429) or status_code >= 500


def status_reason(status_code: int) -> str:
    """Words for a retried status, as a "retrying in 2 s" line shows them."""
    if status_code == 429:
        return "rate limited (HTTP 429)"
    try:
        phrase = HTTPStatus(status_code).phrase.lower()
    except ValueError:
        phrase = "server error" if status_code >= 500 else "refused"
    return f"{phrase} (HTTP {status_code})"


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks us to wait, or ``None`` when absent or unusable.

    ``now`` is the wall-clock time (``time.time()``) used for HTTP-date values. Zero, negative,
    non-finite and absurdly large values are ignored so that normal backoff applies.
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        seconds = _number(ms)
        if seconds is not None:
            return _plausible(seconds / 1000.0)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is None:
        seconds = _http_date_delay(value, now)
    return None if seconds is None else _plausible(seconds)


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _http_date_delay(text: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp() - now


def _plausible(seconds: float) -> float | None:
    if not math.isfinite(seconds) or seconds <= 0 or seconds > _IMPLAUSIBLE_WAIT_S:
        return None
    return seconds


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries and how long between them."""

    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_server_wait_s: float = 60.0

    def backoff(self, retries_done: int, jitter: float) -> float:
        """Exponential delay before retry ``retries_done + 1``; ``jitter`` is uniform in [0, 1)."""
        delay = min(self.base_delay_s * 2.0**retries_done, self.max_delay_s)
        return delay * (1.0 - 0.25 * jitter)

    def delay(self, retries_done: int, server_wait_s: float | None, jitter: float) -> float:
        """The server's wait when it gave a usable one (within the cap), else the backoff."""
        if server_wait_s is not None and server_wait_s <= self.max_server_wait_s:
            return server_wait_s
        return self.backoff(retries_done, jitter)

    def too_long(self, server_wait_s: float | None) -> bool:
        """True when the server asks for more than we will wait: fail now and say so."""
        return server_wait_s is not None and server_wait_s > self.max_server_wait_s
