"""Measuring a benchmark side: best time of a few runs; peak RSS in its own process (Linux)."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path
from typing import Any


def rss_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS."""
    Path("/proc/self/clear_refs").write_text("5")


def in_process(target: Any, *args: Any, timeout: float = 600) -> dict[str, Any]:
    """Run ``target(*args, queue)`` in a fresh interpreter; return what it put on the queue."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=timeout)
    process.join()
    return result


def best_of(runs: int, fn: Any, *args: Any) -> float:
    """The fastest of ``runs`` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - started)
    return best
