"""The sending claim: who may create and fill a job's batch, and when it is taken over.

A live holder is waited for, never duplicated; a dead one (gone, a zombie, or silent for longer
than the stale limit) is taken over at once, and a holder whose claim was taken over stops.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xai_magics.batch import claim as claims
from xai_magics.batch.claim import ClaimLostError, sending_claim
from xai_magics.batch.store import JobStore

JOB = 1


def _plant(store: JobStore, *, host: str, pid: int, age_s: float) -> None:
    """A claim row as another process would have left it."""
    with sqlite3.connect(store.path) as db:
        db.execute(
            "INSERT OR REPLACE INTO claims (job_id, host, pid, token, heartbeat_at) "
            "VALUES (?, ?, ?, 'theirs', ?)",
            (JOB, host, pid, time.time() - age_s),
        )
    db.close()


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    return JobStore(tmp_path)


def test_a_live_holder_is_waited_for(store: JobStore) -> None:
    here = socket.gethostname()
    _plant(store, host=here, pid=os.getppid(), age_s=1)
    holder = store.try_claim(JOB, "mine", stale_after_s=60)
    assert holder is not None
    assert holder.pid == os.getppid()
    _plant(store, host="another-host", pid=1, age_s=1)  # elsewhere: its heartbeat is all we know
    assert store.try_claim(JOB, "mine", stale_after_s=60) is not None


@pytest.mark.parametrize("case", ["gone", "zombie", "silent", "silent-elsewhere"])
def test_a_dead_or_silent_holder_is_taken_over(store: JobStore, case: str) -> None:
    here = socket.gethostname()
    zombie = None
    if case == "gone":
        _plant(store, host=here, pid=_dead_pid(), age_s=1)
    elif case == "zombie":  # killed, not yet reaped by its parent (this test)
        zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        zombie.kill()
        time.sleep(0.2)
        _plant(store, host=here, pid=zombie.pid, age_s=1)
    elif case == "silent":
        _plant(store, host=here, pid=os.getppid(), age_s=120)
    else:
        _plant(store, host="another-host", pid=1, age_s=120)
    try:
        assert store.try_claim(JOB, "mine", stale_after_s=60) is None
    finally:
        if zombie is not None:
            zombie.wait()
    assert store.try_claim(JOB, "someone-else", stale_after_s=60) is not None  # now it's ours


def test_a_holder_whose_claim_was_taken_over_stops(
    store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claims, "HEARTBEAT_S", 0.05)
    with sending_claim(store, JOB) as held:
        held.check()  # still ours
        _plant(store, host="another-host", pid=1, age_s=0)  # taken over as stale elsewhere
        deadline = time.monotonic() + 5
        while not held.lost and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(ClaimLostError, match="another process took over"):
            held.check()
    # the new holder's claim is left alone when the old one lets go
    assert store.try_claim(JOB, "mine", stale_after_s=60) is not None


def test_the_claim_is_released_when_the_block_ends(store: JobStore) -> None:
    with sending_claim(store, JOB):
        assert store.try_claim(JOB, "other", stale_after_s=60) is not None
    assert store.try_claim(JOB, "other", stale_after_s=60) is None
