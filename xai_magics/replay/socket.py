"""Speech streams (the ``/v1/tts`` WebSocket) in a cassette: one exchange per utterance.

An utterance is the text sent up to ``text.done`` and the frames that came back until
``audio.done`` (or ``audio.clear`` after ``text.clear``). Its canonical request is the socket's
path and query (voice, codec, rate) with that text, so the same words in the same voice replay
the same audio. Both classes stand in for ``websockets``' sync ``ClientConnection``, offering
the part of it ``TTSSession`` uses: ``send``, ``recv``, ``close`` and the context manager.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from xai_magics.replay.cassette import Exchange
from xai_magics.replay.fingerprint import Canonical

__all__ = ["RecordingSocket", "ReplayedSocket", "utterance"]

#: the content type under which a socket's frames are kept, one chunk per frame
FRAMES = "text/x-websocket-frames"
_ENDS = ("audio.done", "audio.clear")

Connect = Callable[[], Any]
Lookup = Callable[[Canonical], Exchange | None]


def utterance(url: str, text: str) -> Canonical:
    """The canonical request for ``text`` spoken on the socket at ``url``."""
    parts = urlsplit(url)
    query = dict(sorted(parse_qsl(parts.query)))
    return Canonical("WEBSOCKET", parts.path, query, {"text": text})


class _Utterance:
    """The text sent since the last utterance ended."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.text = ""

    def sent(self, message: str) -> str | None:
        """Note a client frame; returns its type."""
        self.messages.append(message)
        try:
            doc = json.loads(message)
        except ValueError:
            return None
        if not isinstance(doc, dict):
            return None
        if doc.get("type") == "text.delta" and isinstance(doc.get("delta"), str):
            self.text += doc["delta"]
        kind = doc.get("type")
        return kind if isinstance(kind, str) else None

    def reset(self) -> None:
        self.messages.clear()
        self.text = ""


def _frame_type(frame: str | bytes) -> str | None:
    try:
        doc = json.loads(frame)
    except ValueError:
        return None
    kind = doc.get("type") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) else None


class RecordingSocket:
    """A live connection whose utterances are saved as they end."""

    def __init__(self, connection: Any, url: str, save: Callable[[Exchange], None]) -> None:
        self._connection = connection
        self._url = url
        self._save = save
        self._utterance = _Utterance()
        self._frames: list[tuple[float, bytes]] = []
        self._asked_at: float | None = None

    @property
    def request(self) -> Any:
        return self._connection.request

    def __enter__(self) -> RecordingSocket:
        self._connection.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.__exit__(*exc)

    def send(self, message: str) -> None:
        kind = self._utterance.sent(message)
        if kind in ("text.done", "text.clear") and self._asked_at is None:
            self._asked_at = time.monotonic()
        self._connection.send(message)

    def recv(self, timeout: float | None = None) -> str | bytes:
        frame: str | bytes = self._connection.recv(timeout=timeout)
        self._frames.append((time.monotonic(), frame.encode() if isinstance(frame, str) else frame))
        if _frame_type(frame) in _ENDS:
            # Replay can look an utterance up only once its text is complete: audio that came
            # while the text was still arriving replays from the moment it is.
            done = self._asked_at or time.monotonic()
            frames = [(max(0.0, at - done), data) for at, data in self._frames]
            asked = utterance(self._url, self._utterance.text)
            self._save(Exchange(asked, 101, {"content-type": FRAMES}, 0.0, frames))
            self._frames.clear()
            self._utterance.reset()
            self._asked_at = None
        return frame

    def close(self) -> None:
        self._connection.close()


class ReplayedSocket:
    """Answers each utterance from the cassette; on a miss, ``on_miss`` decides: it raises, or
    returns a live connection that takes over (``--fallback live``)."""

    request = None

    def __init__(
        self,
        url: str,
        lookup: Lookup,
        on_miss: Callable[[Canonical], Any],
        *,
        paced: bool,
    ) -> None:
        self._url = url
        self._lookup = lookup
        self._on_miss = on_miss
        self._paced = paced
        self._utterance = _Utterance()
        #: (when it is due, frame) for the utterances asked so far
        self._frames: deque[tuple[float, str]] = deque()
        self._ready = threading.Condition()
        self._live: Any = None

    def __enter__(self) -> ReplayedSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, message: str) -> None:
        if self._live is not None:
            self._live.send(message)
            return
        kind = self._utterance.sent(message)
        if kind not in ("text.done", "text.clear"):
            return
        asked = utterance(self._url, self._utterance.text)
        found = self._lookup(asked)
        if found is None:
            self._live = self._on_miss(asked)
            for earlier in self._utterance.messages:
                self._live.send(earlier)
            return
        start = time.monotonic()
        with self._ready:
            for at, data in found.chunks:
                self._frames.append((start + at if self._paced else 0.0, data.decode()))
            self._ready.notify_all()
        self._utterance.reset()

    def recv(self, timeout: float | None = None) -> str | bytes:
        if self._live is not None:
            frame: str | bytes = self._live.recv(timeout=timeout)
            return frame
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._ready:
            while True:
                now = time.monotonic()
                due = self._frames[0][0] if self._frames else None
                if due is not None and due <= now:
                    return self._frames.popleft()[1]
                if deadline is not None and now >= deadline:
                    raise TimeoutError
                # until the next frame is due (or one is asked for), within the timeout
                times = [t for t in (due, deadline) if t is not None]
                self._ready.wait(max(0.0, min(times) - now) if times else None)

    def close(self) -> None:
        if self._live is not None:
            self._live.close()
