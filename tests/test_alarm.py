"""The shared alarm thread: due calls run in order, cancelled ones never; a failure stops none."""

from __future__ import annotations

import threading
import time

import pytest

from xai_magics.alarm import set_alarm


def test_alarms_run_when_due_in_due_order_on_one_thread() -> None:
    calls: list[tuple[str, float, str]] = []
    done = threading.Event()
    started = time.monotonic()

    def note(name: str) -> None:
        calls.append((name, time.monotonic() - started, threading.current_thread().name))
        if len(calls) == 3:
            done.set()

    set_alarm(0.30, lambda: note("late"))
    set_alarm(0.05, lambda: note("soon"))  # sooner than what the thread already sleeps for
    set_alarm(0.15, lambda: note("middle"))
    assert done.wait(5)
    assert [name for name, _, _ in calls] == ["soon", "middle", "late"]
    assert calls[0][1] >= 0.05
    assert calls[2][1] >= 0.30
    assert {thread for _, _, thread in calls} == {"xai-magics-alarms"}


def test_a_cancelled_alarm_never_runs() -> None:
    ran: list[str] = []
    after = threading.Event()
    set_alarm(0.05, lambda: ran.append("cancelled")).cancel()
    set_alarm(0.10, after.set)
    assert after.wait(5)
    assert ran == []


def test_a_failing_callback_is_reported_and_later_alarms_still_run(
    capfd: pytest.CaptureFixture[str],
) -> None:
    after = threading.Event()

    def fails() -> None:
        raise RuntimeError("view could not be made")

    set_alarm(0.01, fails)
    set_alarm(0.05, after.set)
    assert after.wait(5)
    assert "view could not be made" in capfd.readouterr().err
