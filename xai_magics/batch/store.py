"""The job store: a SQLite file that lets a batch outlive the kernel that submitted it.

A job is written *before* the first network call, and every step after it (batch created, chunk
sent, chunk acknowledged or verified, results fetched) is committed as it happens, so a kernel
killed at any point leaves a store the next kernel can resume from. SQLite gives atomic commits
and a lock between kernels; WAL mode lets a poller thread read while the kernel writes.

Lives in the user data dir (``platformdirs``), or ``$XAI_MAGICS_DATA_DIR``, or ``data_dir=``.

Tables: ``jobs`` (name, fingerprint, model, template, batch name and id, state, link to the job a
retry came from), ``rows`` (row positions of a job that covers only some rows: retries),
``skipped`` (row -> reason), ``chunks`` (the ledger: row range, size, sent/acknowledged/verified),
``results`` (one per row fetched: status, answer, error, tokens, cost). The row -> request id map
is ``<fingerprint prefix><position>`` over the chunk ranges, so it is not stored row by row.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import platformdirs

from xai_magics.batch.fingerprint import Fingerprint

DATA_DIR_ENV = "XAI_MAGICS_DATA_DIR"
ChunkState = Literal["sent", "acknowledged", "verified"]
JobState = Literal["created", "adding", "submitted", "done", "cancelled", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    batch_name TEXT NOT NULL UNIQUE,
    batch_id TEXT,
    fingerprint TEXT NOT NULL,
    digest TEXT NOT NULL,
    model TEXT NOT NULL,
    template TEXT NOT NULL,
    spec TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    n_sent INTEGER NOT NULL,
    state TEXT NOT NULL,
    batch_status TEXT,
    parent_job_id INTEGER REFERENCES jobs(job_id),
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_name ON jobs(name);
CREATE TABLE IF NOT EXISTS rows (
    job_id INTEGER NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (job_id, position)
);
CREATE TABLE IF NOT EXISTS skipped (
    job_id INTEGER NOT NULL, position INTEGER NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (job_id, position)
);
CREATE TABLE IF NOT EXISTS chunks (
    job_id INTEGER NOT NULL, chunk_index INTEGER NOT NULL,
    first_row INTEGER NOT NULL, stop_row INTEGER NOT NULL,
    n_requests INTEGER NOT NULL, n_bytes INTEGER NOT NULL,
    state TEXT NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (job_id, chunk_index)
);
CREATE TABLE IF NOT EXISTS results (
    job_id INTEGER NOT NULL, position INTEGER NOT NULL, request_id TEXT NOT NULL,
    status TEXT NOT NULL, answer TEXT, error TEXT,
    input_tokens INTEGER, output_tokens INTEGER, cost_ticks INTEGER,
    PRIMARY KEY (job_id, position)
);
"""


def default_data_dir() -> Path:
    """``$XAI_MAGICS_DATA_DIR`` if set, else the platform's user data dir for xai-magics."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("xai-magics"))


@dataclass(frozen=True)
class JobRecord:
    """One row of ``jobs``."""

    job_id: int
    name: str
    batch_name: str
    batch_id: str | None
    fingerprint: Fingerprint
    spec: dict[str, Any]
    n_rows: int
    n_sent: int
    state: str
    batch_status: str | None
    parent_job_id: int | None
    error: str | None
    created_at: float

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")

    @property
    def id_prefix(self) -> str:
        """What this job's request ids start with (then the row position)."""
        recorded = self.spec.get("id_prefix")
        return str(recorded) if recorded else self.fingerprint.request_id_prefix


@dataclass(frozen=True)
class ChunkRecord:
    chunk_index: int
    first_row: int
    stop_row: int
    n_requests: int
    n_bytes: int
    state: str


#: one row's result as it is stored: position, request id, status, answer, error, input
#: tokens, output tokens (with reasoning), cost in ticks
ResultRow = tuple[
    int, str, str, "str | None", "str | None", "int | None", "int | None", "int | None"
]


class ResultRecord(NamedTuple):
    """One row's result as read back from the store (a ``ResultRow`` with names)."""

    position: int
    request_id: str
    status: str
    answer: str | None
    error: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_ticks: int | None


class ResultTotals(NamedTuple):
    """What a job's results add up to; ``costed`` counts the results that reported a cost."""

    results: int
    input_tokens: int
    output_tokens: int
    cost_ticks: int
    costed: int


_open_stores: dict[Path, JobStore] = {}
_open_lock = threading.Lock()


def open_store(data_dir: str | os.PathLike[str] | None = None) -> JobStore:
    """The process's one ``JobStore`` for this folder (one SQLite connection per file)."""
    directory = (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()
    with _open_lock:
        store = _open_stores.get(directory)
        if store is None:
            store = _open_stores[directory] = JobStore(directory)
        return store


class JobStore:
    """Thread-safe access to the store file (one connection, one lock)."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        directory = Path(data_dir) if data_dir is not None else default_data_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "batches.sqlite3"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"JobStore({str(self.path)!r})"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    # -- jobs -------------------------------------------------------------------------------

    def create_job(
        self,
        *,
        name: str,
        batch_name: str,
        fingerprint: Fingerprint,
        spec: dict[str, Any],
        n_sent: int,
        skipped: dict[int, str],
        rows: Sequence[int] | None = None,
        parent_job_id: int | None = None,
    ) -> JobRecord:
        """Record a job (and its skipped rows) before anything is sent."""
        now = time.time()
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO jobs (name, batch_name, fingerprint, digest, model, template, spec, "
                "n_rows, n_sent, state, parent_job_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?)",
                (
                    name,
                    batch_name,
                    json.dumps(fingerprint.__dict__),
                    fingerprint.digest,
                    fingerprint.model,
                    fingerprint.template,
                    json.dumps(spec),
                    fingerprint.n_rows,
                    n_sent,
                    parent_job_id,
                    now,
                    now,
                ),
            )
            job_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO skipped (job_id, position, reason) VALUES (?, ?, ?)",
                ((job_id, position, reason) for position, reason in skipped.items()),
            )
            if rows is not None:
                db.executemany(
                    "INSERT INTO rows (job_id, position) VALUES (?, ?)",
                    ((job_id, position) for position in rows),
                )
        return self.job(job_id)

    def job(self, job_id: int) -> JobRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(job_id)
        return _job(row)

    def latest_by_name(self, name: str) -> JobRecord | None:
        """The most recent job with this name (a re-run cell finds its job this way)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM jobs WHERE name = ? ORDER BY job_id DESC LIMIT 1", (name,)
            ).fetchone()
        return None if row is None else _job(row)

    def find(self, name_or_id: str) -> list[JobRecord]:
        """Jobs matching a job name, batch name or batch id (newest first)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE name = ? OR batch_id = ? OR batch_name = ? "
                "ORDER BY job_id DESC",
                (name_or_id, name_or_id, name_or_id),
            ).fetchall()
        return [_job(row) for row in rows]

    def jobs(self, limit: int = 50) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs ORDER BY job_id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_job(row) for row in rows]

    def children(self, job_id: int) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE parent_job_id = ? ORDER BY job_id", (job_id,)
            ).fetchall()
        return [_job(row) for row in rows]

    def set_batch_id(self, job_id: int, batch_id: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET batch_id = ?, state = 'adding', updated_at = ? WHERE job_id = ?",
                (batch_id, time.time(), job_id),
            )

    def set_state(
        self,
        job_id: int,
        state: JobState,
        *,
        error: str | None = None,
        batch_status: str | None = None,
    ) -> None:
        """Move a job on; ``batch_status`` records how the batch ended (done, expired, ...)."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET state = ?, error = ?, batch_status = COALESCE(?, batch_status), "
                "updated_at = ? WHERE job_id = ?",
                (state, error, batch_status, time.time(), job_id),
            )

    # -- rows -------------------------------------------------------------------------------

    def skipped(self, job_id: int) -> dict[int, str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT position, reason FROM skipped WHERE job_id = ?", (job_id,)
            ).fetchall()
        return {int(row["position"]): str(row["reason"]) for row in rows}

    def rows(self, job_id: int) -> list[int] | None:
        """The row positions of a job over part of the frame; None when it covers every row."""
        with self._lock:
            rows = self._db.execute(
                "SELECT position FROM rows WHERE job_id = ? ORDER BY position", (job_id,)
            ).fetchall()
        return [int(row["position"]) for row in rows] or None

    # -- chunk ledger -----------------------------------------------------------------------

    def record_chunk(
        self,
        job_id: int,
        index: int,
        first_row: int,
        stop_row: int,
        n_requests: int,
        n_bytes: int,
        state: ChunkState,
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO chunks (job_id, chunk_index, first_row, stop_row, n_requests, "
                "n_bytes, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (job_id, chunk_index) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                (job_id, index, first_row, stop_row, n_requests, n_bytes, state, time.time()),
            )

    def chunks(self, job_id: int) -> list[ChunkRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT chunk_index, first_row, stop_row, n_requests, n_bytes, state "
                "FROM chunks WHERE job_id = ? ORDER BY chunk_index",
                (job_id,),
            ).fetchall()
        return [ChunkRecord(**dict(row)) for row in rows]

    # -- results ----------------------------------------------------------------------------

    def save_results(self, job_id: int, results: Iterable[ResultRow]) -> None:
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO results (job_id, position, request_id, status, answer, "
                "error, input_tokens, output_tokens, cost_ticks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((job_id, *row) for row in results),
            )

    def results(self, job_id: int) -> list[ResultRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT position, request_id, status, answer, error, input_tokens, "
                "output_tokens, cost_ticks FROM results WHERE job_id = ? ORDER BY position",
                (job_id,),
            ).fetchall()
        return [ResultRecord._make(row) for row in rows]

    def result_count(self, job_id: int) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) AS n FROM results WHERE job_id = ?", (job_id,)
            ).fetchone()
        return int(row["n"])

    def result_totals(self, job_id: int) -> ResultTotals:
        """Token and cost sums over the job's stored results (one query, no rows loaded)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), "
                "COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cost_ticks), 0), "
                "COUNT(cost_ticks) FROM results WHERE job_id = ?",
                (job_id,),
            ).fetchone()
        return ResultTotals(*(int(value) for value in row))


def _job(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        job_id=int(row["job_id"]),
        name=str(row["name"]),
        batch_name=str(row["batch_name"]),
        batch_id=row["batch_id"],
        fingerprint=Fingerprint(**json.loads(row["fingerprint"])),
        spec=json.loads(row["spec"]),
        n_rows=int(row["n_rows"]),
        n_sent=int(row["n_sent"]),
        state=str(row["state"]),
        batch_status=row["batch_status"],
        parent_job_id=row["parent_job_id"],
        error=row["error"],
        created_at=float(row["created_at"]),
    )
