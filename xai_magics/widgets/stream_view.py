"""StreamView: an answer streaming into a notebook output at a bounded message rate, rendered
as its Markdown blocks complete.

Re-sending the whole text on every token makes iopub bytes grow with the square of the answer
and floods the server's 1,000 messages/s limit. Here only the new text travels, as anywidget
custom messages, and pieces are coalesced so that one view sends at most ``max_rate`` messages a
second. Each Markdown block that the text completes is rendered once, by the final output's safe
renderer (:mod:`xai_magics.rendering.live_blocks`), and sent with the message that completes it;
the front end shows it in place of the text it stands for. The open tail is appended as text
nodes (no HTML parsing), so nothing the model writes can run, in a box MathJax is told to skip,
and control characters are taken out before sending, as from the final output.
Custom messages are not saved with a notebook: the caller replaces this view with an ordinary
output when the stream ends.
"""

from __future__ import annotations

import pathlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import anywidget
import traitlets

from xai_magics.rendering.controls import strip_controls
from xai_magics.rendering.live_blocks import LiveBlocks

__all__ = ["Coalescer", "StreamView"]

_HERE = pathlib.Path(__file__).parent


@dataclass
class Coalescer:
    """Collects text pieces and releases them at most once per ``interval_s``.

    Pure (the clock is injected), so its rate guarantee is tested without a kernel. The pending
    pieces are deques: one thread may append while another drains (under its own lock), and a
    piece is either taken by a drain or left for the next one, never lost.
    """

    interval_s: float = 0.05
    clock: Callable[[], float] = time.monotonic
    pending_text: deque[str] = field(default_factory=deque)
    pending_reasoning: deque[str] = field(default_factory=deque)
    _last: float = float("-inf")

    def add(self, *, text: str = "", reasoning: str = "") -> dict[str, str] | None:
        """Buffer a piece; returns a message to send when the interval has passed."""
        if text:
            self.pending_text.append(text)
        if reasoning:
            self.pending_reasoning.append(reasoning)
        if self.clock() - self._last < self.interval_s:
            return None
        return self.drain()

    def drain(self) -> dict[str, str] | None:
        """Everything buffered, as one message (``None`` when nothing is pending)."""
        message: dict[str, str] = {}
        if self.pending_text:
            message["text"] = _take_all(self.pending_text)
        if self.pending_reasoning:
            message["reasoning"] = _take_all(self.pending_reasoning)
        if not message:
            return None
        self._last = self.clock()
        return message


def _take_all(pieces: deque[str]) -> str:
    # popleft, not clear(): a piece appended meanwhile stays for the next drain
    return "".join([pieces.popleft() for _ in range(len(pieces))])


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

    def __init__(
        self, *, max_rate: float = 5.0, held: Coalescer | None = None, markdown: bool = True
    ) -> None:
        """``held``: text gathered before the view was made (its pieces are shown first).
        ``markdown``: show blocks rendered as they complete (not for answers whose final output
        is plain text or a code block)."""
        super().__init__(uid=uuid.uuid4().hex)
        self._coalescer = held if held is not None else Coalescer(interval_s=1.0 / max_rate)
        # A ticker thread sends what was pushed, at most once per interval, from the first push
        # to flush(): pushing a token is then one append, and text held back when the stream
        # pauses is still sent. The lock keeps its sends and the caller's in order.
        self._lock = threading.Lock()
        self._ticker: threading.Event | None = None
        self._blocks = LiveBlocks() if markdown else None
        self.messages_sent = 0
        StreamView.created += 1
        self.on_msg(_note_rendered)
        previous, StreamView.last = StreamView.last, self
        if previous is not None:
            previous.close()

    def push(self, *, text: str = "", reasoning: str = "") -> None:
        """Add streamed text; sent at the latest one interval later.

        ``%%grok`` appends to the ``held`` coalescer's deques instead (one call per token) and
        starts the ticker itself.
        """
        if text:
            self._coalescer.pending_text.append(text)
        if reasoning:
            self._coalescer.pending_reasoning.append(reasoning)
        if self._ticker is None:
            self.start_ticker()

    def set_status(self, status: str) -> None:
        """Replace the status line (retrying, stopped, error), sending pending text first."""
        with self._lock:
            message = self._coalescer.drain() or {}
            message["status"] = status
            self._send_delta(message)

    def add_tool(self, line: str) -> None:
        """Show one line of tool activity ("searching the web: ..."), after the text so far."""
        with self._lock:
            message = self._coalescer.drain() or {}
            message["tool"] = line
            self._send_delta(message)

    def flush(self) -> None:
        """Send everything held back, now (the stream ended), and stop the ticker."""
        with self._lock:
            if self._ticker is not None:
                self._ticker.set()
                self._ticker = None
            self._send_delta(self._coalescer.drain() or {}, last=True)

    def start_ticker(self) -> None:
        """Send what is held now and start the ticker (the first push does this by itself).

        The first piece is sent at once, so the first token shows without waiting an interval.
        """
        if self._ticker is not None:
            return
        with self._lock:
            message = self._coalescer.drain()
            if message is not None:
                self._send_delta(message)
        stopped = threading.Event()
        self._ticker = stopped
        ticker = threading.Thread(
            target=self._tick, args=(stopped,), name="xai-magics-stream-view", daemon=True
        )
        ticker.start()

    def _tick(self, stopped: threading.Event) -> None:
        while not stopped.wait(self._coalescer.interval_s):
            with self._lock:
                # flushed, or closed by the next view when an answer ended without a flush
                if stopped.is_set() or self.comm is None:
                    return
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

    def _send_delta(self, message: dict[str, str], *, last: bool = False) -> None:
        # The same characters the final output drops (one character never spans two pieces).
        content: dict[str, str | int] = {
            key: strip_controls(value) for key, value in message.items()
        }
        text = str(content.get("text", ""))
        rendered = self._blocks.feed(text, last=last) if self._blocks is not None else None
        if rendered is not None:
            # the tail's first ``rendered`` characters, after this text, now show as ``html``
            content["html"], content["rendered"] = rendered.html, rendered.consumed
        if last:
            content["done"] = 1  # the front end shows it now, not at its next paced update
        if content:
            self.messages_sent += 1
            self.send(content)


def _note_rendered(widget: object, content: object, buffers: object) -> None:
    if isinstance(content, dict) and content.get("type") == "rendered":
        StreamView.rendered_somewhere = True
