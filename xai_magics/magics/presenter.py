"""Shows one streaming answer in whatever is running the cell.

* A kernel with a widget front end: a ``StreamView`` receives the deltas (coalesced, text only).
* ``text`` mode (forced, or no widgets): deltas go to stdout, which ipykernel batches.
* Terminal IPython: deltas go to stdout and stay there.

In a kernel, the live output is replaced at the end by ONE ordinary display_data (safe HTML,
Markdown, plain text, receipt in the metadata) so that a saved notebook shows the answer with no
kernel and no widget state.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from xai_magics.alarm import Alarm, set_alarm
from xai_magics.rendering.controls import strip_controls

#: Between the live view's last piece and the final output: the view paces its updates (five a
#: second) and shows the end of the answer as soon as it arrives, but the page needs a frame to
#: draw it before the swap, or the last lines appear only with the final output.
LAST_FRAME_S = 0.1

if TYPE_CHECKING:
    from xai_magics.api import AnswerStream
    from xai_magics.client import Retrying
    from xai_magics.magics.speaking import SpeechPlan
    from xai_magics.result import GrokResult
    from xai_magics.widgets.stream_view import StreamView

__all__ = ["DisplayMode", "present_stream", "resolve_mode", "retry_line"]

DisplayMode = Literal["widget", "text", "terminal"]


def resolve_mode(shell: Any, setting: str) -> DisplayMode:
    """``auto``: the widget in a kernel whose front end draws widgets, plain text elsewhere.

    A front end reports the first view it draws; a kernel run headless (nbclient, nbconvert)
    never hears back, so from its second answer on it streams text instead of widget state.
    """
    if getattr(shell, "kernel", None) is None:
        return "terminal"
    if setting == "text":
        return "text"
    try:
        from xai_magics.widgets.stream_view import StreamView
    except ImportError:
        return "text"
    if setting == "auto" and not StreamView.front_end_draws_widgets():
        return "text"
    return "widget"


def present_stream(
    answer: AnswerStream,
    *,
    mode: DisplayMode,
    fmt: str,
    max_rate: float,
    live_view_after_s: float,
    speech: SpeechPlan | None = None,
) -> GrokResult:
    """Stream ``answer`` into the output; interrupt stops it and keeps the partial answer.

    With ``speech``, the answer is also spoken as it arrives; the text answer is shown in full
    before waiting for the rest of the audio, and an interrupt stops both.
    """
    from xai_magics.client import ReasoningDelta, TextDelta, ToolActivity
    from xai_magics.magics.speaking import SpokenAnswer

    if speech is not None:
        live_view_after_s = 0.0  # the answer's place is above the player shown next
    sink: _WidgetSink | _TextSink = (
        _WidgetSink(max_rate, live_view_after_s, markdown=fmt == "markdown")
        if mode == "widget"
        else _TextSink(mode, live_view_after_s)
    )
    spoken = SpokenAnswer(speech, show_player=mode == "widget") if speech else None
    show = sink.text
    text = show if spoken is None else _both(show, spoken.feed)
    retrying = False
    try:
        for event in answer:
            # an answer is thousands of text deltas: one type check and one call each
            if type(event) is TextDelta and not retrying:
                text(event.text)
            elif isinstance(event, TextDelta):
                sink.status("")
                retrying = False
                text(event.text)
            elif isinstance(event, ReasoningDelta):
                sink.reasoning(event.text)
            elif isinstance(event, ToolActivity):
                sink.tool(event.line)
            else:
                retrying = True
                sink.status(retry_line(event))
    except KeyboardInterrupt:
        answer.stop()
        if spoken is not None:
            spoken.cancel()
    result = answer.result()
    sink.finish(result, fmt)
    if spoken is not None:
        spoken.finish()
        result.speech = spoken.result
    return result


def retry_line(notice: Retrying) -> str:
    """Why nothing has arrived yet: the same words in the live view, a status line or --compare."""
    return f"retrying in {notice.delay_s:.1f} s (attempt {notice.attempt + 1}): {notice.reason}"


def _both(first: Callable[[str], object], second: Callable[[str], object]) -> Callable[[str], None]:
    def both(piece: str) -> None:
        first(piece)
        second(piece)

    return both


def final_bundle(result: GrokResult, fmt: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The output that stays in the notebook. An error's message is raised, not shown twice."""
    from xai_magics.result import GrokResult

    if result.status == "error":
        # the text that arrived, and what it cost (estimated: its usage never came)
        shown = GrokResult(
            text=result.text,
            status="completed",
            model_requested="",
            usage=result.usage,
            receipt=result.receipt if result.text else None,
        )
        data, _ = shown.mime_bundle(fmt)
        if not result.text:
            data = {"text/plain": ""}
        _, meta = result.mime_bundle(fmt)
        return data, meta
    return result.mime_bundle(fmt)


class _WidgetSink:
    """Tokens are held from the start; a live view is made for them only while there is
    streaming to watch.

    A view costs a comm and a display (a few ms of kernel time, and a flash in the output for an
    answer that is already complete). It is made ``live_view_after_s`` after the request (by
    the alarm thread, so a slow first token or a stalled stream still gets it), unless the
    answer has ended by then: an answer that ends sooner (a short one, a cached one) is shown
    once, as its final output. A status line (retrying) makes the view at once; with
    ``live_view_after_s == 0`` it is made before the request.
    """

    def __init__(self, max_rate: float, live_view_after_s: float, *, markdown: bool) -> None:
        from xai_magics.widgets.stream_view import Coalescer

        self.held = Coalescer(interval_s=1.0 / max_rate)
        #: one token in: a deque append, whether the view exists yet or not
        self.text: Callable[[str], None] = self.held.pending_text.append
        self._max_rate = max_rate
        self._markdown = markdown
        self._view: StreamView | None = None
        self._handle: Any = None
        self._ended = False
        self._lock = threading.Lock()
        self._alarm: Alarm | None = None
        if live_view_after_s > 0:
            self._alarm = set_alarm(live_view_after_s, self._show)
        else:
            self._make_view()

    def reasoning(self, piece: str) -> None:
        self.held.pending_reasoning.append(piece)

    def tool(self, line: str) -> None:
        with self._lock:
            view = self._view or self._make_view()
        view.add_tool(line)

    def status(self, line: str) -> None:
        with self._lock:
            view = self._view or self._make_view()
        view.set_status(line)

    def finish(self, result: GrokResult, fmt: str) -> None:
        from IPython.display import display

        if self._alarm is not None:
            self._alarm.cancel()
        with self._lock:  # a view being made by the alarm is finished first
            self._ended = True
            view, handle = self._view, self._handle
        data, meta = final_bundle(result, fmt)
        if view is None:
            display(data, metadata=meta, raw=True)  # type: ignore[no-untyped-call]
            return
        view.flush()
        time.sleep(LAST_FRAME_S)
        # The view is closed when the next one is made (see StreamView.last).
        handle.update(data, metadata=meta, raw=True)

    def _show(self) -> None:
        with self._lock:
            if not self._ended and self._view is None:
                self._make_view()

    def _make_view(self) -> StreamView:
        from IPython.display import display

        from xai_magics.widgets.stream_view import StreamView

        view = StreamView(max_rate=self._max_rate, held=self.held, markdown=self._markdown)
        self._handle = display(view, display_id=True)  # type: ignore[no-untyped-call]
        view.start_ticker()
        self._view = view
        return view


class _TextSink:
    """Deltas as stdout text. In a kernel they are held for the first ``live_view_after_s``, as
    the widget's are: an answer complete by then (a short one, a replayed one) is shown once,
    as its final output, with no stream text to write, flush and clear first."""

    def __init__(self, mode: DisplayMode, live_view_after_s: float = 0.0) -> None:
        self.mode = mode
        self._wrote = False
        self._due = False
        self._held: list[str] | None = None
        self._alarm: Alarm | None = None
        if mode == "text" and live_view_after_s > 0:
            self._held = []
            self._alarm = set_alarm(live_view_after_s, self._make_due)

    def _make_due(self) -> None:
        # only a flag: the held text is written by the thread that reads the stream
        self._due = True

    def _release(self) -> None:
        held, self._held = self._held, None
        if held:
            self._write("".join(held))

    def _write(self, text: str) -> None:
        self._wrote = True
        sys.stdout.write(text)

    def text(self, piece: str) -> None:
        held = self._held
        if held is None:
            self._write(piece)
            return
        held.append(piece)
        if self._due:
            self._release()

    def reasoning(self, piece: str) -> None:
        """Reasoning is not printed in text mode; it is in the final output's details block."""

    def status(self, line: str) -> None:
        if line:
            self._release()
            self._write(f"\n[{line}]\n")

    def tool(self, line: str) -> None:
        self._release()
        self._write(f"[{strip_controls(line)}]\n")

    def finish(self, result: GrokResult, fmt: str) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        if self.mode == "terminal" or self._wrote:
            sys.stdout.flush()
        if self.mode == "terminal":
            if result.sources:  # the numbered sources the answer's [[n]] marks point to
                from xai_magics.rendering.tool_report import render_sources

                sys.stdout.write("\n\n" + render_sources(result.sources)[2])
            tail = [line for line in (result.status_line(), result.receipt_line()) if line]
            if result.status != "error" and tail:
                sys.stdout.write("\n\n" + "\n".join(f"[{line}]" for line in tail) + "\n")
            sys.stdout.flush()
            return
        from IPython.display import clear_output, display

        data, meta = final_bundle(result, fmt)
        if self._wrote:
            clear_output(wait=True)  # type: ignore[no-untyped-call]
        display(data, metadata=meta, raw=True)  # type: ignore[no-untyped-call]
