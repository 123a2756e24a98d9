"""Stop, retry, cut-off and rejected-key paths of ``%%grok`` in a real kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.client.emulated import first_text_event
from tests.kernels import Kernel

from .kernel_harness import CANARY_KEY, requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

LONG = " ".join(f"word{i}" for i in range(400))


def test_interrupt_stops_the_stream_and_keeps_the_partial(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.configure(tokens_per_second=40)
    emu.control.inject("answer", "/v1/responses", text=LONG)
    interrupted = []

    def interrupt_on_first_text(msg: dict[str, Any]) -> None:
        data = msg["content"].get("data", {})
        # The model reasons first (as grok-4.3 does): stop once visible text has arrived.
        has_text = data.get("method") == "custom" and data.get("content", {}).get("text")
        if not interrupted and msg["msg_type"] == "comm_msg" and has_text:
            interrupted.append(True)
            grok_kernel.km.interrupt_kernel()

    run = grok_kernel.run("%%grok -o r\nCount slowly", on_message=interrupt_on_first_text)
    assert interrupted
    assert run.ok  # stopping is not a failure: no traceback, the cell ends normally
    assert "Traceback" not in run.error_text
    assert "KeyboardInterrupt" not in run.error_text
    out = run.only_display()
    assert "stopped after" in out["data"]["text/html"]
    assert grok_kernel.value("r.status") == "stopped"
    partial = grok_kernel.value("r.text")
    assert 0 < len(partial) < len(LONG)
    assert LONG.startswith(partial)
    assert out["data"]["text/plain"].startswith(partial)
    assert run.seconds < 5  # the 10 s answer was cut, not waited for
    emu.control.configure(tokens_per_second=0)
    nxt = grok_kernel.ok("%%grok\nNext cell")
    assert "stopped" not in nxt.only_display()["data"]["text/html"]


def test_rate_limit_is_retried_and_shown_as_a_status_line(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("status", "/v1/responses", status=429, retry_after="0")
    emu.control.inject("answer", "/v1/responses", text="after the wait")
    run = grok_kernel.ok("%%grok -o r\nQ")
    statuses = [c["status"] for c in run.custom if "status" in c]
    assert statuses[0].startswith("retrying in")
    assert "429" in statuses[0] or "rate" in statuses[0].lower()
    assert statuses[-1] == ""  # cleared when text arrived
    assert run.only_display()["data"]["text/plain"].startswith("after the wait")
    assert [r["status"] for r in requests_to(emu, "/responses")] == [429, 200]
    assert grok_kernel.value("r.receipt.retries") == 1


def test_reset_mid_stream_keeps_partial_and_says_what_to_do(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    # one fault per request: the emulator's own (deterministic) answer is cut after 12 events;
    # paced, so the text before the reset is read before the RST (which can drop unread bytes)
    start = first_text_event(emu, "responses", "Q")
    emu.control.configure(tokens_per_second=100)
    emu.control.inject("reset_mid_stream", "/v1/responses", after_events=start + 8)
    run = grok_kernel.run("%%grok -o r\nQ")
    assert run.reply["ename"] == "UsageError"
    assert "Traceback" not in run.error_text
    assert "run again" in run.error_text
    assert grok_kernel.value("r.status") == "error"
    partial = grok_kernel.value("r.text")
    assert partial
    assert run.streamed_text == partial
    assert run.only_display()["data"]["text/plain"].startswith(partial)
    assert len(requests_to(emu, "/responses")) == 1  # never replayed after text was shown


def test_error_event_mid_stream_keeps_partial(grok_kernel: Kernel, emu: Emulator) -> None:
    start = first_text_event(emu, "responses", "Q")
    emu.control.configure(tokens_per_second=100)
    emu.control.inject("error_event", "/v1/responses", after_events=start + 8, message="overloaded")
    run = grok_kernel.run("%%grok -o r\nQ")
    assert run.reply["ename"] == "UsageError"
    assert "overloaded" in run.error_text
    assert grok_kernel.value("len(r.text) > 0") is True


def test_rejected_key_is_one_line_with_what_to_do(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("import os; os.environ['XAI_API_KEY'] = 'xai-bad-key'")
    try:
        run = grok_kernel.run("%%grok\nQ")
    finally:
        grok_kernel.ok(f"os.environ['XAI_API_KEY'] = {CANARY_KEY!r}")
    assert run.reply["ename"] == "UsageError"
    assert "XAI_API_KEY" in run.error_text
    assert "xai-bad-key" not in run.error_text
    assert "Traceback" not in run.error_text
    assert [o["data"] for o in run.displays] in ([], [{"text/plain": ""}])
    assert grok_kernel.ok("%%grok\nQ").ok  # the next cell works with the good key


def test_missing_key_says_how_to_set_it(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("import os; os.environ.pop('XAI_API_KEY')")
    try:
        run = grok_kernel.run("%%grok\nQ")
    finally:
        grok_kernel.ok(f"os.environ['XAI_API_KEY'] = {CANARY_KEY!r}")
    assert run.reply["ename"] == "UsageError"
    assert "XAI_API_KEY is not set" in run.error_text
    assert emu.control.log() == []


def test_interrupting_a_comparison_returns_at_once(grok_kernel: Kernel, emu: Emulator) -> None:
    import os
    import signal
    import threading

    emu.control.configure(tokens_per_second=10)
    timer: list[threading.Timer] = []
    pid = grok_kernel.km.provisioner.process.pid  # a signal, as interrupt_kernel sends

    def interrupt_when_asking(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "display_data" and not timer:
            timer.append(threading.Timer(0.5, os.kill, (pid, signal.SIGINT)))
            timer[0].start()

    run = grok_kernel.run(
        "%%grok --compare grok-4.3,grok-3-mini\nSlow", on_message=interrupt_when_asking
    )
    emu.control.configure(tokens_per_second=0)
    assert run.reply["ename"] == "UsageError"
    assert "Traceback" not in run.error_text
    assert run.only_display()["data"] == {"text/plain": "Comparison stopped."}
    assert run.seconds < 3  # each answer alone takes longer than that
    assert grok_kernel.ok("1 + 1").ok


def test_interrupt_while_waiting_for_the_first_byte_returns_at_once(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    import os
    import signal
    import threading

    # The request goes out on a helper thread while the view is made; the interrupt still
    # ends the cell at once, and the request is closed when the server finally answers.
    emu.control.inject("stall", "/v1/responses", seconds=3)
    timer: list[threading.Timer] = []
    pid = grok_kernel.km.provisioner.process.pid

    def interrupt_once_shown(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "display_data" and not timer:
            timer.append(threading.Timer(0.3, os.kill, (pid, signal.SIGINT)))
            timer[0].start()

    run = grok_kernel.run("%%grok -o r\nSlow to start", on_message=interrupt_once_shown)
    assert run.ok, run.error_text
    assert run.seconds < 2.5  # the stalled request was not waited for
    assert grok_kernel.value("r.status") == "stopped"
    assert grok_kernel.value("r.text") == ""
    assert "stopped after 0 characters" in run.only_display()["data"]["text/plain"]
    nxt = grok_kernel.ok("%%grok\nNext cell")
    assert "stopped" not in nxt.only_display()["data"]["text/html"]


def test_unknown_model_suggests_the_closest_name(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.run("%%grok -m grok-4.33\nQ")
    assert run.reply["ename"] == "UsageError"
    message = run.reply["evalue"]
    assert message.startswith("Model not found: grok-4.33")
    # the next step comes before the facts (status, request id, attempts)
    assert "Did you mean grok-4.3? %grok_models lists the models. (HTTP 400" in message
    # the same hint in a comparison's column
    shown = grok_kernel.ok("%%grok --compare grok-4.3,grok-4.33@priority\nQ").only_display()
    assert "Model not found: grok-4.33" in shown["data"]["text/plain"]
    assert "Did you mean grok-4.3?" in shown["data"]["text/plain"]
