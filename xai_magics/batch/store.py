"""The job store: a SQLite file that lets a batch outlive the kernel that submitted it.

A job is written *before* the first network call, and every step after it (batch created, chunk
sent, chunk acknowledged or verified, results fetched) is committed as it happens, so a kernel
killed at any point leaves a store the next kernel can resume from. SQLite gives atomic commits
and a lock between kernels; WAL mode lets a poller thread read while the kernel writes.

Lives in the user data dir (``platformdirs``), or ``$XAI_MAGICS_DATA_DIR``, or ``data_dir=``.

Tables: ``jobs`` (name, fingerprint, model, template, batch name and id, state, link to the job a
retry came from, the server and account it runs on), ``rows`` (row positions of a job that
covers only some rows: retries), ``skipped`` (row -> reason), ``chunks`` (the ledger: row
range, size, sent/acknowledged/verified), ``results`` (one per row fetched: status, answer,
error, tokens, reasoning tokens, cost, the tier that served it), ``claims`` (which process is
creating and filling a job's batch right now), ``meta`` (the salt of account fingerprints).
The row -> request id map is ``<fingerprint prefix><position>`` over the chunk ranges, so it
is not stored row by row.

Several kernels and processes share one store: every write transaction starts ``BEGIN
IMMEDIATE`` (a reader never has to upgrade its lock, which SQLite refuses with "database is
locked" however long the busy timeout), and any SQLite trouble reaches the user as one
`StoreError` line naming the file and what to do.

The server is recorded as its base URL; the account as `xai_magics.datadir.account_tag`: an
HMAC-SHA256 of the API key under this store's own random salt, cut to 16 hex digits. It tells two
keys apart and cannot be turned back into the key; the key itself is never written.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from xai_magics.batch.fingerprint import Fingerprint
from xai_magics.datadir import DATA_DIR_ENV, account_tag, default_data_dir, process_alive

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
    updated_at REAL NOT NULL,
    base_url TEXT,
    account TEXT
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
    reasoning_tokens INTEGER, service_tier TEXT,
    PRIMARY KEY (job_id, position)
);
CREATE TABLE IF NOT EXISTS claims (
    job_id INTEGER PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, token TEXT NOT NULL,
    heartbeat_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Marks the file as ours (``PRAGMA application_id``): "xaMg".
APPLICATION_ID = 0x78614D67
# Columns added since the first stores were written: (table, column, declaration). Rows
# written before a column was added read NULL there: unknown, never a made-up value.
_ADDED_COLUMNS = (
    ("jobs", "base_url", "TEXT"),
    ("jobs", "account", "TEXT"),
    ("results", "reasoning_tokens", "INTEGER"),
    ("results", "service_tier", "TEXT"),
)
_OUR_TABLES = {"jobs", "rows", "skipped", "chunks", "results", "claims", "meta"}
BUSY_TIMEOUT_S = 30.0


class StoreError(RuntimeError):
    """The job store cannot be used; the message names the file and what to do (one line)."""


def store_error(path: Path, exc: BaseException, *, opening: bool = False) -> StoreError:
    """One line for a SQLite or file-system failure on the store at ``path``; ``opening``: it
    happened before anything could be sent, and the line says so."""
    elsewhere = f"or set {DATA_DIR_ENV} to another folder"
    text = str(exc).lower()
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        why = f"{path} is damaged or not a SQLite file: move it away (a new store is started) "
        message = why + elsewhere + "."
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        why = f"cannot write the batch job store {path} (read-only folder or file?): make it "
        message = why + f"writable {elsewhere}."
    elif "locked" in text or "busy" in text:
        message = (
            f"the batch job store {path} stayed locked by another process for "
            f"{BUSY_TIMEOUT_S:g} s; run the cell again (nothing is sent twice)."
        )
    else:
        message = f"batch job store {path}: {exc}; move it away {elsewhere}."
    return StoreError(message + (" Nothing was sent." if opening else ""))


@dataclass(frozen=True)
class Where:
    """The server (base URL) and account (`xai_magics.datadir.account_tag`) a job runs on."""

    base_url: str
    account: str


@dataclass(frozen=True)
class ClaimHolder:
    """The process creating and filling a job's batch."""

    host: str
    pid: int
    heartbeat_at: float

    def alive(self, stale_after_s: float) -> bool:
        """Whether it may still be sending: a live process that heartbeats.

        On this host a process that is gone (or a zombie) is dead at once; a process elsewhere
        (a shared folder) is judged by its heartbeat only.
        """
        if time.time() - self.heartbeat_at > stale_after_s:
            return False
        return process_alive(self.pid, self.host)


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
    base_url: str | None = None  # None: recorded before servers were (not matched by name)
    account: str | None = None
    updated_at: float = 0.0  # the last change of state: when a finished job ended

    @property
    def where(self) -> Where | None:
        """The server and account the job runs on; None for a job recorded before they were."""
        if self.base_url is None or self.account is None:
            return None
        return Where(self.base_url, self.account)

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
#: tokens, output tokens (with reasoning), cost in ticks, reasoning tokens (among the output),
#: the tier that served it (the answer's ``service_tier``)
ResultRow = tuple[
    int,
    str,
    str,
    "str | None",
    "str | None",
    "int | None",
    "int | None",
    "int | None",
    "int | None",
    "str | None",
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
    #: None when unknown: the request failed, or the row was stored before this was kept
    reasoning_tokens: int | None
    #: what the answer said served it; None when it did not say, or stored before this was kept
    service_tier: str | None


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
        self.path = directory / "batches.sqlite3"
        self._lock = threading.RLock()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StoreError(
                f"the batch job folder {directory} is a file, not a folder: move it away or set "
                f"{DATA_DIR_ENV} to a folder. Nothing was sent."
            ) from None
        except OSError as exc:
            raise StoreError(
                f"cannot create the batch job folder {directory} ({exc.strerror}): set "
                f"{DATA_DIR_ENV} to a writable folder. Nothing was sent."
            ) from None
        try:
            # autocommit: transactions are opened explicitly, writes with BEGIN IMMEDIATE
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
            )
            self._db.row_factory = sqlite3.Row
            self._salt = self._prepare_when_free()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, opening=True) from None

    def _prepare_when_free(self) -> bytes:
        """`_prepare`, tried again while another process holds the file.

        Switching a new file to WAL, or reading one while another process recovers its WAL,
        can fail "locked" at once, without waiting the busy timeout: many kernels opening one
        fresh store together meet exactly that.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return self._prepare()
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                busy = "locked" in text or "busy" in text
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(0.02 + secrets.randbelow(50) / 1000)

    def _prepare(self) -> bytes:
        """Check the file is ours (or empty), create or migrate the tables; the salt."""
        db = self._db
        db.execute("PRAGMA synchronous=NORMAL")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        with self._transaction():
            tables = {
                str(row[0])
                for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            } - {"sqlite_sequence"}
            marked = db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            ours = "jobs" in tables and {"name", "batch_name", "fingerprint"} <= {
                str(row[1]) for row in db.execute("PRAGMA table_info(jobs)")
            }
            if (tables and not marked and not ours) or tables - _OUR_TABLES:
                shown = ", ".join(sorted(tables - _OUR_TABLES)[:5] or sorted(tables)[:5])
                raise StoreError(
                    f"{self.path} is not an xai-magics batch job store (it holds tables "
                    f"{shown}): move it away or set {DATA_DIR_ENV} to another folder. "
                    "Nothing was sent."
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            for table, column, kind in _ADDED_COLUMNS:
                have = {str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if not marked:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            row = db.execute("SELECT value FROM meta WHERE key = 'account_salt'").fetchone()
            if row is None:
                salt = secrets.token_hex(16)
                db.execute("INSERT INTO meta (key, value) VALUES ('account_salt', ?)", (salt,))
            else:
                salt = str(row[0])
        return bytes.fromhex(salt)

    def __repr__(self) -> str:
        return f"JobStore({str(self.path)!r})"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def where(self, base_url: str, api_key: str) -> Where:
        """The server and account tag a job on ``base_url`` with ``api_key`` is recorded under."""
        return Where(base_url.rstrip("/"), account_tag(self._salt, api_key))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock first (waits up to the busy timeout)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """`_transaction`, with SQLite's errors told as one `StoreError` line."""
        try:
            with self._transaction() as db:
                yield db
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise store_error(self.path, exc) from None

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
        where: Where | None = None,
        reuse: bool = False,
        rows: Sequence[int] | None = None,
        parent_job_id: int | None = None,
    ) -> JobRecord:
        """Record a job (and its skipped rows) before anything is sent.

        With ``reuse`` (and ``where``), the newest job of this name on this server and account
        is returned instead when there is one, whatever its fingerprint (the caller compares).
        Looking and recording are one transaction: processes asking at once get the same job.
        """
        now = time.time()
        with self._write() as db:
            if reuse and where is not None:
                found = self._latest(db, name, where)
                if found is not None:
                    return _job(found)
            cursor = db.execute(
                "INSERT INTO jobs (name, batch_name, fingerprint, digest, model, template, "
                "spec, n_rows, n_sent, state, parent_job_id, created_at, updated_at, base_url, "
                "account) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?, ?, ?)",
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
                    where.base_url if where else None,
                    where.account if where else None,
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

    @staticmethod
    def _latest(db: sqlite3.Connection, name: str, where: Where) -> sqlite3.Row | None:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM jobs WHERE name = ? AND base_url = ? AND account = ? "
            "ORDER BY job_id DESC LIMIT 1",
            (name, where.base_url, where.account),
        ).fetchone()
        return row

    def job(self, job_id: int) -> JobRecord:
        with self._read() as db:
            row = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(job_id)
        return _job(row)

    def latest_by_name(self, name: str, where: Where) -> JobRecord | None:
        """The most recent job with this name on this server and account."""
        with self._read() as db:
            row = self._latest(db, name, where)
        return None if row is None else _job(row)

    def find(self, name_or_id: str) -> list[JobRecord]:
        """Jobs matching a job name, batch name or batch id (newest first), on any server."""
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE name = ? OR batch_id = ? OR batch_name = ? "
                "ORDER BY job_id DESC",
                (name_or_id, name_or_id, name_or_id),
            ).fetchall()
        return [_job(row) for row in rows]

    def latest_part(self, name: str, where: Where) -> JobRecord | None:
        """The newest part (``NAME part K/N``) of a job split into several batches."""
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._read() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE name LIKE ? ESCAPE '\\' AND base_url = ? "
                "AND account = ? ORDER BY job_id DESC LIMIT 1",
                (escaped + " part %/%", where.base_url, where.account),
            ).fetchone()
        return None if row is None else _job(row)

    def batch_ids(self, where: Where) -> set[str]:
        """Every batch id a job on this server and account already follows."""
        with self._read() as db:
            rows = db.execute(
                "SELECT batch_id FROM jobs WHERE base_url = ? AND account = ? "
                "AND batch_id IS NOT NULL",
                (where.base_url, where.account),
            ).fetchall()
        return {str(row[0]) for row in rows}

    def jobs(self, limit: int = 50) -> list[JobRecord]:
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM jobs ORDER BY job_id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_job(row) for row in rows]

    def children(self, job_id: int) -> list[JobRecord]:
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE parent_job_id = ? ORDER BY job_id", (job_id,)
            ).fetchall()
        return [_job(row) for row in rows]

    def set_batch_id(self, job_id: int, batch_id: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET batch_id = ?, state = 'adding', updated_at = ? WHERE job_id = ?",
                (batch_id, time.time(), job_id),
            )

    def set_where(self, job_id: int, where: Where) -> None:
        """Record the server and account of a job stored before they were."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET base_url = ?, account = ? WHERE job_id = ? AND base_url IS NULL",
                (where.base_url, where.account, job_id),
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

    # -- claims: one process creates and fills a job's batch ------------------------------------

    def try_claim(self, job_id: int, token: str, stale_after_s: float) -> ClaimHolder | None:
        """Take the job's sending claim; None when taken, else the live process holding it.

        A claim whose process died (or stopped heartbeating for ``stale_after_s``) is taken over.
        A claim seen held is reported from a plain read, so that waiters polling it do not take
        the write lock from the sender they wait for.
        """
        with self._read() as db:
            holder = self._live_holder(db, job_id, token, stale_after_s)
        if holder is not None:
            return holder
        with self._write() as db:
            holder = self._live_holder(db, job_id, token, stale_after_s)
            if holder is None:
                db.execute(
                    "INSERT OR REPLACE INTO claims (job_id, host, pid, token, heartbeat_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (job_id, socket.gethostname(), os.getpid(), token, time.time()),
                )
        return holder

    @staticmethod
    def _live_holder(
        db: sqlite3.Connection, job_id: int, token: str, stale_after_s: float
    ) -> ClaimHolder | None:
        row = db.execute(
            "SELECT host, pid, token, heartbeat_at FROM claims WHERE job_id = ?", (job_id,)
        ).fetchone()
        if row is None or row["token"] == token:
            return None
        holder = ClaimHolder(str(row["host"]), int(row["pid"]), float(row["heartbeat_at"]))
        return holder if holder.alive(stale_after_s) else None

    def heartbeat(self, job_id: int, token: str) -> bool:
        """Renew the claim; False when it was lost (taken over as stale)."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE claims SET heartbeat_at = ? WHERE job_id = ? AND token = ?",
                (time.time(), job_id, token),
            )
        return cursor.rowcount == 1

    def release(self, job_id: int, token: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM claims WHERE job_id = ? AND token = ?", (job_id, token))

    # -- rows -------------------------------------------------------------------------------

    def skipped(self, job_id: int) -> dict[int, str]:
        with self._read() as db:
            rows = db.execute(
                "SELECT position, reason FROM skipped WHERE job_id = ?", (job_id,)
            ).fetchall()
        return {int(row["position"]): str(row["reason"]) for row in rows}

    def rows(self, job_id: int) -> list[int] | None:
        """The row positions of a job over part of the frame; None when it covers every row."""
        with self._read() as db:
            rows = db.execute(
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
        with self._read() as db:
            rows = db.execute(
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
                "error, input_tokens, output_tokens, cost_ticks, reasoning_tokens, service_tier) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((job_id, *row) for row in results),
            )

    def results(self, job_id: int) -> list[ResultRecord]:
        with self._read() as db:
            rows = db.execute(
                "SELECT position, request_id, status, answer, error, input_tokens, "
                "output_tokens, cost_ticks, reasoning_tokens, service_tier FROM results "
                "WHERE job_id = ? ORDER BY position",
                (job_id,),
            ).fetchall()
        return [ResultRecord._make(row) for row in rows]

    def result_count(self, job_id: int) -> int:
        with self._read() as db:
            row = db.execute(
                "SELECT COUNT(*) AS n FROM results WHERE job_id = ?", (job_id,)
            ).fetchone()
        return int(row["n"])

    def result_counts(self, job_id: int) -> dict[str, int]:
        """How many of the job's stored results have each status (one query, no rows loaded)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT status, COUNT(*) FROM results WHERE job_id = ? GROUP BY status", (job_id,)
            ).fetchall()
        return {str(row[0]): int(row[1]) for row in rows}

    def result_totals(self, job_id: int) -> ResultTotals:
        """Token and cost sums over the job's stored results (one query, no rows loaded)."""
        with self._read() as db:
            row = db.execute(
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
        base_url=row["base_url"],
        account=row["account"],
        updated_at=float(row["updated_at"]),
    )
