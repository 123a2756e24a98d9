"""The kernel side of the status-bar feed: what reaches the front end, and how often."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from xai_magics.status import STATUS_COMM_TARGET, StatusPublisher, StatusSnapshot


class RecordingComm:
    """Stands in for the kernel comm: records what would go over iopub."""

    def __init__(self, first: StatusSnapshot) -> None:
        self.opened_with = first
        self.sent: list[Any] = []
        self.msg_callback: Callable[[dict[str, Any]], None] | None = None
        self.close_callback: Callable[[dict[str, Any]], None] | None = None

    def send(self, data: Any = None) -> None:
        self.sent.append(data)

    def on_msg(self, callback: Callable[[dict[str, Any]], None] | None) -> None:
        self.msg_callback = callback

    def on_close(self, callback: Callable[[dict[str, Any]], None] | None) -> None:
        self.close_callback = callback


class Harness:
    """A publisher with a hand-driven clock and timer."""

    def __init__(self) -> None:
        self.now = 100.0
        self.comms: list[RecordingComm] = []
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.publisher = StatusPublisher(
            open_comm=self._open,
            schedule=lambda delay, callback: self.timers.append((delay, callback)),
            clock=lambda: self.now,
            min_interval_s=0.25,
        )

    def _open(self, first: StatusSnapshot) -> RecordingComm:
        comm = RecordingComm(first)
        self.comms.append(comm)
        return comm

    def fire_timers(self) -> None:
        due, self.timers = self.timers, []
        for delay, callback in due:
            self.now += delay
            callback()


@pytest.fixture
def harness() -> Harness:
    return Harness()


BATCH = {"name": "reviews", "id": "batch_1", "done": 0, "total": 10}


def test_first_publish_opens_the_comm_carrying_the_snapshot(harness: Harness) -> None:
    harness.publisher.publish({"spend_usd": 0.0125, "calls": 1})
    assert len(harness.comms) == 1
    assert harness.comms[0].opened_with == {
        "spend_usd": 0.0125,
        "estimated_usd": 0.0,
        "calls": 1,
        "running_batches": [],
    }
    assert harness.comms[0].sent == []


def test_changes_within_the_interval_are_coalesced_into_one_trailing_send(
    harness: Harness,
) -> None:
    harness.publisher.publish({"spend_usd": 0.01, "calls": 1})
    harness.now += 0.1
    for calls in (2, 3, 4):
        harness.publisher.publish({"spend_usd": 0.01 * calls, "calls": calls})
    assert harness.comms[0].sent == []
    assert [round(delay, 6) for delay, _ in harness.timers] == [0.15]
    harness.fire_timers()
    assert harness.comms[0].sent == [
        {"spend_usd": 0.04, "estimated_usd": 0.0, "calls": 4, "running_batches": []}
    ]


def test_a_change_after_the_interval_is_sent_at_once(harness: Harness) -> None:
    harness.publisher.publish({"calls": 1})
    harness.now += 0.3
    harness.publisher.publish({"calls": 2})
    assert harness.comms[0].sent == [
        {"spend_usd": 0.0, "estimated_usd": 0.0, "calls": 2, "running_batches": []}
    ]
    assert harness.timers == []


def test_an_unchanged_snapshot_is_not_resent(harness: Harness) -> None:
    harness.publisher.publish({"spend_usd": 0.5, "calls": 2})
    harness.now += 1
    harness.publisher.publish({"spend_usd": 0.5})
    assert harness.comms[0].sent == []


def test_partial_updates_keep_the_other_fields(harness: Harness) -> None:
    harness.publisher.publish({"spend_usd": 0.5, "calls": 2})
    harness.publisher.batch_progress(dict(BATCH))  # type: ignore[arg-type]
    harness.publisher.publish({"calls": 3})
    assert harness.publisher.snapshot() == {
        "spend_usd": 0.5,
        "estimated_usd": 0.0,
        "calls": 3,
        "running_batches": [BATCH],
    }


def test_a_budget_is_in_the_snapshot_only_while_one_is_in_force(harness: Harness) -> None:
    budget = {"usd": 5.0, "spent_usd": 4.1, "scope": "session", "text": "$4.10 of $5.00"}
    harness.publisher.publish({"calls": 2, "budget": {**budget, "warning": True}})  # type: ignore[typeddict-item]
    assert harness.comms[0].opened_with["budget"]["text"] == "$4.10 of $5.00"
    harness.now += 1
    harness.publisher.publish({"calls": 3})
    assert harness.comms[0].sent[-1]["budget"]["warning"] is True  # kept by partial updates
    harness.now += 1
    harness.publisher.publish({"budget": None})
    assert "budget" not in harness.comms[0].sent[-1]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([("progress", 3)], [3], id="progress-updates-in-place"),
        pytest.param([("progress", 3), ("progress", 7)], [7], id="latest-progress-wins"),
        pytest.param([("progress", 3), ("finished", 0)], [], id="finished-batch-leaves"),
    ],
)
def test_running_batches_follow_progress_reports(
    harness: Harness, steps: list[tuple[str, int]], expected: list[int]
) -> None:
    for action, done in steps:
        if action == "progress":
            harness.publisher.batch_progress({**BATCH, "done": done})  # type: ignore[typeddict-item]
        else:
            harness.publisher.batch_finished("batch_1")
    assert [b["done"] for b in harness.publisher.snapshot()["running_batches"]] == expected


def test_a_frontend_asking_for_the_snapshot_gets_it_even_if_unchanged(harness: Harness) -> None:
    harness.publisher.publish({"spend_usd": 0.25, "calls": 1})
    comm = harness.comms[0]
    assert comm.msg_callback is not None
    comm.msg_callback({"content": {"data": {"request": "snapshot"}}})
    assert comm.sent == [
        {"spend_usd": 0.25, "estimated_usd": 0.0, "calls": 1, "running_batches": []}
    ]


def test_a_comm_closed_by_the_frontend_is_not_reopened(harness: Harness) -> None:
    harness.publisher.publish({"calls": 1})
    closer = harness.comms[0].close_callback
    assert closer is not None
    closer({"content": {"data": {}}})
    harness.now += 1
    harness.publisher.publish({"calls": 2})
    assert len(harness.comms) == 1
    assert harness.comms[0].sent == []


def test_publishing_outside_a_kernel_only_keeps_the_snapshot() -> None:
    publisher = StatusPublisher()  # the real opener: pytest is not a kernel
    publisher.publish({"spend_usd": 1.5, "calls": 7})
    assert publisher.snapshot()["calls"] == 7
    assert publisher._comm is None


@pytest.fixture
def kernel(tmp_path: Any) -> Iterator[Any]:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _iopub_until_idle(kc: Any, msg_id: str) -> list[dict[str, Any]]:
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=20)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def _run(kc: Any, code: str) -> list[dict[str, Any]]:
    msg_id = kc.execute(code)
    messages = _iopub_until_idle(kc, msg_id)
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert errors == []
    return messages


@pytest.mark.kernel
def test_a_real_kernel_opens_the_status_comm_and_answers_snapshot_requests(kernel: Any) -> None:
    kc = kernel
    opened = _run(
        kc,
        "from xai_magics import status\n"
        "status.publish({'spend_usd': 0.5, 'calls': 2})\n"
        "status.publish({'calls': 3})\n"
        "status.publish({'calls': 4})\n",
    )
    comm_opens = [m["content"] for m in opened if m["msg_type"] == "comm_open"]
    assert [(c["target_name"], c["data"]) for c in comm_opens] == [
        (
            STATUS_COMM_TARGET,
            {"spend_usd": 0.5, "estimated_usd": 0.0, "calls": 2, "running_batches": []},
        )
    ]
    comm_id = comm_opens[0]["comm_id"]

    # The two quick updates arrive as one trailing message, from the timer thread.
    trailing = kc.get_iopub_msg(timeout=5)
    while trailing["msg_type"] != "comm_msg":
        trailing = kc.get_iopub_msg(timeout=5)
    assert trailing["content"]["data"] == {
        "spend_usd": 0.5,
        "estimated_usd": 0.0,
        "calls": 4,
        "running_batches": [],
    }

    request = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"request": "snapshot"}})
    kc.shell_channel.send(request)
    answered = _iopub_until_idle(kc, request["header"]["msg_id"])
    resent = [m["content"]["data"] for m in answered if m["msg_type"] == "comm_msg"]
    assert resent == [{"spend_usd": 0.5, "estimated_usd": 0.0, "calls": 4, "running_batches": []}]


def test_the_module_functions_share_one_session_status() -> None:
    from xai_magics import status

    before = status.snapshot()["calls"]
    status.publish({"calls": before + 1})
    status.batch_progress({"name": "n", "id": "b-shared", "done": 1, "total": 2})
    after = status.snapshot()
    status.batch_finished("b-shared")
    assert after["calls"] == before + 1
    assert "b-shared" in [b["id"] for b in after["running_batches"]]
    assert "b-shared" not in [b["id"] for b in status.snapshot()["running_batches"]]
