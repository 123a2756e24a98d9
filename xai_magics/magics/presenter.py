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
from typing import Any, Literal

from xai_magics.api import AnswerStream
from xai_magics.magics.speaking import SpeechPlan, SpokenAnswer
from xai_magics.result import GrokResult

__all__ = ["DisplayMode", "present_stream", "resolve_mode"]

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
    speech: SpeechPlan | None = None,
) -> GrokResult:
    """Stream ``answer`` into the output; interrupt stops it and keeps the partial answer.

    With ``speech``, the answer is also spoken as it arrives; the text answer is shown in full
    before waiting for the rest of the audio, and an interrupt stops both.
    """
    from xai_magics.client import ReasoningDelta, TextDelta

    # The widget (a comm, a display) is made while the request waits for its first byte.
    answer.start()
    try:
        sink = _WidgetSink(max_rate) if mode == "widget" else _TextSink(mode)
        spoken = SpokenAnswer(speech, show_player=mode == "widget") if speech else None
    except BaseException:
        answer.stop()
        raise
    retrying = False
    text = sink.text
    try:
        for event in answer:
            if isinstance(event, TextDelta):
                if retrying:
                    sink.status("")
                    retrying = False
                text(event.text)
                if spoken is not None:
                    spoken.feed(event.text)
            elif isinstance(event, ReasoningDelta):
                sink.reasoning(event.text)
            else:
                retrying = True
                sink.status(
                    f"retrying in {event.delay_s:.1f} s (attempt {event.attempt + 1}): "
                    f"{event.reason}"
                )
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


def final_bundle(result: GrokResult, fmt: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The output that stays in the notebook. An error's message is raised, not shown twice."""
    if result.status == "error":
        shown = GrokResult(text=result.text, status="completed", model_requested="")
        data, _ = shown.mime_bundle(fmt)
        if not result.text:
            data = {"text/plain": ""}
        _, meta = result.mime_bundle(fmt)
        return data, meta
    return result.mime_bundle(fmt)


class _WidgetSink:
    def __init__(self, max_rate: float) -> None:
        from IPython.display import display

        from xai_magics.widgets.stream_view import StreamView

        self.view = StreamView(max_rate=max_rate)
        self.handle = display(self.view, display_id=True)  # type: ignore[no-untyped-call]

    def text(self, piece: str) -> None:
        self.view.push_text(piece)

    def reasoning(self, piece: str) -> None:
        self.view.push(reasoning=piece)

    def status(self, line: str) -> None:
        self.view.set_status(line)

    def finish(self, result: GrokResult, fmt: str) -> None:
        self.view.flush()
        data, meta = final_bundle(result, fmt)
        # The view is closed when the next one is made (see StreamView.last).
        self.handle.update(data, metadata=meta, raw=True)


class _TextSink:
    def __init__(self, mode: DisplayMode) -> None:
        self.mode = mode

    def text(self, piece: str) -> None:
        sys.stdout.write(piece)

    def reasoning(self, piece: str) -> None:
        """Reasoning is not printed in text mode; it is in the final output's details block."""

    def status(self, line: str) -> None:
        if line:
            sys.stdout.write(f"\n[{line}]\n")

    def finish(self, result: GrokResult, fmt: str) -> None:
        sys.stdout.flush()
        if self.mode == "terminal":
            tail = [line for line in (result.status_line(), _receipt(result)) if line]
            if result.status != "error" and tail:
                sys.stdout.write("\n\n" + "\n".join(f"[{line}]" for line in tail) + "\n")
            sys.stdout.flush()
            return
        from IPython.display import clear_output, display

        data, meta = final_bundle(result, fmt)
        clear_output(wait=True)  # type: ignore[no-untyped-call]
        display(data, metadata=meta, raw=True)  # type: ignore[no-untyped-call]


def _receipt(result: GrokResult) -> str:
    return result.receipt.summary() if result.receipt and result.usage is not None else ""
