"""The history store: one SQLite file in the data dir, shared by every kernel of the user.

Several kernels write to it at once, so the file is in WAL mode (readers never wait for a writer),
each write is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken up front, so two
writers queue instead of failing halfway) and a busy timeout lets a writer wait its turn. The
file is created ``0600`` before SQLite opens it: prompts and answers are the user's business
alone (SQLite gives its ``-wal`` and ``-shm`` files the main file's mode).

The schema is versioned with ``PRAGMA user_version``; a file written by a newer xai-magics is
refused (``HistoryUnavailable``) rather than misread.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xai_magics.datadir import default_data_dir

__all__ = ["COLUMNS", "SCHEMA_VERSION", "HistoryStore", "HistoryUnavailable", "open_history"]

FILE_NAME = "history.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 10.0

#: the columns of ``calls`` after ``id``, in order (an entry is a mapping with these keys)
COLUMNS: tuple[str, ...] = (
    "at",
    "session",
    "notebook",
    "cell_id",
    "kind",
    "server",
    "model_requested",
    "model",
    "tier_requested",
    "tier",
    "thread",
    "turn_key",
    "system",
    "prompt",
    "answer",
    "reasoning",
    "options",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "requests",
    "cost_usd",
    "estimated",
    "response_id",
    "previous_response_id",
    "ttft_s",
    "elapsed_s",
    "outcome",
    "status",
    "error",
    "retries",
)

# Migrations by the version they lead to; each runs inside one transaction.
_MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    session TEXT NOT NULL,
    notebook TEXT,
    cell_id TEXT,
    kind TEXT NOT NULL,
    server TEXT,
    model_requested TEXT NOT NULL,
    model TEXT,
    tier_requested TEXT,
    tier TEXT,
    thread TEXT,
    turn_key TEXT,
    system TEXT,
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL,
    reasoning TEXT,
    options TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 1,
    cost_usd REAL,
    estimated INTEGER NOT NULL DEFAULT 0,
    response_id TEXT,
    previous_response_id TEXT,
    ttft_s REAL,
    elapsed_s REAL,
    outcome TEXT NOT NULL,
    status TEXT,
    error TEXT,
    retries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX calls_by_time ON calls(at);
CREATE INDEX calls_by_thread ON calls(notebook, thread);
CREATE TABLE thread_marks (
    notebook TEXT,
    thread TEXT NOT NULL,
    at REAL NOT NULL
);
""",
}


class HistoryUnavailable(Exception):
    """The store cannot be used (a newer schema, an unreadable file); the message says why."""


def _create_private(path: Path) -> None:
    """Create ``path`` with mode 0600 (or tighten it): before SQLite would create it 0644."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)


class HistoryStore:
    """Thread-safe access to the history file: one connection, one lock, one writer at a time."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        directory = Path(data_dir) if data_dir is not None else default_data_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path = directory / FILE_NAME
            _create_private(self.path)
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise HistoryUnavailable(f"cannot open the history in {directory}: {exc}") from None
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # Forgotten calls are overwritten, not left readable in free pages.
            self._db.execute("PRAGMA secure_delete=ON")
            self._migrate()
        except sqlite3.Error as exc:
            self._db.close()
            raise HistoryUnavailable(f"cannot use the history file {self.path}: {exc}") from None

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from its first statement."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise HistoryUnavailable(
                    f"{self.path} was written by a newer xai-magics (schema {version}, this one "
                    f"reads {SCHEMA_VERSION}): upgrade xai-magics, or set "
                    "%config GrokMagics.history = False"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")

    # -- writing ----------------------------------------------------------------------------

    def add(self, entries: Sequence[dict[str, Any]]) -> list[int]:
        """Insert entries (mappings over ``COLUMNS``; a missing or None field takes the column's
        default) in one transaction; their ids."""
        ids = []
        with self._write() as db:
            for entry in entries:
                names = [c for c in COLUMNS if entry.get(c) is not None]
                sql = (
                    f"INSERT INTO calls ({', '.join(names)}) "
                    f"VALUES ({', '.join('?' for _ in names)})"
                )
                cursor = db.execute(sql, tuple(entry[c] for c in names))
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def mark_thread(self, notebook: str | None, thread: str, at: float) -> None:
        """Say that ``thread`` restarted at ``at``: its earlier turns are not continued."""
        with self._write() as db:
            db.execute(
                "INSERT INTO thread_marks (notebook, thread, at) VALUES (?, ?, ?)",
                (notebook, thread, at),
            )

    def clear(self, before: float | None = None) -> int:
        """Forget every call (or those made before ``before``, a Unix time); the count gone."""
        with self._write() as db:
            where, params = ("", ()) if before is None else (" WHERE at < ?", (before,))
            count = db.execute("DELETE FROM calls" + where, params).rowcount
            db.execute("DELETE FROM thread_marks" + where, params)
        with self._lock:
            # The old pages stay in the write-ahead log until it is checkpointed.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    # -- reading ----------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only statement over ``calls`` (queries.py builds them)."""
        with self._lock:
            return list(self._db.execute(sql, tuple(params)).fetchall())


_open: dict[Path, HistoryStore] = {}
_open_lock = threading.Lock()
#: the parent's stores, kept (never closed or collected) in a forked child: SQLite connections
#: must not cross a fork, and the child opens its own
_inherited: list[HistoryStore] = []


def _after_fork_in_child() -> None:
    global _open_lock
    _open_lock = threading.Lock()
    _inherited.extend(_open.values())
    _open.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def open_history(data_dir: str | os.PathLike[str] | None = None) -> HistoryStore:
    """The process's one ``HistoryStore`` for this folder (default: the data dir)."""
    directory = (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()
    with _open_lock:
        store = _open.get(directory)
        if store is None:
            store = _open[directory] = HistoryStore(directory)
        return store
