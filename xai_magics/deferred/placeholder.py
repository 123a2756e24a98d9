"""The cell's output while a deferred answer is on its way, replaced by the answer when it comes.

One ordinary display with a display id (``xai-deferred-<request id>``): a line saying what is
awaited, updated with a poll's trouble, then updated once more with the answer exactly as a
normal ``%%grok`` leaves it (the renderer's safe HTML, Markdown, text, the receipt in the
metadata), or with the one line saying why none will come. A saved notebook keeps whichever it
was last. ``%grok_deferred`` in a new kernel shows the same id, so a front end that still holds
the first cell updates it too.

In terminal IPython there is no output to update: the line is printed once, and the answer waits
in the store for ``%grok_deferred``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from xai_magics.deferred.api import DeferredAnswer, DeferredError, short_id
from xai_magics.deferred.poller import Ending
from xai_magics.render import escape

if TYPE_CHECKING:
    from xai_magics.magics.presenter import DisplayMode
    from xai_magics.result import GrokResult

__all__ = ["Placeholder"]


class Placeholder:
    """Shows ``answer`` in the cell: waiting first, then the answer or why there is none."""

    def __init__(self, answer: DeferredAnswer, *, mode: DisplayMode, note: str = "") -> None:
        self.answer = answer
        self.mode = mode
        self.note = note
        self.display_id = f"xai-deferred-{answer.request_id}"
        self._parent: dict[str, Any] | None = None

    def show(self) -> None:
        """Put the waiting line in the cell and fill it in when the answer comes."""
        bundle = self._line(self.waiting_line())
        if self.mode == "terminal":
            print(bundle["text/plain"])
            return
        from IPython.display import display

        display(bundle, raw=True, display_id=self.display_id)  # type: ignore[no-untyped-call]
        self._parent = _display_parent()
        self.answer.on_trouble(self._trouble)
        self.answer.on_end(self._end)

    def waiting_line(self) -> str:
        record = self.answer.record
        asked = time.strftime("%H:%M:%S", time.localtime(record.created_at))
        ident = short_id(record.request_id)
        line = (
            f"⏳ Deferred answer from {record.model} (request {ident}, asked {asked}): it "
            f"appears here when ready; the kernel is free meanwhile. After a restart, "
            f"%grok_deferred {ident} shows it."
        )
        return f"{line} {self.note}" if self.note else line

    def _trouble(self, line: str) -> None:
        waiting = self.waiting_line()
        self._update(self._line(f"{waiting} ({line})" if line else waiting), {})

    def _end(self, ending: Ending) -> None:
        try:
            result = self.answer.result_for(ending)
        except DeferredError as exc:
            self._update(self._line(str(exc)), {})
            return
        self._update(*self.bundle(result))

    def bundle(self, result: GrokResult) -> tuple[dict[str, str], dict[str, Any]]:
        """The answer as a normal ``%%grok`` shows it; the metadata names the request."""
        data, meta = result.mime_bundle(self.answer.format)
        meta = {"xai_magics": {**meta.get("xai_magics", {}), "deferred": self.answer.request_id}}
        return data, meta

    def _update(self, data: dict[str, str], meta: dict[str, Any]) -> None:
        from IPython.display import update_display

        with _parented(self._parent):
            update_display(data, metadata=meta, raw=True, display_id=self.display_id)  # type: ignore[no-untyped-call]

    @staticmethod
    def _line(text: str) -> dict[str, str]:
        return {
            "text/plain": text,
            "text/html": f'<div class="xai-deferred">{escape(text)}</div>',
        }


def _display_parent() -> dict[str, Any] | None:
    """The header of the request (cell) being run, which the kernel's displays answer to."""
    from IPython import get_ipython

    publisher = getattr(get_ipython(), "display_pub", None)
    parent = getattr(publisher, "parent_header", None)
    return dict(parent) if isinstance(parent, dict) and parent else None


@contextmanager
def _parented(parent: dict[str, Any] | None) -> Iterator[None]:
    """Send displays from this thread as answers to ``parent``: updates made later, from the
    poller's thread, then belong to the cell that showed the placeholder, so a front end (or
    nbclient) that follows only that cell's messages sees them."""
    from IPython import get_ipython

    publisher = getattr(get_ipython(), "display_pub", None)
    set_parent = getattr(publisher, "set_thread_parent", None)
    if parent is None or set_parent is None:
        yield
        return
    token = set_parent(parent)
    try:
        yield
    finally:
        publisher.reset_thread_parent(token)  # type: ignore[union-attr]
