"""Call a function after a delay unless cancelled first, on one thread shared by the session.

Each streamed answer sets one alarm (its live view is due 50 ms in), and so does a status-bar
update held back by its rate limit. ``threading.Timer`` starts a thread per call, which costs
the kernel more than the whole final display of a short answer; here setting an alarm is a heap
push and cancelling one is a flag.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import traceback
from collections.abc import Callable

__all__ = ["Alarm", "set_alarm"]


class Alarm:
    """A pending call; ``cancel()`` before it is due and it never runs."""

    __slots__ = ("callback", "cancelled", "due")

    def __init__(self, due: float, callback: Callable[[], object]) -> None:
        self.due = due
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Not thread-safe against a call already under way: the callback checks its own state."""
        self.cancelled = True


class _AlarmClock:
    def __init__(self) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._pending: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def set(self, delay_s: float, callback: Callable[[], object]) -> Alarm:
        alarm = Alarm(time.monotonic() + delay_s, callback)
        with self._ready:
            heapq.heappush(self._pending, (alarm.due, next(self._order), alarm))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="xai-magics-alarms", daemon=True
                )
                self._thread.start()
            elif self._pending[0][2] is alarm:  # sooner than what the thread sleeps for
                self._ready.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._ready:
                while True:
                    while self._pending and self._pending[0][2].cancelled:
                        heapq.heappop(self._pending)
                    if not self._pending:
                        self._ready.wait()
                        continue
                    wait_s = self._pending[0][0] - time.monotonic()
                    if wait_s <= 0:
                        break
                    self._ready.wait(wait_s)
                alarm = heapq.heappop(self._pending)[2]
            if alarm.cancelled:
                continue
            try:
                alarm.callback()
            except Exception:  # one failed callback must not stop the alarms of later answers
                traceback.print_exc()


_CLOCK = _AlarmClock()


def set_alarm(delay_s: float, callback: Callable[[], object]) -> Alarm:
    """Call ``callback`` (on the alarm thread) ``delay_s`` seconds from now, unless cancelled."""
    return _CLOCK.set(delay_s, callback)
