"""StreamView: an answer streaming into a notebook output at a bounded message rate.

Re-sending the whole text on every token makes iopub bytes grow with the square of the answer
and floods the server's 1,000 messages/s limit. Here only the new text travels, as anywidget
custom messages, and pieces are coalesced so that one view sends at most ``max_rate`` messages a
second. The front end appends text nodes (no HTML parsing), so nothing the model writes can run.
Custom messages are not saved with a notebook: the caller replaces this view with an ordinary
output when the stream ends.
"""

from __future__ import annotations

import pathlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import anywidget
import traitlets

__all__ = ["Coalescer", "StreamView"]

_HERE = pathlib.Path(__file__).parent


@dataclass
class Coalescer:
    """Collects text pieces and releases them at most once per ``interval_s``.

    Pure (the clock is injected), so its rate guarantee is tested without a kernel.
    """

    interval_s: float = 0.05
    clock: Callable[[], float] = time.monotonic
    _text: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)
    _last: float = float("-inf")

    def add(self, *, text: str = "", reasoning: str = "") -> dict[str, str] | None:
        """Buffer a piece; returns a message to send when the interval has passed."""
        if text:
            self._text.append(text)
        if reasoning:
            self._reasoning.append(reasoning)
        if self.clock() - self._last < self.interval_s:
            return None
        return self.drain()

    def add_text(self, text: str) -> dict[str, str] | None:
        """``add(text=...)`` without the keyword handling: the per-token hot path."""
        self._text.append(text)
        if self.clock() - self._last < self.interval_s:
            return None
        return self.drain()

    def drain(self) -> dict[str, str] | None:
        """Everything buffered, as one message (``None`` when nothing is pending)."""
        message: dict[str, str] = {}
        if self._text:
            message["text"] = "".join(self._text)
            self._text.clear()
        if self._reasoning:
            message["reasoning"] = "".join(self._reasoning)
            self._reasoning.clear()
        if not message:
            return None
        self._last = self.clock()
        return message


class StreamView(anywidget.AnyWidget):
    """The live view of one answer: reasoning (collapsed), text, and a status line."""

    _esm = _HERE / "stream_view.js"
    _css = _HERE / "stream_view.css"

    #: keys the front end's per-stream state (anywidget gives initialize() and render()
    #: different model objects)
    uid = traitlets.Unicode().tag(sync=True)

    #: views created in this kernel, and whether any front end ever drew one: a kernel run by
    #: nbclient/nbconvert has no widget manager, so nothing ever reports back.
    created: int = 0
    rendered_somewhere: bool = False
    #: the previous view stays open until the next one is made: the front end's "rendered"
    #: report reaches the kernel only after the cell ends, and a closed comm would drop it
    last: StreamView | None = None

    def __init__(self, *, max_rate: float = 20.0) -> None:
        super().__init__(uid=uuid.uuid4().hex)
        self._coalescer = Coalescer(interval_s=1.0 / max_rate)
        # A timer sends what is held back when the stream pauses (tokens often arrive in bursts),
        # so the lock keeps the cell's thread and the timer's sends in order.
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.messages_sent = 0
        StreamView.created += 1
        self.on_msg(_note_rendered)
        previous, StreamView.last = StreamView.last, self
        if previous is not None:
            previous.close()

    def push(self, *, text: str = "", reasoning: str = "") -> None:
        """Add streamed text; sent now, or at the latest one interval later."""
        with self._lock:
            message = self._coalescer.add(text=text, reasoning=reasoning)
            if message is not None:
                self._send_delta(message)
            elif self._timer is None:
                self._start_timer()

    def push_text(self, text: str) -> None:
        """``push(text=...)`` for one answer token: called thousands of times a second."""
        with self._lock:
            message = self._coalescer.add_text(text)
            if message is not None:
                self._send_delta(message)
            elif self._timer is None:
                self._start_timer()

    def set_status(self, status: str) -> None:
        """Replace the status line (retrying, stopped, error), sending pending text first."""
        with self._lock:
            message = self._coalescer.drain() or {}
            message["status"] = status
            self._send_delta(message)

    def flush(self) -> None:
        """Send everything held back, now (the stream ended)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            message = self._coalescer.drain()
            if message is not None:
                self._send_delta(message)

    def _start_timer(self) -> None:
        self._timer = threading.Timer(self._coalescer.interval_s, self._flush_later)
        self._timer.daemon = True
        self._timer.start()

    def _flush_later(self) -> None:
        with self._lock:
            if self._timer is None:  # flushed (and maybe closed) in the meantime
                return
            self._timer = None
            message = self._coalescer.drain()
            if message is not None:
                self._send_delta(message)

    @classmethod
    def front_end_draws_widgets(cls) -> bool:
        """False once a view was shown and no front end ever said it drew one.

        The report comes back only when the kernel is between cells (front-end messages queue
        behind running cells), so the first view is always tried.
        """
        return cls.rendered_somewhere or cls.created == 0

    def _send_delta(self, message: dict[str, str]) -> None:
        self.messages_sent += 1
        self.send(message)


def _note_rendered(widget: object, content: object, buffers: object) -> None:
    if isinstance(content, dict) and content.get("type") == "rendered":
        StreamView.rendered_somewhere = True
