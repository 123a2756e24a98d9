"""Seconds from each ``--now`` request to its answer, kept beside the job store.

The job store keeps answers, not timings; an eval's latency columns must survive a re-run that
attaches (and sends nothing), so each ``--now`` job's timings are written to
``evals/<job id>-latency.json`` next to the store, merged with any from an earlier, interrupted
run of the same job.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from xai_magics.batch.store import JobStore


class Latencies:
    """Collects (position, seconds) from the sender's worker threads."""

    def __init__(self) -> None:
        self.seconds: dict[int, float] = {}
        self._lock = threading.Lock()

    def __call__(self, position: int, seconds: float) -> None:
        with self._lock:
            self.seconds[position] = seconds


def _path(store: JobStore, job_id: int) -> Path:
    return Path(store.path).parent / "evals" / f"{job_id}-latency.json"


def read(store: JobStore, job_id: int) -> dict[int, float]:
    """The job's recorded latencies by row position (empty when none were recorded)."""
    try:
        text = _path(store, job_id).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return {int(position): float(s) for position, s in json.loads(text).items()}


def save(store: JobStore, job_id: int, seconds: dict[int, float]) -> None:
    """Add ``seconds`` to the job's file (written whole, then renamed: never half a file)."""
    if not seconds:
        return
    merged = {**read(store, job_id), **seconds}
    path = _path(store, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps({str(k): v for k, v in sorted(merged.items())}), "utf-8")
    partial.replace(path)
