"""Writing the cassette on a thread of its own, so that recording costs the answer being read
next to nothing: serialising a long streamed answer takes milliseconds that the user would
otherwise wait for at the end of every call. ``flush`` waits until everything so far is on disk.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from xai_magics.replay.cassette import Exchange, Writer
from xai_magics.replay.errors import CassetteError

__all__ = ["Spool"]


class Spool:
    """A queue of exchanges and the thread that writes them, in order, to one cassette."""

    def __init__(self, writer: Writer, prepare: Callable[[Exchange], Exchange]) -> None:
        self.path = writer.path
        self.written = 0
        #: why the last write failed (a full disk, say), for ``%grok_replay status``
        self.failure: str | None = None
        self._writer = writer
        self._prepare = prepare
        self._queue: queue.Queue[Exchange | None] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="xai-replay-writer", daemon=True)
        self._thread.start()

    def put(self, exchange: Exchange) -> None:
        if self._closed:  # a call still finishing as the mode changed: written here, now
            self._write(exchange)
            return
        self._queue.put(exchange)

    def flush(self) -> None:
        self._queue.join()

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while True:
            exchange = self._queue.get()
            try:
                if exchange is None:
                    return
                self._write(exchange)
            finally:
                self._queue.task_done()

    def _write(self, exchange: Exchange) -> None:
        try:
            self._writer.write(self._prepare(exchange))
        except (OSError, CassetteError) as exc:
            self.failure = f"cannot write to {self.path} ({exc})"
        else:
            self.written += 1
