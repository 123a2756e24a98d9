"""The deferred store: a SQLite file of deferred requests and the answers they brought back.

xAI hands a deferred answer out exactly once, so it must outlive the kernel that asked: the request
id is written before the cell returns, and the answer's raw body the moment it arrives, before
anything is parsed or shown. A kernel started later reads both from here.

Several kernels share the file (WAL, a busy timeout, ``BEGIN IMMEDIATE`` writes). Only one of them
asks the server about a request at a time: the poller holds a lease (owner, time) that it renews
on every poll; a lease whose owner died on this host, or that ran out, is taken over.

Each request records where it was made: the server's base URL and an account tag, an HMAC-SHA256
of the API key under this file's own random salt (16 hex digits), so an id is only polled with the
key and server that made it. The key itself is never written. The file is ``0600``: prompts and
answers are the user's business alone (SQLite gives its ``-wal`` and ``-shm`` files that mode too).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from xai_magics.datadir import DATA_DIR_ENV, account_tag, default_data_dir, process_alive

__all__ = ["DeferredRecord", "DeferredStore", "State", "StoreError", "Where", "open_store"]

FILE_NAME = "deferred.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0
State = Literal["pending", "arrived", "expired", "failed"]
FINAL_STATES: frozenset[str] = frozenset({"arrived", "expired", "failed"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    base_url TEXT NOT NULL,
    account TEXT NOT NULL,
    created_at REAL NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    answer TEXT,
    arrived_at REAL,
    error TEXT,
    lease_owner TEXT,
    lease_until REAL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests(created_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StoreError(RuntimeError):
    """The deferred store cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class Where:
    """The server (base URL) and account (a one-way tag of the key) a request was made on."""

    base_url: str
    account: str


@dataclass(frozen=True)
class DeferredRecord:
    """One deferred request as stored."""

    request_id: str
    where: Where
    created_at: float
    model: str
    prompt: str
    #: what the answer is shown with: tier, max tokens, format ... (never the key)
    options: dict[str, Any]
    state: State
    #: the answer's raw JSON body, exactly as it arrived
    answer: str | None
    arrived_at: float | None
    error: str | None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


_open: dict[Path, DeferredStore] = {}
_open_lock = threading.Lock()


def open_store(data_dir: str | os.PathLike[str] | None = None) -> DeferredStore:
    """The process's one store for this folder (the data dir by default)."""
    directory = (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()
    with _open_lock:
        store = _open.get(directory)
        if store is None:
            store = _open[directory] = DeferredStore(directory)
        return store


class DeferredStore:
    """Thread-safe access to the file (one connection, one lock)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        directory = Path(data_dir)
        self.path = directory / FILE_NAME
        self._lock = threading.RLock()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
            )
            self._db.row_factory = sqlite3.Row
            salt = self._prepare()
            self._salt = bytes.fromhex(salt)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot use the deferred store {self.path} ({exc}): make the folder writable "
                f"or set {DATA_DIR_ENV} to another folder."
            ) from None

    def _prepare(self) -> str:
        """WAL mode, the schema and the salt, tried again while another process does the same
        (a fresh file opened by several kernels at once)."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return self._prepare_once()
            except (sqlite3.OperationalError, StoreError) as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _prepare_once(self) -> str:
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._write() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer xai-magics: upgrade, or set "
                    f"{DATA_DIR_ENV} to another folder."
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)",
                (secrets.token_hex(16),),
            )
            return str(db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0])

    def __repr__(self) -> str:
        return f"DeferredStore({str(self.path)!r})"

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock up front, so writers queue, never fail.

        SQLite trouble (locked past the busy timeout, a full disk) is a ``StoreError``.
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            try:
                yield self._db
            except BaseException as exc:
                self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc) from None
                raise
            self._db.execute("COMMIT")

    def _error(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"the deferred store {self.path} failed ({exc}); run the cell again, or set "
            f"{DATA_DIR_ENV} to another folder."
        )

    def where(self, base_url: str, api_key: str) -> Where:
        """Where a request made with this key on this server is recorded as being made."""
        tag = account_tag(self._salt, api_key)
        return Where(base_url, tag)

    # -- requests ---------------------------------------------------------------------------

    def add(
        self, request_id: str, where: Where, *, model: str, prompt: str, options: dict[str, Any]
    ) -> DeferredRecord:
        """Record a request the server just accepted (before the cell returns)."""
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO requests (request_id, base_url, account, created_at, "
                "model, prompt, options, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (
                    request_id,
                    where.base_url,
                    where.account,
                    now,
                    model,
                    prompt,
                    json.dumps(options),
                    now,
                ),
            )
        return self.get(request_id)

    def get(self, request_id: str) -> DeferredRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM requests WHERE request_id = ?", (request_id,)
            ).fetchone()
        if row is None:
            raise KeyError(request_id)
        return _record(row)

    def find(self, prefix: str) -> list[DeferredRecord]:
        """Requests whose id starts with ``prefix`` (newest first)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM requests WHERE request_id LIKE ? ESCAPE '\\' "
                "ORDER BY created_at DESC",
                (escaped + "%",),
            ).fetchall()
        return [_record(row) for row in rows]

    def records(self, limit: int = 50) -> list[DeferredRecord]:
        """The newest requests first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM requests ORDER BY created_at DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_record(row) for row in rows]

    def arrive(self, request_id: str, body: str) -> None:
        """Keep the answer as it came: the one copy there will ever be."""
        now = time.time()
        with self._write() as db:
            db.execute(
                "UPDATE requests SET state = 'arrived', answer = ?, arrived_at = ?, error = NULL, "
                "lease_owner = NULL, updated_at = ? WHERE request_id = ?",
                (body, now, now, request_id),
            )

    def end(self, request_id: str, state: Literal["expired", "failed"], error: str) -> bool:
        """Mark a request that will never bring an answer; False if one arrived meanwhile."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE requests SET state = ?, error = ?, lease_owner = NULL, updated_at = ? "
                "WHERE request_id = ? AND state = 'pending'",
                (state, error, time.time(), request_id),
            )
        return cursor.rowcount == 1

    def note(self, request_id: str, error: str | None) -> None:
        """What the last poll ran into (a 5xx, a dropped connection), for the list to show."""
        with self._write() as db:
            db.execute(
                "UPDATE requests SET error = ?, updated_at = ? WHERE request_id = ? "
                "AND state = 'pending'",
                (error, time.time(), request_id),
            )

    def forget(self, request_ids: list[str]) -> int:
        with self._write() as db:
            cursor = db.executemany(
                "DELETE FROM requests WHERE request_id = ?", ((i,) for i in request_ids)
            )
        return cursor.rowcount

    # -- the polling lease ------------------------------------------------------------------

    def claim(self, request_id: str, owner: str, ttl_s: float) -> bool:
        """Take (or renew) the right to poll a pending request; False while another live
        process holds it."""
        now = time.time()
        with self._write() as db:
            row = db.execute(
                "SELECT state, lease_owner, lease_until FROM requests WHERE request_id = ?",
                (request_id,),
            ).fetchone()
            if row is None or row["state"] != "pending":
                return False
            holder, until = row["lease_owner"], row["lease_until"]
            if holder and holder != owner and until > now and _alive(holder):
                return False
            db.execute(
                "UPDATE requests SET lease_owner = ?, lease_until = ? WHERE request_id = ?",
                (owner, now + ttl_s, request_id),
            )
        return True

    def release(self, request_id: str, owner: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE requests SET lease_owner = NULL WHERE request_id = ? AND lease_owner = ?",
                (request_id, owner),
            )


def lease_owner() -> str:
    """This process, as a lease holder: host, pid and a token unique to this start."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _alive(owner: str) -> bool:
    """Whether a lease holder may still be polling: a process elsewhere is trusted until its
    lease runs out; one on this host that is gone (or a zombie) is dead at once."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    return not pid_text.isdigit() or process_alive(int(pid_text), host)


def _record(row: sqlite3.Row) -> DeferredRecord:
    return DeferredRecord(
        request_id=str(row["request_id"]),
        where=Where(str(row["base_url"]), str(row["account"])),
        created_at=float(row["created_at"]),
        model=str(row["model"]),
        prompt=str(row["prompt"]),
        options=json.loads(row["options"]),
        state=row["state"],
        answer=row["answer"],
        arrived_at=row["arrived_at"],
        error=row["error"],
    )
