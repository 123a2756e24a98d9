"""The emulator enforces the requests and tokens per minute its x-ratelimit-* headers advertise."""

from __future__ import annotations

import time

import httpx

from xai_magics.emulator import Emulator

CHAT = {"model": "grok-4.3", "messages": [{"role": "user", "content": "x"}]}


def test_advertised_limits_are_only_counted_by_default(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(rate_limit_requests=3)
    statuses = [http.post("/chat/completions", json=CHAT).status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_requests_over_the_limit_are_answered_429_with_when_to_retry(
    emu: Emulator, http: httpx.Client
) -> None:
    emu.control.configure(
        rate_limit_enforced=True, rate_limit_requests=240, rate_limit_window_seconds=1.0
    )
    answers = [http.post("/chat/completions", json=CHAT) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    remaining = [int(a.headers["x-ratelimit-remaining-requests"]) for a in answers]
    assert remaining == [3, 2, 1, 0, 0]
    refused = answers[-1]
    assert refused.headers["x-ratelimit-limit-requests"] == "240"
    wait_ms = int(refused.headers["retry-after-ms"])
    assert 0 < wait_ms <= 1000
    assert refused.json()["code"] == "Some resource has been exhausted"
    time.sleep(wait_ms / 1000 + 0.05)
    assert http.post("/chat/completions", json=CHAT).status_code == 200


def test_tokens_over_the_limit_are_answered_429(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(rate_limit_enforced=True, rate_limit_tokens=1)
    first = http.post("/chat/completions", json=CHAT)
    assert first.status_code == 200
    assert first.headers["x-ratelimit-remaining-tokens"] == "1"
    assert first.json()["usage"]["total_tokens"] >= 1
    second = http.post("/chat/completions", json=CHAT)
    assert second.status_code == 429
    assert second.headers["x-ratelimit-remaining-tokens"] == "0"
    assert float(second.headers["retry-after-ms"]) > 50_000
