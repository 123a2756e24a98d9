"""Which batch a submission belongs to, when the job store cannot say on its own.

- An emptied, truncated or lost store must not lead to a second batch: the server's batch list
  is consulted (by the job's name and fingerprint) and the batch found is adopted, adding only
  the rows it does not hold yet.
- A job belongs to the server and account (API key) it ran on: the same frame and template
  submitted to another server make a new job there, and the key is never written down.
- Stores written before servers were recorded are migrated in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.batch.helpers import FAST, committed_adds, creates, network_calls
from tests.batch.submit_worker import frame as worker_frame
from xai_magics.batch import BatchJob, attach, list_jobs, submit
from xai_magics.client import XAIClient
from xai_magics.emulator import Emulator

WORKER = Path(__file__).with_name("submit_worker.py")
ROWS = 50


def _frame(n: int = ROWS) -> pd.DataFrame:
    return pd.DataFrame({"review": [f"review number {i}" for i in range(n)]})


@pytest.fixture
def run(started_jobs: list[BatchJob]) -> Any:
    """submit() with quick polling; every job's poller is stopped at the end."""

    def go(df: Any, client: Any, data_dir: Path, **kwargs: Any) -> BatchJob:
        job = submit(
            df,
            kwargs.pop("prompt", "Sentiment of: {review}"),
            client=client,
            data_dir=str(data_dir),
            settings=kwargs.pop("settings", FAST),
            **kwargs,
        )
        assert isinstance(job, BatchJob)
        started_jobs.append(job)
        return job

    return go


def _each_added_once(emu: Any, n: int) -> None:
    counts = committed_adds(emu)
    assert len(counts) == n
    assert set(counts.values()) == {1}


def test_an_emptied_store_adopts_the_servers_batch_instead_of_creating_another(
    emu: Any, batch_client: Any, run: Any, tmp_path: Path
) -> None:
    first = run(_frame(), batch_client, tmp_path / "a", name="kept")
    assert first.batch_id is not None
    truncated = tmp_path / "b"
    truncated.mkdir()
    (truncated / "batches.sqlite3").write_bytes(b"")  # an emptied store file
    for store in (truncated, tmp_path / "c"):  # ... and a missing one
        again = run(_frame(), batch_client, store, name="kept")
        assert again.batch_id == first.batch_id
    assert creates(emu) == 1
    _each_added_once(emu, ROWS)
    again.wait(timeout=30)
    assert set(again.results()["answer_status"]) == {"ok"}


def _start_worker(api_env: dict[str, str], root: Path, rows: int) -> subprocess.Popen[str]:
    """A process submitting job ``shared-0`` (the worker's frame 0) into ``root/t0``."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(root), "1", str(rows)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **api_env},
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.stdin.write("go 0\n")
    proc.stdin.flush()
    return proc


def _added(emu: Any) -> int:
    return sum(
        1
        for e in emu.control.log()
        if e["path"].endswith("/requests") and e["method"] == "POST" and e["status"] == 200
    )


def test_a_half_filled_batch_is_adopted_and_only_its_missing_rows_are_added(
    emu: Any, api_env: dict[str, str], batch_client: Any, run: Any, tmp_path: Path
) -> None:
    """A process dies after two of five adds; its store is lost. A new submission adopts the
    batch it left, lists what it holds, and adds the other three chunks only."""
    emu.control.inject("stall", "/v1/batches/*", seconds=0.5, times=10)
    proc = _start_worker(api_env, tmp_path / "lost", ROWS)
    deadline = time.monotonic() + 30
    while _added(emu) < 2:
        assert time.monotonic() < deadline, "the worker's adds never arrived"
        time.sleep(0.02)
    proc.kill()
    proc.communicate()
    emu.control.clear_faults()
    held = batch_client.batches.get(
        next(e for e in emu.control.log() if e["path"].endswith("/requests"))["path"].split("/")[3]
    )
    assert 0 < held.state.num_requests < ROWS

    job = run(
        worker_frame(0, ROWS),
        batch_client,
        tmp_path / "fresh",
        name="shared-0",
        settings=FAST,
        prompt="Sentiment of: {review}",
    )
    assert job.batch_id == held.batch_id
    assert creates(emu) == 1
    _each_added_once(emu, ROWS)
    assert batch_client.batches.get(job.batch_id).state.num_requests == ROWS


@pytest.fixture
def other_server() -> Iterator[Emulator]:
    server = Emulator(port=0).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_job_run_on_one_server_is_not_reused_on_another(
    emu: Any, batch_client: Any, run: Any, tmp_path: Path, other_server: Emulator
) -> None:
    first = run(_frame(), batch_client, tmp_path, name="demo")
    first.wait(timeout=30)
    before = network_calls(emu)
    elsewhere = XAIClient(api_key="xai-another-key", base_url=other_server.base_url)
    try:
        second = run(_frame(), elsewhere, tmp_path, name="demo")
        second.wait(timeout=30)
        assert second.record.job_id != first.record.job_id
        assert second.record.base_url == other_server.base_url
        assert network_calls(emu) == before  # nothing asked of the first server
        assert creates(other_server) == 1
        _each_added_once(other_server, ROWS)
        assert set(second.results()["answer_status"]) == {"ok"}
        # attach by name follows the job of the server and key it is asked on
        assert attach("demo", client=elsewhere, data_dir=str(tmp_path)).batch_id == (
            second.batch_id
        )
        assert attach("demo", client=batch_client, data_dir=str(tmp_path)).batch_id == (
            first.batch_id
        )
    finally:
        elsewhere.close()
    servers = {r.base_url for r in list_jobs(str(tmp_path))}
    assert servers == {emu.base_url, other_server.base_url}


def test_another_key_on_the_same_server_is_another_job_and_no_row_is_added_twice(
    emu: Any, batch_client: Any, run: Any, tmp_path: Path
) -> None:
    first = run(_frame(), batch_client, tmp_path, name="demo")
    other_key = XAIClient(api_key="xai-second-key-of-the-team", base_url=emu.base_url)
    try:
        second = run(_frame(), other_key, tmp_path, name="demo")
    finally:
        other_key.close()
    assert second.record.job_id != first.record.job_id
    assert second.record.account != first.record.account
    # the emulator is one team: the second key sees the team's batch and adopts it
    assert second.batch_id == first.batch_id
    _each_added_once(emu, ROWS)


def test_the_api_key_is_never_written_to_the_data_dir(emu: Any, run: Any, tmp_path: Path) -> None:
    canary = "xai-canary-" + os.urandom(12).hex()
    client = XAIClient(api_key=canary, base_url=emu.base_url)
    try:
        job = run(_frame(5), client, tmp_path, name="canary")
        job.wait(timeout=30)
        again = run(_frame(5), client, tmp_path, name="canary")
        assert again.record.job_id == job.record.job_id  # the tag recognises the same key
    finally:
        client.close()
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    unsalted = hashlib.sha256(canary.encode()).hexdigest()
    for leak in (canary, canary[-12:], unsalted, unsalted[:16]):
        assert leak.encode() not in written
    assert job.record.account is not None
    assert len(job.record.account) == 16


OLD_STORE_DOWNGRADE = (
    "ALTER TABLE jobs DROP COLUMN base_url",
    "ALTER TABLE jobs DROP COLUMN account",
    "DROP TABLE claims",
    "DROP TABLE meta",
    "PRAGMA application_id = 0",
)


def test_a_store_from_before_servers_were_recorded_is_migrated_and_its_batch_kept(
    emu: Any,
    api_env: dict[str, str],
    batch_client: Any,
    run: Any,
    tmp_path: Path,
    other_server: Emulator,
) -> None:
    worker = _start_worker(api_env, tmp_path, 20)  # writes tmp_path/t0 in its own process
    assert worker.stdout is not None
    outcome = json.loads(worker.stdout.readline())
    worker.communicate()
    store = tmp_path / "t0" / "batches.sqlite3"
    with sqlite3.connect(store) as db:  # as an older version wrote it
        for statement in OLD_STORE_DOWNGRADE:
            db.execute(statement)
    db.close()

    job = run(worker_frame(0, 20), batch_client, tmp_path / "t0", name="shared-0")
    assert job.batch_id == outcome["batch_id"]  # the old job's batch, adopted
    assert creates(emu) == 1
    _each_added_once(emu, 20)
    store = str(tmp_path / "t0")
    listed = {(r.name, r.base_url) for r in list_jobs(store)}
    assert listed == {("shared-0", None), ("shared-0", emu.base_url)}
    # the old job is not followed on a server that does not know its batch ...
    elsewhere = XAIClient(api_key="xai-another-key", base_url=other_server.base_url)
    try:
        with pytest.raises(LookupError, match=r"ran on .* with another API key or server"):
            attach("shared-0", client=elsewhere, data_dir=store)
    finally:
        elsewhere.close()
    assert [r.base_url for r in list_jobs(store)].count(None) == 1
    # ... and on the one that does, it is recorded as that server's
    assert attach("shared-0", client=batch_client, data_dir=store).batch_id == job.batch_id
    assert {r.base_url for r in list_jobs(store)} == {emu.base_url}
