"""The retry policy as tables: which statuses retry, backoff delays, Retry-After parsing."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from xai_magics.client.retry import RetryPolicy, parse_retry_after, retryable_status, status_reason

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (410, False),
        (422, False),
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
    ],
    ids=str,
)
def test_only_timeouts_conflicts_rate_limits_and_5xx_retry(status: int, expected: bool) -> None:
    assert retryable_status(status) is expected


@pytest.mark.parametrize(
    ("retries_done", "low", "high"),
    [(0, 0.375, 0.5), (1, 0.75, 1.0), (2, 1.5, 2.0), (3, 3.0, 4.0), (4, 6.0, 8.0), (9, 6.0, 8.0)],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999999], ids=["j0", "j.5", "j1"])
def test_backoff_doubles_from_half_a_second_caps_at_8s_with_jitter(
    retries_done: int, low: float, high: float, jitter: float
) -> None:
    delay = RetryPolicy().backoff(retries_done, jitter)
    assert low < delay <= high


def test_backoff_without_jitter_is_the_top_of_the_range() -> None:
    assert RetryPolicy().backoff(1, 0.0) == 1.0


def _date_in(seconds: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + seconds, tz=timezone.utc), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "300"}, 0.3),
        ({"retry-after-ms": "300", "retry-after": "5"}, 0.3),
        ({"retry-after-ms": "soon", "retry-after": "5"}, 5.0),
        ({"retry-after": _date_in(2)}, 2.0),
        ({"retry-after": "3600"}, 3600.0),
        ({}, None),
    ],
    ids=["seconds", "fraction", "ms", "ms-wins", "bad-ms-falls-back", "http-date", "hour", "none"],
)
def test_retry_after_values_are_read(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, NOW) == expected


@pytest.mark.parametrize(
    "value",
    [
        "soon",
        "-5",
        "0",
        "inf",
        "nan",
        "-inf",
        "1" * 35,
        "Fri, 01 Jan 100000 00:00:00 GMT",
        "",
        "Mon, 01 Jan 2001 00:00:00 GMT",
        "Mon, 32 Foo 2026 99:99:99",
    ],
    ids=[
        "word",
        "negative",
        "zero",
        "inf",
        "nan",
        "-inf",
        "35-digits",
        "year-100000",
        "empty",
        "past-date",
        "broken-date",
    ],
)
def test_garbage_retry_after_is_ignored(value: str) -> None:
    assert parse_retry_after({"retry-after": value}, NOW) is None


@pytest.mark.parametrize(
    ("server_wait", "expected"),
    [(2.0, 2.0), (60.0, 60.0), (None, 0.5)],
    ids=["server-2s", "server-at-cap", "no-header-backoff"],
)
def test_delay_prefers_the_server_wait_within_the_cap(
    server_wait: float | None, expected: float
) -> None:
    assert RetryPolicy().delay(0, server_wait, jitter=0.0) == expected


@pytest.mark.parametrize(
    ("server_wait", "expected"),
    [(60.0, False), (60.5, True), (3600.0, True), (None, False)],
    ids=["at-cap", "over", "hour", "none"],
)
def test_server_waits_above_60s_fail_fast(server_wait: float | None, expected: bool) -> None:
    assert RetryPolicy().too_long(server_wait) is expected


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (429, "rate limited (HTTP 429)"),
        (503, "service unavailable (HTTP 503)"),
        (408, "request timeout (HTTP 408)"),
        (599, "server error (HTTP 599)"),
    ],
    ids=str,
)
def test_a_retried_status_is_named_in_words(status: int, words: str) -> None:
    assert status_reason(status) == words
