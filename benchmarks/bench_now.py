"""``--now`` against a per-minute request limit, and a naive ``asyncio.gather`` loop as baseline.

The emulator (its own process) enforces 1,200 requests per minute, counted over rolling 3 s
windows (60 per window), answers each request after 100 ms, and answers requests over the
limit 429 with ``retry-after-ms``. Each contender sends the same number of rows; the figures
are the rate reached (answered requests per second from the first arrival at the emulator to the
last), the rows per second of the whole call (with its planning, job store and join), both
against the allowed 20 per second, and the share of requests answered 429. Targets (issue 15):
``--now`` reaches at least 90% of the allowed rate with at most 1% of its requests answered
429. The baseline fires every request at once with ``asyncio.gather`` and retries each 429
after the wait the server named, as a quick script would.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from typing import Any

from benchmarks.bench_client_concurrency import start_emulator

ROWS = 300
REQUESTS_PER_MINUTE = 1200
WINDOW_S = 3.0
LATENCY_MS = 100
KEY = "xai-benchmark-key"
MIN_RATE_SHARE = 0.90
MAX_429_SHARE = 0.01


def _limit(control: Any) -> None:
    control.reset()
    control.configure(
        rate_limit_enforced=True,
        rate_limit_requests=REQUESTS_PER_MINUTE,
        rate_limit_window_seconds=WINDOW_S,
        ttft_ms=LATENCY_MS,
    )


def _traffic(control: Any) -> tuple[Counter[int], float]:
    """Statuses of the requests, and the rate of answered ones from first to last arrival."""
    log = [e for e in control.log() if e["path"].startswith("/v1/")]
    statuses = Counter(e["status"] for e in log)
    answered = sorted(e["time"] for e in log if e["status"] == 200)
    return statuses, (len(answered) - 1) / (answered[-1] - answered[0])


def run_now(base_url: str) -> float:
    import pandas as pd

    from xai_magics.batch.now import submit_now
    from xai_magics.client import XAIClient

    frame = pd.DataFrame({"review": [f"review number {i}" for i in range(ROWS)]})
    with tempfile.TemporaryDirectory() as store, XAIClient(KEY, base_url) as client:
        started = time.perf_counter()
        out = submit_now(frame, "Sentiment of: {review}", client=client, data_dir=store)
        wall = time.perf_counter() - started
    assert (out["answer_status"] == "ok").all()
    return wall


def run_naive(base_url: str) -> float:
    import httpx

    async def main() -> None:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:

            async def one(i: int) -> None:
                body = {"model": "grok-4.3", "input": f"Sentiment of: review number {i}"}
                while True:
                    response = await http.post("/responses", json=body)
                    if response.status_code != 429:
                        response.raise_for_status()
                        return
                    wait_ms = float(response.headers.get("retry-after-ms", "1000"))
                    await asyncio.sleep(wait_ms / 1000)

            await asyncio.gather(*(one(i) for i in range(ROWS)))

    started = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - started


def main() -> None:
    from xai_magics.emulator import EmulatorControl

    proc, base_url = start_emulator()
    allowed = REQUESTS_PER_MINUTE / 60
    try:
        control = EmulatorControl(base_url)
        print(
            f"{ROWS} rows, limit {REQUESTS_PER_MINUTE:,}/min ({allowed:.0f}/s) over "
            f"{WINDOW_S:g} s windows, {LATENCY_MS} ms per answer"
        )
        print(
            f"{'':<14}{'rate/s':>8}{'of allowed':>12}{'wall s':>8}{'rows/s':>8}{'of allowed':>12}"
            f"{'requests':>10}{'429s':>7}"
        )
        shares = {}
        for name, contender in (("naive gather", run_naive), ("--now", run_now)):
            _limit(control)
            wall = contender(base_url)
            statuses, rate = _traffic(control)
            sent = sum(statuses.values())
            shares[name] = (rate / allowed, statuses[429] / sent)
            print(
                f"{name:<14}{rate:8.1f}{rate / allowed:12.0%}{wall:8.1f}{ROWS / wall:8.1f}"
                f"{ROWS / wall / allowed:12.0%}{sent:>10}{statuses[429] / sent:7.1%}"
            )
        rate_share, limited_share = shares["--now"]
        verdict = rate_share >= MIN_RATE_SHARE and limited_share <= MAX_429_SHARE
        print(
            f"--now target: >= {MIN_RATE_SHARE:.0%} of the allowed rate, <= {MAX_429_SHARE:.0%} "
            f"429s: {'met' if verdict else 'NOT MET'}"
        )
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
