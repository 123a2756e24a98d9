"""Writing the history off the hot path: entries go on a queue, one thread writes them.

A call only builds its entry and queues it (microseconds); the writer thread inserts whatever
has queued in one transaction, so a burst of ``--compare`` columns is one commit, and a slow
disk or another kernel holding the write lock never delays an answer. Queries flush first, so
``%grok_history`` right after a call sees it. A write that fails is reported once by
``%grok_history`` (``Recorder.error``); the calls themselves never fail for it.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xai_magics.history.entries import Entry
from xai_magics.history.where import notebook_path

if TYPE_CHECKING:
    from xai_magics.history.store import HistoryStore

__all__ = ["Recorder", "active", "disable", "enable"]

_REDACTED = "[redacted]"


def _scrub(entry: Entry) -> Entry:
    """The entry with the key's value replaced, wherever it slipped in (belt and braces)."""
    key = os.environ.get("XAI_API_KEY", "")
    if len(key) < 8:
        return entry
    return {k: v.replace(key, _REDACTED) if isinstance(v, str) else v for k, v in entry.items()}


class Recorder:
    """Queues entries and thread marks; a daemon thread writes them in order."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else None
        #: this kernel's calls, told apart from other kernels' in the store
        self.session = uuid.uuid4().hex[:12]
        self.error: str | None = None
        self._items: deque[tuple[str, Any]] = deque()
        self._pending = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def _forked(self) -> None:
        """In a forked child the writer thread is gone: start afresh (the parent writes its own)."""
        self._items = deque()
        self._pending = 0
        self._cond = threading.Condition()
        self._thread = None

    def store(self) -> HistoryStore:
        """The store this recorder writes to (opened, and SQLite imported, on first use)."""
        from xai_magics.history.store import open_history

        return open_history(self.data_dir)

    def add(self, entry: Entry) -> None:
        self._put("call", {**entry, "session": self.session})

    def mark_thread(self, thread: str) -> None:
        """Record that ``thread`` starts afresh in this notebook (``--new-thread``, reset)."""
        self._put("mark", (notebook_path(), thread, time.time()))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued is written; False if it took longer than ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def _put(self, kind: str, item: Any) -> None:
        with self._cond:
            self._items.append((kind, item))
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="xai-magics-history", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._items))
                batch = list(self._items)
                self._items.clear()
            try:
                self._write(batch)
            except Exception as exc:
                # Never raised into a cell: the answer is already shown; %grok_history says it.
                self.error = f"{len(batch)} call(s) were not recorded: {exc}"
            with self._cond:
                self._pending -= len(batch)
                self._cond.notify_all()

    def _write(self, batch: list[tuple[str, Any]]) -> None:
        store = self.store()
        calls = [_scrub(item) for kind, item in batch if kind == "call"]
        marks = [item for kind, item in batch if kind == "mark"]
        if calls:
            store.add(calls)
        for notebook, thread, at in marks:
            store.mark_thread(notebook, thread, at)


_active: Recorder | None = None
#: one recorder per folder for the life of the process: turning history off and on again
#: keeps the session's id and its writer thread
_made: dict[Path | None, Recorder] = {}
_lock = threading.Lock()


def active() -> Recorder | None:
    """The recorder calls are written to, or None when history is off."""
    return _active


def enable(data_dir: str | os.PathLike[str] | None = None) -> Recorder:
    """Record calls from now on (to the data dir, or ``data_dir``)."""
    global _active
    with _lock:
        wanted = Path(data_dir) if data_dir is not None else None
        made = _made.get(wanted)
        if made is None:
            made = _made[wanted] = Recorder(data_dir)
        _active = made
        return made


def disable() -> None:
    """Stop recording; what is queued is still written."""
    global _active
    with _lock:
        if _active is not None:
            _active.flush()
        _active = None


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()
    for made in _made.values():
        made._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _flush_at_exit() -> None:
    recorder = _active
    if recorder is not None:
        recorder.flush(timeout=5.0)
