"""AudioPlayer: a widget that plays speech while it is still arriving.

``ipywidgets.Audio`` resends the whole file on every change and restarts playback, so it cannot
stream. Here each piece of audio goes to the browser once, as a binary buffer in an anywidget
custom message (no base64 on the comm), and the front end schedules the pieces back to back with
Web Audio. Custom messages are not saved with the notebook: the caller shows an ordinary audio
output of the finished clip for that.

Sending never waits for the front end: browser replies queue behind running cells, so a cell that
waited for an acknowledgement would hang.
"""

from __future__ import annotations

import pathlib
import threading
import uuid
from collections.abc import Sequence
from typing import Literal

import anywidget
import traitlets

__all__ = ["AudioPlayer", "PlayerStatus"]

PlayerStatus = Literal["waiting", "streaming", "complete", "incomplete", "stopped", "error"]

_HERE = pathlib.Path(__file__).parent


class AudioPlayer(anywidget.AnyWidget):
    """Receives audio pieces with ``push`` and plays them as they come."""

    _esm = _HERE / "audio_player.js"
    _css = _HERE / "audio_player.css"

    #: keys the front end's per-player state; anywidget gives initialize() and render() different
    #: model objects, so state cannot hang off the model itself
    uid = traitlets.Unicode().tag(sync=True)
    codec = traitlets.Unicode("pcm").tag(sync=True)
    sample_rate = traitlets.Int(24000).tag(sync=True)
    #: the text being spoken, shown under the controls until timestamps replace it
    text = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("waiting").tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("speech").tag(sync=True)

    def __init__(self, *, codec: str = "pcm", sample_rate: int = 24000, text: str = "") -> None:
        super().__init__(
            uid=uuid.uuid4().hex, codec=codec, sample_rate=sample_rate, text=text, status="waiting"
        )
        self.chunks_sent = 0
        # Pieces may be pushed from a background thread while the kernel thread ends the stream.
        self._lock = threading.Lock()

    def push(self, audio: bytes, marks: Sequence[tuple[str, float]] = ()) -> None:
        """Send one piece of audio; ``marks`` are (characters, start second in the clip) pairs."""
        with self._lock:
            if self.status in ("complete", "incomplete", "stopped", "error"):
                return
            self.chunks_sent += 1
            content: dict[str, object] = {"type": "chunk", "seq": self.chunks_sent}
            if marks:
                content["chars"] = [chars for chars, _ in marks]
                content["starts"] = [round(start, 4) for _, start in marks]
            self.send(content, buffers=[audio])
            if self.status == "waiting":
                self.status = "streaming"

    def finish(self, status: PlayerStatus = "complete", note: str = "") -> None:
        """Tell the front end how many pieces to expect in all, and why the stream ended."""
        with self._lock:
            self.send({"type": "end", "chunks": self.chunks_sent, "status": status, "note": note})
            with self.hold_sync():
                self.status = status
                self.note = note

    def clear(self, note: str = "") -> None:
        """Stop playback now and drop audio not yet played."""
        with self._lock:
            self.send({"type": "clear", "note": note})
            with self.hold_sync():
                self.status = "stopped"
                self.note = note
