"""The kernel side of the JupyterLab status-bar item: the session's spend and running batch jobs.

The front end registers the comm target `xai_magics.status` on every kernel it connects to. On
first use this module opens a comm to it and then sends the whole snapshot on each change,
throttled, so a batch poller reporting every row costs the front end a few messages a second at
most. Outside a kernel (plain Python, a terminal IPython) there is no comm manager and publishing
only updates the snapshot kept here.

Callers report what they know and leave the rest alone::

    from xai_magics import status
    status.publish({"spend_usd": 0.0123, "estimated_usd": 0.0, "calls": 2})  # the ledger's totals
    status.batch_progress({"name": "reviews", "id": "batch_1", "done": 40, "total": 100})
    status.batch_finished("batch_1")
    status.publish({"budget": {"usd": 5.0, "spent_usd": 3.1, "scope": "session",
                               "text": "$3.10 of $5.00", "warning": False}})  # the spend guard

``budget`` is in the snapshot only while a budget is in force (``xai_magics.spend``).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any, NotRequired, Protocol, TypedDict

from xai_magics.alarm import set_alarm

__all__ = [
    "MIN_INTERVAL_S",
    "STATUS_COMM_TARGET",
    "BudgetStatus",
    "RunningBatch",
    "StatusPublisher",
    "StatusSnapshot",
    "StatusUpdate",
    "batch_finished",
    "batch_progress",
    "publish",
    "snapshot",
]

STATUS_COMM_TARGET = "xai_magics.status"

#: At most one message per interval; the last change inside it is sent when it ends.
MIN_INTERVAL_S = 0.25


class RunningBatch(TypedDict):
    name: str
    id: str
    done: int
    total: int


class BudgetStatus(TypedDict):
    """The budget nearest to running out: the session's or the day's (all kernels)."""

    usd: float
    spent_usd: float
    scope: str
    #: "$3.10 of $5.00", as ``%grok_usage`` says it
    text: str
    #: 80% or more of it is spent
    warning: bool


class StatusSnapshot(TypedDict):
    #: the session's spend, estimates of stopped answers included
    spend_usd: float
    #: the part of ``spend_usd`` counted locally, not (yet) reported by the server
    estimated_usd: float
    calls: int
    running_batches: list[RunningBatch]
    budget: NotRequired[BudgetStatus]


class StatusUpdate(TypedDict, total=False):
    """Any subset of the snapshot; `running_batches`, when given, replaces the whole list."""

    spend_usd: float
    estimated_usd: float
    calls: int
    running_batches: list[RunningBatch]
    #: None when no budget is in force (the snapshot then has no ``budget``)
    budget: BudgetStatus | None


class StatusComm(Protocol):
    """The part of `comm.base_comm.BaseComm` used here."""

    def send(self, data: Any = None) -> None: ...

    def on_msg(self, callback: Callable[[dict[str, Any]], None] | None) -> None: ...

    def on_close(self, callback: Callable[[dict[str, Any]], None] | None) -> None: ...


CommOpener = Callable[[StatusSnapshot], "StatusComm | None"]
Scheduler = Callable[[float, Callable[[], None]], None]


def open_kernel_comm(first: StatusSnapshot) -> StatusComm | None:
    """Open the status comm if this process is a Jupyter kernel, else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    import comm

    opened: StatusComm = comm.create_comm(target_name=STATUS_COMM_TARGET, data=dict(first))
    return opened


def run_later(delay_s: float, callback: Callable[[], None]) -> None:
    """Run `callback` on the alarm thread: the kernel's own loop is never touched."""
    set_alarm(delay_s, callback)


class StatusPublisher:
    """Keeps the session's status and sends it to the front end, at most once per interval.

    Thread-safe: magics publish from the kernel's thread, batch pollers from background threads.
    If a front end closes the comm (one without the xai-magics extension), it is not reopened.
    """

    def __init__(
        self,
        open_comm: CommOpener = open_kernel_comm,
        schedule: Scheduler = run_later,
        clock: Callable[[], float] = time.monotonic,
        min_interval_s: float = MIN_INTERVAL_S,
    ) -> None:
        self._open_comm = open_comm
        self._schedule = schedule
        self._clock = clock
        self._min_interval_s = min_interval_s
        self._lock = threading.RLock()
        self._spend_usd = 0.0
        self._estimated_usd = 0.0
        self._calls = 0
        self._batches: dict[str, RunningBatch] = {}
        self._budget: BudgetStatus | None = None
        self._comm: StatusComm | None = None
        self._refused = False
        self._last_sent: StatusSnapshot | None = None
        self._last_sent_at = float("-inf")
        self._flush_pending = False

    def snapshot(self) -> StatusSnapshot:
        with self._lock:
            current: StatusSnapshot = {
                "spend_usd": self._spend_usd,
                "estimated_usd": self._estimated_usd,
                "calls": self._calls,
                "running_batches": [copy.copy(batch) for batch in self._batches.values()],
            }
            if self._budget is not None:
                current["budget"] = copy.copy(self._budget)
            return current

    def publish(self, update: StatusUpdate) -> None:
        """Merge `update` into the snapshot and send it (now, or when the interval ends)."""
        with self._lock:
            if "spend_usd" in update:
                self._spend_usd = float(update["spend_usd"])
            if "estimated_usd" in update:
                self._estimated_usd = float(update["estimated_usd"])
            if "calls" in update:
                self._calls = int(update["calls"])
            if "running_batches" in update:
                self._batches = {b["id"]: copy.copy(b) for b in update["running_batches"]}
            if "budget" in update:
                budget = update["budget"]
                self._budget = copy.copy(budget) if budget is not None else None
            self._request_send()

    def batch_progress(self, batch: RunningBatch) -> None:
        """Add a running batch job or update its progress."""
        with self._lock:
            self._batches[batch["id"]] = copy.copy(batch)
            self._request_send()

    def batch_finished(self, batch_id: str) -> None:
        """Drop a batch job from the running list (done, cancelled or failed)."""
        with self._lock:
            if self._batches.pop(batch_id, None) is not None:
                self._request_send()

    def _request_send(self) -> None:
        if self._flush_pending:
            return  # the trailing send will carry this change too
        wait_s = self._last_sent_at + self._min_interval_s - self._clock()
        if wait_s <= 0:
            self._send()
        else:
            self._flush_pending = True
            self._schedule(wait_s, self._flush)

    def _flush(self) -> None:
        with self._lock:
            self._flush_pending = False
            self._send()

    def _send(self, force: bool = False) -> None:
        current = self.snapshot()
        if current == self._last_sent and not force:
            return
        if self._comm is None:
            if self._refused:
                return
            self._comm = self._open_comm(current)
            if self._comm is None:
                return
            self._comm.on_msg(self._on_frontend_msg)
            self._comm.on_close(self._on_frontend_close)
        else:
            self._comm.send(current)
        self._last_sent = current
        self._last_sent_at = self._clock()

    def _on_frontend_msg(self, msg: dict[str, Any]) -> None:
        """A page that connected after the comm opened asks for the current snapshot."""
        data = msg.get("content", {}).get("data", {})
        if isinstance(data, dict) and data.get("request") == "snapshot":
            with self._lock:
                self._send(force=True)

    def _on_frontend_close(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self._comm = None
            self._refused = True


_publisher = StatusPublisher()


def publish(update: StatusUpdate) -> None:
    """Merge `update` into this session's status shown in JupyterLab's status bar."""
    _publisher.publish(update)


def batch_progress(batch: RunningBatch) -> None:
    """Report a running batch job's progress in the status bar."""
    _publisher.batch_progress(batch)


def batch_finished(batch_id: str) -> None:
    """Remove a batch job from the status bar's running list."""
    _publisher.batch_finished(batch_id)


def snapshot() -> StatusSnapshot:
    """The status as last published, whether or not a front end is listening."""
    return _publisher.snapshot()
