"""Many plain requests at once through ``XAIClient.map`` (threads over one connection pool).

The emulator (its own process) answers each request after 200 ms. The ideal wall time is
ceil(N / C) × 0.2 s; the figures are wall time against that ideal, client CPU per request,
how many connections the client opened in a round (connection churn: about C when
keep-alive works, up to N when it does not), and how many stay open after it
(research/perf-limits.md §5: wall ≤ 1.25× ideal, ≤ 0.5 ms CPU per request is the aim; the
httpx pool is capped at 32 connections because its cost grows quadratically past that).
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import time

REQUESTS = 192
LATENCY_S = 0.2
CONCURRENCY = (8, 16, 32)
ROUNDS = 3


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "xai_magics.emulator", "--ttft-ms", str(LATENCY_S * 1000)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.rsplit(" ", 1)[-1].strip()


def main() -> None:
    from xai_magics.client import XAIClient
    from xai_magics.emulator import EmulatorControl

    proc, base_url = start_emulator()
    try:
        control = EmulatorControl(base_url)
        print(f"{REQUESTS} chat requests, {LATENCY_S * 1000:.0f} ms each; median of {ROUNDS}")
        print(
            f"{'C':>4}{'wall s':>9}{'ideal s':>9}{'× ideal':>9}{'CPU ms/req':>12}"
            f"{'opened':>8}{'open':>6}"
        )
        for concurrency in CONCURRENCY:
            walls, cpus = [], []
            for _ in range(ROUNDS):
                with XAIClient(api_key="xai-benchmark-key", base_url=base_url) as client:

                    def ask(i: int, client: XAIClient = client) -> str:
                        messages = [{"role": "user", "content": f"q{i}"}]
                        return client.chat.create(model="grok-4.3", messages=messages).text

                    control.reset()
                    cpu, wall = time.process_time(), time.perf_counter()
                    answers = list(client.map(ask, range(REQUESTS), concurrency=concurrency))
                    walls.append(time.perf_counter() - wall)
                    cpus.append((time.process_time() - cpu) / REQUESTS)
                    stats = control.stats()
                    assert len(answers) == REQUESTS
                    assert all(answers)
            ideal = math.ceil(REQUESTS / concurrency) * LATENCY_S
            wall = statistics.median(walls)
            print(
                f"{concurrency:>4}{wall:9.2f}{ideal:9.2f}{wall / ideal:9.2f}"
                f"{statistics.median(cpus) * 1e3:12.2f}"
                f"{stats['connections_opened']:>8}{stats['open_connections']:>6}"
            )
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
