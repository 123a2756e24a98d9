"""BatchProgress: a live view of one batch job, with a cancel button.

Built from stock ipywidgets (a label, a progress bar, a button), which every Jupyter front end
already renders. It renders ``JobSnapshot`` objects and parses nothing. Snapshots arrive from the
poller's thread; updates are throttled (at most one per ``min_interval_s``, the last one always
delivered) and applied under ``hold_sync()`` so each update is one comm message per widget.
Everything shown is our own text (counts, ids, error messages), escaped all the same.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from xai_magics.batch.progress import FINAL_BATCH_STATUSES, JobSnapshot, job_state
from xai_magics.render import NO_TEX_CLASSES, escape, render_table, text_table
from xai_magics.usage import format_usd

if TYPE_CHECKING:
    from xai_magics.batch.preview import ResultPreview

__all__ = ["RESULTS_LEAD", "BatchProgress", "describe"]

RESULTS_LEAD = "Get the results:"


def describe(snapshot: JobSnapshot) -> str:
    """One line of plain text: what the batch is doing and what it cost so far."""
    if snapshot.batch_status == "submitting":
        parts = [
            f"{snapshot.name}: sending requests",
            f"{snapshot.sent:,}/{snapshot.total:,} added",
        ]
    else:
        parts = [
            f"{snapshot.name}: {job_state(snapshot)}",
            f"{snapshot.done:,}/{snapshot.total:,} done",
            f"{snapshot.pending:,} pending",
            f"{snapshot.succeeded:,} succeeded",
            f"{snapshot.failed:,} failed",
            f"{snapshot.cancelled:,} cancelled",
        ]
        if snapshot.skipped:
            parts.append(f"{snapshot.skipped:,} skipped")
    parts.append(_elapsed(snapshot.elapsed_s))
    cost = _cost(snapshot)
    if cost:
        parts.append(cost)
    return " · ".join(parts)


def _cost(snapshot: JobSnapshot) -> str:
    """What the server billed once finished, what it reports meanwhile, else the estimate
    made on submit ("≤" when the answers are capped)."""
    if snapshot.cost_usd is not None:
        return format_usd(snapshot.cost_usd) + (" billed" if snapshot.finished else " so far")
    if snapshot.estimate_usd is not None and not snapshot.finished:
        bound = "≤" if snapshot.estimate_is_bound else "≈"
        return f"{bound} {format_usd(snapshot.estimate_usd)} est."
    return ""


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d} elapsed" if hours else f"{minutes}:{secs:02d} elapsed"


class BatchProgress:
    """Counts, a bar, elapsed time, cost so far and a cancel button for one job."""

    def __init__(
        self,
        on_cancel: Callable[[], object] | None = None,
        *,
        min_interval_s: float = 0.25,
        stop_hint: str | None = None,
        tick_s: float = 1.0,
    ) -> None:
        """``stop_hint`` replaces the cancel button, for work that holds the cell: a button's
        click reaches the kernel only once the cell ends, so the hint says how to stop it.
        Once shown, the elapsed time moves every ``tick_s`` while the job runs (between polls,
        which back off to 15 s), and stops when it ends."""
        self.label = widgets.HTML(value="")
        self.bar = widgets.IntProgress(value=0, min=0, max=1, bar_style="info")
        self.cancel_button = widgets.Button(
            description="Cancel batch", button_style="warning", icon="stop"
        )
        # a finished job's way to its results and first rows (empty, hidden, until then)
        self.results = widgets.HTML(value="", layout={"display": "none"})
        self.widget = widgets.VBox(
            [self.label, widgets.HBox([self.bar, self.cancel_button]), self.results]
        )
        self._on_cancel = on_cancel
        self._stop_hint = stop_hint
        if stop_hint is not None:
            self.cancel_button.layout.display = "none"
        self.cancel_button.on_click(self._cancel_clicked)
        self._shown = False
        self._handle: Any = None
        self._text = ""
        self._results_text = ""
        self._min_interval = min_interval_s
        self._lock = threading.Lock()
        self._last_sent = 0.0
        self._pending: JobSnapshot | None = None
        self._timer: threading.Timer | None = None
        self._tick_s = tick_s
        self._ticker: threading.Timer | None = None
        self._shown_snapshot: JobSnapshot | None = None
        self._render_lock = threading.Lock()
        self._clock_stopped = False
        self.updates_sent = 0

    def _ipython_display_(self) -> None:
        from IPython.display import display

        self._shown = True
        self._handle = display(self._bundle(), raw=True, display_id=True)  # type: ignore[no-untyped-call]

    def _bundle(self) -> dict[str, Any]:
        """The widget, with the status line as its plain-text form instead of the widget's repr:
        a front end with widgets shows the widget alone, any other (a terminal, a notebook
        converted without widget state) shows the line."""
        bundle: dict[str, Any] = dict(self.widget._repr_mimebundle_())
        bundle["text/plain"] = "\n".join(t for t in (self._text, self._results_text) if t)
        return bundle

    def show_results(
        self,
        snapshot: JobSnapshot,
        how: str,
        first_rows: ResultPreview | None,
        note: str = "",
    ) -> None:
        """Under a finished job: the call that gets its results (``how``, with ``note`` after
        it) and its first rows.

        Also brings the plain-text form up to the finished state, from whichever thread the
        job finished on: the front end applies a display update by its id, whatever the cell.
        """
        after = f" ({note})" if note else ""
        head = f"{RESULTS_LEAD} {how}{after}"
        html_parts = [f"<div>{RESULTS_LEAD} <code>{escape(how)}</code>{escape(after)}</div>"]
        text_parts = [head]
        if first_rows is not None and first_rows.rows:
            html_parts.append(_preview_html(first_rows))
            text_parts += [text_table(first_rows.headers, first_rows.rows), first_rows.caption]
        with self.results.hold_sync():
            self.results.value = "".join(html_parts)
            self.results.layout.display = None
        self._text = describe(snapshot)
        self._results_text = "\n".join(text_parts)
        if self._handle is not None:
            self._handle.update(self._bundle(), raw=True)

    def show_text(self, snapshot: JobSnapshot) -> None:
        """Bring the plain-text form up to ``snapshot`` (call from the cell's own thread)."""
        self._text = describe(snapshot)
        if self._handle is not None:
            self._handle.update(self._bundle(), raw=True)

    def on_cancel(self, callback: Callable[[], object]) -> None:
        """What the cancel button does (set once the job exists)."""
        self._on_cancel = callback

    def show_and_update(self, snapshot: JobSnapshot) -> None:
        """``update``, displaying the widget first the first time (in the cell that runs)."""
        if not self._shown:
            self._text = describe(snapshot)
            self._ipython_display_()
        self.update(snapshot)

    def update(self, snapshot: JobSnapshot) -> None:
        """Show ``snapshot`` now, or at the end of the current throttle interval."""
        with self._lock:
            self._pending = snapshot
            wait = self._last_sent + self._min_interval - time.monotonic()
            final = snapshot.finished
            if wait > 0 and not final:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self._flush()

    def _flush(self) -> None:
        with self._lock:
            snapshot, self._pending = self._pending, None
            self._timer = None
            if snapshot is None:
                return
            self._last_sent = time.monotonic()
            self.updates_sent += 1
        with self._render_lock:  # a tick never renders an older snapshot over this one
            self._shown_snapshot = snapshot
            self._render(snapshot)
        self._schedule_tick(snapshot)

    def _schedule_tick(self, snapshot: JobSnapshot) -> None:
        """Re-render the same snapshot in ``tick_s`` (only its elapsed time changes), until the
        job finished; a shown widget only: one small comm message a second."""
        with self._lock:
            if self._ticker is not None:
                self._ticker.cancel()
                self._ticker = None
            stalled = snapshot.batch_status == "submitting" and snapshot.error is not None
            if snapshot.finished or stalled or self._clock_stopped or not self._shown:
                return
            if self._tick_s <= 0:  # no clock asked for
                return
            self._ticker = threading.Timer(self._tick_s, self._tick)
            self._ticker.daemon = True
            self._ticker.start()

    def stop_clock(self) -> None:
        """Stop moving the elapsed time: the work stopped without a final snapshot (the
        sending or the --now run was interrupted)."""
        with self._lock:
            self._clock_stopped = True
            if self._ticker is not None:
                self._ticker.cancel()
                self._ticker = None

    def _tick(self) -> None:
        """The label only: a click on Cancel ("Cancelling…") is left as it is."""
        with self._render_lock:
            snapshot = self._shown_snapshot
            if snapshot is None or snapshot.finished or self._clock_stopped:
                return
            self.label.value = self._label(snapshot)
        self._schedule_tick(snapshot)

    def _label(self, snapshot: JobSnapshot) -> str:
        text = html.escape(describe(snapshot))
        if snapshot.error:
            text += f"<br><span>{html.escape(_problem(snapshot))}</span>"
        for note in snapshot.notes[:3]:
            text += f"<br><span>{html.escape(note)}</span>"
        if snapshot.cancel_message:
            text += f"<br><span>xAI: {html.escape(snapshot.cancel_message)}</span>"
        ended = snapshot.batch_status in FINAL_BATCH_STATUSES
        if self._stop_hint is not None and not ended:
            text += f"<br><span>{html.escape(self._stop_hint)}</span>"
        return text

    def _render(self, snapshot: JobSnapshot) -> None:
        with self.label.hold_sync(), self.bar.hold_sync(), self.cancel_button.hold_sync():
            ended = snapshot.batch_status in FINAL_BATCH_STATUSES
            self.label.value = self._label(snapshot)
            self.bar.max = max(snapshot.total, 1)
            sending = snapshot.batch_status == "submitting"
            self.bar.value = min(snapshot.sent if sending else snapshot.done, snapshot.total)
            self.bar.bar_style = _bar_style(snapshot)
            # once the batch ended there is nothing to cancel: the button goes away
            self.cancel_button.disabled = ended
            hidden = ended or self._stop_hint is not None
            self.cancel_button.layout.display = "none" if hidden else None

    def _cancel_clicked(self, _button: Any) -> None:
        self.cancel_button.disabled = True
        self.cancel_button.description = "Cancelling…"
        if self._on_cancel is not None:
            self._on_cancel()


_CELL = "padding:2px 8px;text-align:left;vertical-align:top;white-space:nowrap"
_HEAD = _CELL + ";border-bottom:1px solid currentColor"


def _preview_html(first_rows: ResultPreview) -> str:
    """The first rows as a small table in the theme's colours; every cell escaped, and kept
    from the front end's typesetter (answers are model output, ``$`` included)."""
    table = render_table(first_rows.headers, first_rows.rows)
    table = table.replace("<th>", f'<th style="{_HEAD}">').replace("<td>", f'<td style="{_CELL}">')
    table = table.replace("<table>", '<table style="border-collapse:collapse;margin:4px 0">')
    return (
        f'<div class="{NO_TEX_CLASSES} xai-batch-results" style="overflow-x:auto">{table}'
        f'<div style="opacity:0.7">{escape(first_rows.caption)}</div></div>'
    )


def _problem(snapshot: JobSnapshot) -> str:
    if snapshot.batch_status == "submitting":
        return f"sending stopped: {snapshot.error}. Run the cell again to resume."
    return f"last check failed, trying again: {snapshot.error}"


def _bar_style(snapshot: JobSnapshot) -> str:
    if snapshot.batch_status in ("cancelled", "cancelled_by_xai", "expired"):
        return "warning"
    if snapshot.finished:
        return "danger" if snapshot.failed and not snapshot.succeeded else "success"
    return "info"
