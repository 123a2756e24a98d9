"""What every kernel on this machine spent today: a small SQLite file shared by the kernels.

One row per kernel and local day: what it spent (receipts, estimates of stopped answers
included) and what it holds reserved for calls in flight (their bounds). A kernel admits a call
against the day budget inside one write transaction that reads every row and adds its own
reservation, so two kernels admitting at once cannot both take the last dollar. Reservations of
a kernel that died are ignored (its process is gone); what it spent stays counted.

The file holds dollars and process ids only: never the key, never a prompt. Mode 0600, in the
data dir (``$XAI_MAGICS_DATA_DIR`` or the platform's user data dir), next to the batch job store.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from xai_magics.datadir import default_data_dir as data_dir
from xai_magics.datadir import process_alive

__all__ = ["DayLedger", "data_dir", "today"]

FILE_NAME = "spend.sqlite3"
#: a reservation older than this is stale whatever its process (a batch runs at most a day)
STALE_AFTER_S = 48 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS day_spend (
    day TEXT NOT NULL,
    kernel TEXT NOT NULL,
    pid INTEGER NOT NULL,
    spent_usd REAL NOT NULL DEFAULT 0,
    reserved_usd REAL NOT NULL DEFAULT 0,
    updated REAL NOT NULL,
    PRIMARY KEY (day, kernel)
);
"""


def today() -> str:
    """The local date: a teacher's "today" is the classroom's, not UTC's."""
    return time.strftime("%Y-%m-%d")


class DayLedger:
    """This process's view of the shared file; thread-safe (one connection, one lock)."""

    def __init__(self, path: Path, kernel: str) -> None:
        self.path = path
        self._kernel = kernel
        self._pid = os.getpid()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(path, 0o600)  # an older file, or a umask that widened it
        self._db = sqlite3.connect(path, timeout=15, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL: a commit is not synced to disk on its own (a crash may lose the
            # last receipts, never corrupt the file); a receipt costs no fsync on the kernel.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"DayLedger({str(self.path)!r})"

    def total(self, day: str, *, reserved: bool = True) -> float:
        """Spent on ``day`` by every kernel, plus (``reserved``) what live kernels hold for calls
        in flight."""
        with self._lock:
            return self._total(day, reserved=reserved)

    def add_spent(self, day: str, usd: float) -> None:
        with self._transaction():
            self._upsert(day, spent=usd, reserved=0.0)

    def reserve(self, day: str, usd: float, check: Callable[[float], None]) -> None:
        """Hold ``usd`` for a call, after ``check(total)`` accepted the day's total so far.

        ``check`` raises to refuse; the read and the reservation are one transaction.
        """
        with self._transaction():
            check(self._total(day))
            self._upsert(day, spent=0.0, reserved=usd)

    def release(self, day: str, usd: float) -> None:
        with self._transaction():
            self._upsert(day, spent=0.0, reserved=-usd)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _upsert(self, day: str, *, spent: float, reserved: float) -> None:
        self._db.execute(
            "INSERT INTO day_spend (day, kernel, pid, spent_usd, reserved_usd, updated) "
            "VALUES (?, ?, ?, ?, MAX(?, 0), ?) ON CONFLICT (day, kernel) DO UPDATE SET "
            "spent_usd = spent_usd + excluded.spent_usd, "
            "reserved_usd = MAX(reserved_usd + ?, 0), updated = excluded.updated",
            (day, self._kernel, self._pid, spent, reserved, time.time(), reserved),
        )

    def _total(self, day: str, *, reserved: bool = True) -> float:
        rows = self._db.execute(
            "SELECT pid, spent_usd, reserved_usd, updated FROM day_spend WHERE day = ?", (day,)
        ).fetchall()
        now = time.time()
        total = 0.0
        for pid, spent, held, updated in rows:
            total += spent
            if reserved and held > 0 and now - updated < STALE_AFTER_S and process_alive(pid):
                total += held
        return float(total)
