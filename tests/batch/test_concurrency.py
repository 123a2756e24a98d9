"""Many processes submitting the same job at once: one batch, every row added once.

The emulator's request log is the judge: how many batches were created under the job's name, and
how many times each request id was added. The workers are real processes sharing one job store
folder per trial, released together (or staggered by a few ms) by a line on their stdin.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import committed_adds

WORKER = Path(__file__).with_name("submit_worker.py")
WORKERS = 20
TRIALS = 5
ROWS = 60
DEADLINE_S = 300.0  # only so that a hung worker fails the test; a loaded CI box is slow
STALL_S = 2.0


@pytest.fixture
def workers(api_env: dict[str, str], tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    env = {**os.environ, **api_env}
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(tmp_path), str(TRIALS), str(ROWS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        for _ in range(WORKERS)
    ]
    # a hung worker must fail the test, not hang it
    watchdog = threading.Timer(DEADLINE_S, lambda: [p.kill() for p in procs])
    watchdog.start()
    try:
        yield procs
    finally:
        watchdog.cancel()
        for proc in procs:
            _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Kill the worker if it still runs, and close its pipes."""
    proc.kill()
    proc.communicate()


def _creates_named(log: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [
        e
        for e in log
        if e["method"] == "POST"
        and e["path"] == "/v1/batches"
        and str((e["body"] or {}).get("name", "")).startswith(prefix)
    ]


def _line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline()


def test_twenty_processes_submitting_one_job_make_one_batch_and_add_each_row_once(
    emu: Any, workers: list[subprocess.Popen[str]]
) -> None:
    rng = random.Random(11)
    batch_ids = []
    for trial in range(TRIALS):
        assert [_line(p).strip() for p in workers] == ["ready"] * WORKERS
        # trial 0: all at once; later trials spread the starts over a few to 80 ms
        spread = 0.02 * trial
        for proc in workers:
            assert proc.stdin is not None
            proc.stdin.write(f"go {rng.uniform(0, spread):.4f}\n")
            proc.stdin.flush()
        outcomes = [json.loads(_line(p)) for p in workers]
        failed = [o for o in outcomes if "error" in o]
        assert not failed, failed[0]["trace"]
        assert len({o["batch_id"] for o in outcomes}) == 1, outcomes
        assert {o["state"] for o in outcomes} <= {"submitted", "done"}
        batch_ids.append(outcomes[0]["batch_id"])

    log = emu.control.log()
    for trial in range(TRIALS):
        assert len(_creates_named(log, f"shared-{trial} ")) == 1
    counts = committed_adds(emu)  # every trial's frame differs, so do its request ids
    assert len(counts) == TRIALS * ROWS
    assert set(counts.values()) == {1}
    for batch_id in batch_ids:
        adds_to_batch = [
            e
            for e in log
            if e["method"] == "POST" and e["path"] == f"/v1/batches/{batch_id}/requests"
        ]
        assert sum(len(e["body"]["batch_requests"]) for e in adds_to_batch) == ROWS


def test_a_sender_killed_mid_send_is_taken_over_and_no_row_is_added_twice(
    emu: Any, api_env: dict[str, str], tmp_path: Path
) -> None:
    """The claim holder dies while its first add is in flight (the server applies it after a
    stall); the next process takes the claim over, finds that chunk landed and adds the rest."""
    emu.control.inject("stall", "/v1/batches/*", seconds=STALL_S, times=1)
    env = {**os.environ, **api_env}

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(WORKER), str(tmp_path), "1", str(ROWS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    first = start()
    try:
        assert _line(first).strip() == "ready"
        assert first.stdin is not None
        first.stdin.write("go 0\n")
        first.stdin.flush()
        deadline = time.monotonic() + 30
        while not any(e["path"].endswith("/requests") for e in emu.control.log()):
            assert time.monotonic() < deadline, "the first add never arrived"
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)  # dies holding the claim, its first add unanswered
        first.wait()
        time.sleep(STALL_S + 0.5)  # the server applies that add meanwhile
        second = start()
        assert _line(second).strip() == "ready"
        assert second.stdin is not None
        second.stdin.write("go 0\n")
        second.stdin.flush()
        outcome = json.loads(_line(second))
        _stop(second)
    finally:
        _stop(first)
    assert "error" not in outcome, outcome.get("trace")
    assert outcome["state"] in ("submitted", "done")
    log = emu.control.log()
    assert len(_creates_named(log, "shared-0 ")) == 1
    counts = committed_adds(emu)
    assert len(counts) == ROWS
    assert set(counts.values()) == {1}
