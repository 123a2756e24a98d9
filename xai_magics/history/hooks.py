"""The call path's only contact with the history: one call per kind of call, never raising.

Each does nothing when history is off (``%config GrokMagics.history = False``, or plain Python
that never loaded the magics), and otherwise queues one entry for the recorder's thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xai_magics.history import recorder
from xai_magics.history.entries import answer_entry, receipt_entry

if TYPE_CHECKING:
    from xai_magics.request import AskOptions
    from xai_magics.result import GrokResult
    from xai_magics.threads import Thread
    from xai_magics.usage import Receipt

__all__ = [
    "note_answer",
    "note_receipt",
    "note_thread_start",
    "restore_thread",
    "stored_thread_names",
]


def note_answer(
    prompt: str, options: AskOptions, thread: Thread | None, result: GrokResult, key: str
) -> None:
    """A chat or Responses call ended (answered, stopped, cut or failed)."""
    active = recorder.active()
    if active is None:
        return
    try:
        active.add(answer_entry(prompt, options, thread, result, key))
    except Exception as exc:  # history must never cost the user an answer
        active.error = f"a call was not recorded: {exc}"


def note_receipt(
    receipt: Receipt, *, kind: str, prompt: str, answer: str, with_cell: bool = True
) -> None:
    """A call known by its receipt ended: a speech clip, or a batch job as one entry."""
    active = recorder.active()
    if active is None:
        return
    try:
        active.add(
            receipt_entry(receipt, kind=kind, prompt=prompt, answer=answer, with_cell=with_cell)
        )
    except Exception as exc:
        active.error = f"a call was not recorded: {exc}"


def note_thread_start(name: str) -> None:
    """``name`` starts over in this notebook: a restarted kernel must not continue its past."""
    active = recorder.active()
    if active is not None:
        active.mark_thread(name)


def restore_thread(name: str) -> Thread | None:
    """The thread ``name`` as this notebook's history leaves it (for ``ThreadStore.loader``)."""
    active = recorder.active()
    if active is None:
        return None
    from xai_magics.history.queries import thread_from_history
    from xai_magics.history.where import notebook_path

    active.flush()  # a reset or a turn still queued counts
    try:
        return thread_from_history(active.store(), notebook_path(), name)
    except Exception as exc:  # an unreadable history starts the thread afresh, and says so
        active.error = f"thread {name!r} could not be read from the history: {exc}"
        return None


def stored_thread_names() -> list[str]:
    """This notebook's threads in the history (empty when history is off or unreadable)."""
    active = recorder.active()
    if active is None:
        return []
    from xai_magics.history.queries import thread_names
    from xai_magics.history.where import notebook_path

    active.flush()
    try:
        return thread_names(active.store(), notebook_path())
    except Exception as exc:
        active.error = f"threads could not be read from the history: {exc}"
        return []
