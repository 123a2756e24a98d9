"""``%%grok --deferred`` and ``%grok_deferred`` in a real kernel against the emulator: the cell
returns at once, the placeholder fills in when the answer is ready, the answer is fetched exactly
once, and it survives a kernel restart; expired and failed requests say so in one line."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Execution, Kernel

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

pytestmark = pytest.mark.kernel

KEY = "xai-canary-deferred-0123456789abcdefghij"
SETUP = (
    "%load_ext xai_magics\n"
    "%config DeferredMagics.poll_first = 0.2\n"
    "%config DeferredMagics.poll_max = 0.3\n"
)
PREFIX = "xai-deferred-"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deferred-data")


@pytest.fixture(scope="module")
def module_kernel(emulator: Emulator, data_dir: Path) -> Iterator[Kernel]:
    env = {
        "XAI_API_KEY": KEY,
        "XAI_BASE_URL": emulator.base_url,
        "XAI_MAGICS_DATA_DIR": str(data_dir),
    }
    kernel = Kernel(env)
    try:
        kernel.ok(SETUP)
        yield kernel
    finally:
        kernel.shutdown()


@pytest.fixture
def kernel(module_kernel: Kernel, emu: Emulator) -> Kernel:
    """The module's kernel, with the emulator (log, knobs) reset for this test."""
    return module_kernel


def polls(emu: Emulator, status: int | None = None, request_id: str = "") -> list[dict[str, Any]]:
    """The deferred-completion GETs the emulator answered (with ``status``, for
    ``request_id``, if given)."""
    return [
        e
        for e in emu.control.log()
        if f"/chat/deferred-completion/{request_id}" in e["path"] and status in (None, e["status"])
    ]


def ask(kernel: Kernel, prompt: str, options: str = "") -> tuple[str, dict[str, Any]]:
    """Run a deferred cell; its request id and the one output it left."""
    execution = kernel.ok(f"%%grok --deferred {options}\n{prompt}")
    shown = execution.only_display()
    assert shown["display_id"].startswith(PREFIX)
    return shown["display_id"][len(PREFIX) :], shown


def wait_for_update(kernel: Kernel, display_id: str, timeout: float = 30) -> dict[str, Any]:
    """The next ``update_display_data`` for ``display_id`` that is no longer the waiting line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kernel.kc.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        content = msg["content"]
        if msg["msg_type"] != "update_display_data":
            continue
        if content.get("transient", {}).get("display_id") != display_id:
            continue
        if "appears here when ready" not in content["data"]["text/plain"]:
            return dict(content)
    raise AssertionError(f"no update for {display_id} in {timeout} s")


def restart(kernel: Kernel) -> None:
    kernel.restart()
    kernel.ok(SETUP)


def one_line_error(execution: Execution) -> str:
    assert not execution.ok
    reply = execution.reply
    assert reply["ename"] == "UsageError", reply
    assert "\n" not in reply["evalue"]
    assert "Traceback" not in execution.error_text
    return str(reply["evalue"])


def test_the_cell_returns_at_once_and_the_placeholder_fills_in_when_ready(
    kernel: Kernel, emu: Emulator
) -> None:
    emu.control.configure(deferred_seconds=3)
    prompt = "Explain tides in two sentences."
    request_id, shown = ask(kernel, prompt, "-o later")
    assert "appears here when ready" in shown["data"]["text/plain"]
    assert "chat completions" in shown["data"]["text/plain"]  # said, since --api was not given
    (sent,) = [e for e in emu.control.log() if e["method"] == "POST"]
    assert sent["body"]["deferred"] is True
    assert "stream" not in sent["body"]
    assert polls(emu, 200) == []  # the cell ended before the answer was ready

    listing = kernel.ok("%grok_deferred").only_display()["data"]["text/plain"]  # kernel is free
    assert f"{request_id[:8]}" in listing
    assert "pending" in listing

    update = wait_for_update(kernel, PREFIX + request_id)
    assert update["metadata"]["xai_magics"]["deferred"] == request_id
    receipt = update["metadata"]["xai_magics"]["receipt"]
    assert receipt["endpoint"] == "chat"
    assert receipt["elapsed_s"] >= 3  # asked -> fetched, as the emulator held it back
    normal = kernel.ok(f"%%grok --api chat --no-stream -o now\n{prompt}").only_display()
    answer = kernel.value("now.text")
    assert answer
    assert kernel.value("later.result().text") == answer
    # shown as a normal answer is: the same rendered HTML above the receipt
    receipt_div = '<div class="xai-receipt'
    assert receipt_div in update["data"]["text/html"]
    html = update["data"]["text/html"].split(receipt_div)[0]
    assert html == normal["data"]["text/html"].split(receipt_div)[0]
    assert len(polls(emu, 200, request_id)) == 1


RECEIPTS = "len(get_ipython().magics_manager.registry['GrokMagics'].session.ledger.receipts)"


def test_the_answer_is_fetched_exactly_once(kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(deferred_seconds=0.5)
    kernel.ok("%grok_usage --clear")
    request_id, _ = ask(kernel, "Name the moons of Mars.", "-o later")
    text = kernel.value("later.result(timeout=30).text")
    shown_polls = len(polls(emu, None, request_id))
    again = kernel.ok(f"%grok_deferred {request_id[:10]} -o r").only_display()
    assert text in again["data"]["text/plain"]
    kernel.ok(f"%grok_deferred {request_id}")
    kernel.ok("%grok_deferred")
    assert kernel.value("r.text") == text
    assert kernel.value(RECEIPTS) == 1  # shown three times, counted once
    assert len(polls(emu, 200, request_id)) == 1
    assert (
        len(polls(emu, None, request_id)) == shown_polls
    )  # from the store: the server is not asked again


def test_a_request_made_before_a_restart_is_fetched_after_it(kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(deferred_seconds=4)
    request_id, _ = ask(kernel, "What is a quasar?")
    restart(kernel)  # before the answer is ready: the new kernel knows it only from the store
    listing = kernel.ok("%grok_deferred").only_display()["data"]["text/plain"]
    assert "pending" in listing
    assert "Following 1 pending request" in listing
    shown = kernel.ok(f"%grok_deferred {request_id[:8]} --wait -o r", timeout=60)
    (display,) = shown.displays
    text = kernel.value("r.text")
    assert text
    assert text in display["data"]["text/plain"]  # the placeholder was filled in
    assert display["metadata"]["xai_magics"]["deferred"] == request_id
    assert len(polls(emu, 200, request_id)) == 1


def test_an_answer_that_arrived_is_shown_from_the_store_after_a_restart(
    kernel: Kernel, emu: Emulator
) -> None:
    emu.control.configure(deferred_seconds=0.3)
    request_id, _ = ask(kernel, "Why is the sky blue?", "-o later")
    text = kernel.value("later.result(timeout=30).text")
    asked = len(polls(emu, None, request_id))
    restart(kernel)
    shown = kernel.ok(f"%grok_deferred {request_id[:8]} -o again").only_display()
    assert text in shown["data"]["text/plain"]
    assert "<script" not in shown["data"]["text/html"]
    assert kernel.value("again.text") == text
    assert len(polls(emu, None, request_id)) == asked  # xAI gives it once: the store had it
    assert kernel.value(RECEIPTS) == 0  # counted by the session that fetched it, not again


def test_an_expired_request_says_so_in_one_line(kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(deferred_seconds=60, deferred_expire_seconds=0.5)
    request_id, _ = ask(kernel, "Summarise the history of tea.")
    update = wait_for_update(kernel, PREFIX + request_id)
    line = update["data"]["text/plain"]
    assert "\n" not in line
    assert f"Deferred request {request_id[:8]} expired" in line
    assert "24 h" in line
    error = one_line_error(kernel.run(f"%grok_deferred {request_id[:8]}"))
    assert "expired" in error
    assert "expired" in kernel.ok("%grok_deferred").only_display()["data"]["text/plain"]


def test_a_failed_request_says_so_in_one_line(kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(deferred_failure="The model could not finish this request.")
    request_id, _ = ask(kernel, "Prove the Riemann hypothesis.")
    update = wait_for_update(kernel, PREFIX + request_id)
    line = update["data"]["text/plain"]
    assert line == (
        f"Deferred request {request_id[:8]} failed: xAI could not answer it: The model could "
        "not finish this request. Ask again to get an answer."
    )
    assert "failed" in one_line_error(kernel.run(f"%grok_deferred {request_id}"))


@pytest.mark.parametrize(
    "options",
    ["--api responses", "--thread tides", "--compare grok-4.3,grok-3-mini", "--dry-run"],
    ids=["responses", "thread", "compare", "dry-run"],
)
def test_options_a_deferred_request_cannot_honour_are_refused(
    kernel: Kernel, emu: Emulator, options: str
) -> None:
    error = one_line_error(kernel.run(f"%%grok --deferred {options}\nHello"))
    assert "--deferred" in error
    assert not [e for e in emu.control.log() if e["method"] == "POST"]


def test_an_unknown_id_is_one_line(kernel: Kernel) -> None:
    assert "%grok_deferred lists them" in one_line_error(kernel.run("%grok_deferred nosuchid"))


def test_tab_completes_the_option_and_request_ids(kernel: Kernel, emu: Emulator) -> None:
    assert kernel.complete("%%grok --defe") == (["--deferred"], "--defe")
    request_id, _ = ask(kernel, "Hello there.")
    matches, replaced = kernel.complete(f"%grok_deferred {request_id[:3]}")
    assert request_id[:8] in matches
    assert replaced == request_id[:3]


def test_the_help_tells_of_deferred_answers(kernel: Kernel) -> None:
    shown = kernel.ok("%grok?")
    grok_help = str(shown.reply) + str(shown.messages)  # a pager payload in the reply
    assert "--deferred" in grok_help
    assert "%grok_deferred" in grok_help
    shown = kernel.ok("%grok_deferred?")
    deferred_help = str(shown.reply) + str(shown.messages)
    assert "--wait" in deferred_help
    assert "24 h" in deferred_help


def test_the_key_is_in_no_file_of_the_data_dir(kernel: Kernel, data_dir: Path) -> None:
    kernel.ok("%%grok --deferred -o later\nKeep my secrets.")
    assert kernel.value("later.result(timeout=30).status") == "completed"
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "deferred.sqlite3" for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


def test_forget_removes_requests_from_the_list(kernel: Kernel, emu: Emulator) -> None:
    first, _ = ask(kernel, "First to forget.", "-o a")
    second, _ = ask(kernel, "Second to forget.", "-o b")
    kernel.ok("a.result(timeout=30); b.result(timeout=30)")
    kernel.ok("%grok_deferred -o listed")
    assert {first, second} <= set(kernel.value("[r.request_id for r in listed]"))
    assert "Forgot 1 deferred request" in kernel.ok(f"%grok_deferred --forget {first[:8]}").stdout
    kernel.ok("%grok_deferred -o listed")
    ids = kernel.value("[r.request_id for r in listed]")
    assert first not in ids
    assert second in ids
    kernel.ok("%grok_deferred --forget")  # every request that has ended
    kernel.ok("%grok_deferred -o listed")
    assert kernel.value("len(listed)") == 0
