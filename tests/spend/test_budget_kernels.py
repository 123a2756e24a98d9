"""Budgets in real kernels against the emulator: refused before sending, stopped while streaming,
batches priced on submit, one day budget shared by kernels, set from the environment, shown in
``%grok_usage`` and the status bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Execution, Kernel

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

pytestmark = pytest.mark.kernel

# grok-4.3 output price, dollars per token (25,000 ticks)
OUT_USD = 25_000 / 1e10
#: the bound of an uncapped answer is at least its assumed 4,096 output tokens
UNCAPPED_BOUND = 4_096 * OUT_USD

StartKernel = Callable[..., Kernel]


@pytest.fixture
def start_kernel(api_env: dict[str, str], tmp_path: Path) -> Iterator[StartKernel]:
    """Kernels sharing one data dir (the day's spend file), with answers shown as text."""
    started: list[Kernel] = []

    def start(**env: str) -> Kernel:
        kernel = Kernel({**api_env, "XAI_MAGICS_DATA_DIR": str(tmp_path), **env})
        started.append(kernel)
        kernel.ok("%load_ext xai_magics")
        kernel.ok('%config GrokMagics.display = "text"')
        return kernel

    yield start
    for kernel in started:
        kernel.shutdown()


def inference_calls(emu: Emulator) -> int:
    return sum(1 for e in emu.control.log() if e["path"].endswith(("/responses", "/completions")))


def refusal(run: Execution) -> str:
    """The one line a refused cell shows (a UsageError: no traceback)."""
    assert not run.ok
    assert run.reply["ename"] == "UsageError", run.reply
    line: str = run.reply["evalue"]
    assert "\n" not in line
    assert run.stderr.strip() == f"UsageError: {line}"  # the line, and no traceback
    return line


def spent(kernel: Kernel) -> float:
    value: float = kernel.value(
        "__import__('xai_magics.spend').spend.spend_guard().session_spent_usd"
    )
    return value


def snapshot(kernel: Kernel) -> dict[str, Any]:
    found: dict[str, Any] = kernel.value("dict(__import__('xai_magics.status').status.snapshot())")
    return found


def test_session_budget_refuses_a_cell_before_sending(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    kernel = start_kernel()
    kernel.ok("%config GrokMagics.budget_usd = 0.01")
    line = refusal(kernel.run("%%grok\nExplain the tides"))
    assert inference_calls(emu) == 0
    assert line.startswith("Nothing was sent: this answer could cost up to $0.0102")
    assert "4,096 output tokens (assumed 4,096: no --max-tokens)" in line
    assert "$0.0100 is left of the $0.0100 session budget" in line
    for way in ("add --max-tokens N", "--max-cost USD", "%config GrokMagics.budget_usd"):
        assert way in line
    # Following the advice sends it: a cap makes the bound fit.
    run = kernel.ok("%%grok --max-tokens 100 -o r\nExplain the tides")
    assert inference_calls(emu) == 1
    assert kernel.value("r.status") == "completed"
    assert 0 < spent(kernel) == pytest.approx(kernel.value("r.cost_usd"))
    assert "Nothing was sent" not in run.stdout


def test_compare_is_bounded_as_a_whole_by_max_cost(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    kernel = start_kernel()
    kernel.ok("%config GrokMagics.budget_usd = 0.015")
    # Each answer alone would fit; both together (and priority at twice the rate) do not.
    line = refusal(kernel.run("%%grok --compare grok-4.3,grok-4.3@priority\nHaiku"))
    assert line.startswith("Nothing was sent: these 2 answers could cost up to $0.0307")
    assert "priority priced at 2x the default rate (xAI does not publish it)" in line
    assert inference_calls(emu) == 0
    kernel.ok("%%grok --compare grok-4.3,grok-4.3@priority --max-cost 0.01 -o rs\nHaiku")
    assert inference_calls(emu) == 2
    assert kernel.value("[r.status for r in rs]") == ["completed", "completed"]


@pytest.mark.parametrize("display", ["text", "widget"])
def test_a_stream_past_the_budget_is_stopped_and_its_estimate_counted(
    start_kernel: StartKernel, emu: Emulator, display: str
) -> None:
    kernel = start_kernel()
    kernel.ok(f'%config GrokMagics.display = "{display}"')
    budget = 0.012  # an uncapped answer's bound fits; an 8,000-token answer does not
    kernel.ok(f"%config GrokMagics.budget_usd = {budget}")
    emu.control.configure(tokens_per_second=4000)
    run = kernel.ok("%%grok -o r\nemulator:tokens=8000 a long essay")
    assert kernel.value("r.status") == "stopped"
    assert kernel.value("r.stop_reason") == "budget"
    shown = run.only_display()["data"]["text/plain"]
    assert "stopped: budget, after" in shown
    assert "it reached the $0.0120 left of the session budget" in shown
    text = kernel.value("r.text")
    assert 1000 < len(text) < 8000 * 5  # partial: kept, and far from the whole answer
    assert text in shown
    receipt = kernel.value("r.receipt.to_metadata()")
    assert receipt["status"] == "stopped: budget"
    assert receipt["estimated"] is True
    # What arrived is counted: close to the budget, never nothing.
    assert spent(kernel) == pytest.approx(receipt["cost_usd"])
    assert budget * 0.9 < receipt["cost_usd"] < budget * 1.2
    calls = kernel.ok("%grok_usage --calls").displays[-1]["data"]["text/plain"]
    assert "stopped: budget" in calls
    # The budget is spent: the next cell is refused, even with a small cap.
    line = refusal(kernel.run("%%grok --max-tokens 10\nAnother"))
    assert "left of the $0.0120 session budget" in line
    assert inference_calls(emu) == 1


def test_max_cost_stops_a_stream_at_the_cells_own_limit(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    kernel = start_kernel()
    emu.control.configure(tokens_per_second=4000)
    run = kernel.ok("%%grok --max-cost 0.002 -o r\nemulator:tokens=3000 go on")
    assert kernel.value("r.stop_reason") == "budget"
    assert "it reached --max-cost $0.0020" in run.only_display()["data"]["text/plain"]
    assert 0.0018 < kernel.value("r.cost_usd") < 0.0024


SETUP_FRAME = """
import pandas as pd
reviews = pd.DataFrame({"review": ["good", "bad", "fine"]})
"""


def batch_creates(emu: Emulator) -> int:
    return sum(1 for e in emu.control.log() if e["method"] == "POST" and e["path"] == "/v1/batches")


@pytest.mark.parametrize(
    ("setup", "options", "says"),
    [
        pytest.param(
            "",
            "--max-cost 0.001",
            # 42 input and 12,288 output tokens at the batch rate: 0.8 of grok-4.3's list prices
            "Nothing was sent: this batch of 3 requests could cost up to $0.0246 "
            "(≈42 input tokens and 12,288 output tokens (assumed 4,096 an answer: no "
            "--max-tokens)), more than --max-cost $0.001000. To go ahead: add --max-tokens N "
            "or raise --max-cost.",
            id="max-cost",
        ),
        pytest.param(
            "%config GrokMagics.budget_usd = 0.001",
            "--max-tokens 200",
            "is left of the $0.001000 session budget. To go ahead: lower --max-tokens, or raise "
            "the budget (%config GrokMagics.budget_usd = ...).",
            id="session-budget",
        ),
    ],
)
def test_a_batch_that_could_pass_its_limit_is_not_created(
    start_kernel: StartKernel, emu: Emulator, setup: str, options: str, says: str
) -> None:
    kernel = start_kernel()
    kernel.ok(SETUP_FRAME + "\n" + setup)
    line = refusal(kernel.run(f'%grok_batch reviews --prompt "Sentiment of: {{review}}" {options}'))
    assert says in line
    assert batch_creates(emu) == 0
    assert not [e for e in emu.control.log() if e["path"].startswith("/v1/batches")]
    assert kernel.value("__import__('xai_magics.batch').batch.list_jobs()") == []
    # Within the limits, the batch goes out.
    kernel.ok("%config GrokMagics.budget_usd = 1")
    kernel.ok(
        '%grok_batch reviews --prompt "Sentiment of: {review}" --max-tokens 20 --max-cost 0.05'
    )
    assert batch_creates(emu) == 1


@pytest.mark.parametrize(
    ("setup", "options"),
    [
        pytest.param("", "--max-cost 0.0001", id="max-cost"),
        pytest.param("%config GrokMagics.budget_usd = 0.0001", "", id="session-budget"),
    ],
)
def test_rows_answered_now_are_priced_before_the_first_request(
    start_kernel: StartKernel, emu: Emulator, setup: str, options: str
) -> None:
    kernel = start_kernel()
    kernel.ok(SETUP_FRAME + "\n" + setup)
    line = refusal(
        kernel.run(f'%grok_batch reviews --prompt "Sentiment of: {{review}}" --now {options}')
    )
    assert "Nothing was sent" in line
    assert "--now for 3 rows" in line
    assert inference_calls(emu) == 0


def test_a_running_batch_holds_its_bound_until_its_results_are_in(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    kernel = start_kernel()
    emu.control.configure(batch_seconds_per_request=3600)
    kernel.ok(SETUP_FRAME + "\n%config GrokMagics.budget_usd = 0.010")
    kernel.ok('job = %grok_batch reviews --prompt "Sentiment of: {review}" --max-tokens 100')
    # (100 + 1,024) tokens x 3 rows at the batch rate is reserved: a second one does not fit.
    line = refusal(
        kernel.run('%grok_batch reviews --prompt "Mood of: {review}" --max-tokens 100 --new')
    )
    assert "this batch of 3 requests" in line
    assert batch_creates(emu) == 1


def test_one_day_budget_is_shared_by_two_kernels(start_kernel: StartKernel, emu: Emulator) -> None:
    day = {"XAI_MAGICS_BUDGET_DAY_USD": "0.012"}
    first, second = start_kernel(**day), start_kernel(**day)
    first.ok("%%grok --max-tokens 1000 -o r\nemulator:tokens=1000 spend some")
    first_spent = spent(first)
    assert first_spent > 0.002  # enough that an uncapped answer no longer fits today
    assert spent(second) == 0
    usage = second.ok("%grok_usage").displays[0]["data"]["text/plain"]
    assert f"Budget today, all kernels: ${first_spent:.4f} of $0.0120" in usage
    line = refusal(second.run("%%grok\nMy turn"))
    left = 0.012 - first_spent
    assert f"${left:.4f} is left of the $0.0120 day budget (all kernels)" in line
    assert "raise XAI_MAGICS_BUDGET_DAY_USD (set in the environment)" in line
    assert inference_calls(emu) == 1
    # The second kernel's spend counts for the first too.
    second.ok("%%grok --max-tokens 200\nA short one")
    both = first_spent + spent(second)
    usage = first.ok("%grok_usage").displays[0]["data"]["text/plain"]
    assert f"${both:.4f} of $0.0120" in usage


def test_a_call_in_flight_in_one_kernel_holds_the_day_budget_for_the_other(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    day = {"XAI_MAGICS_BUDGET_DAY_USD": "0.012"}
    first, second = start_kernel(**day), start_kernel(**day)
    emu.control.configure(tokens_per_second=50)
    streaming = first.start("%%grok\nemulator:tokens=150 slowly")  # holds its 4,096-token bound
    deadline = time.monotonic() + 30
    while inference_calls(emu) == 0:
        assert time.monotonic() < deadline, "the first kernel's answer never started"
        time.sleep(0.02)
    line = refusal(second.run("%%grok --max-tokens 400\nMeanwhile"))
    assert "left of the $0.0120 day budget (all kernels)" in line
    first.collect(streaming, timeout=60)
    # Its bound given back and its real cost counted, the same cell now fits.
    second.ok("%%grok --max-tokens 400\nMeanwhile")
    assert inference_calls(emu) == 2


def test_environment_variables_set_the_budget_for_every_kernel(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    kernel = start_kernel(XAI_MAGICS_BUDGET_USD="0.01")
    line = refusal(kernel.run("%%grok\nHello"))
    assert "left of the $0.0100 session budget" in line
    assert "raise XAI_MAGICS_BUDGET_USD (set in the environment)" in line
    # %config can tighten a teacher's budget, not loosen it.
    kernel.ok("%config GrokMagics.budget_usd = 100")
    assert "left of the $0.0100 session budget" in refusal(kernel.run("%%grok\nHello"))
    kernel.ok("%config GrokMagics.budget_usd = 0.005")
    line = refusal(kernel.run("%%grok\nHello"))
    assert "left of the $0.005000 session budget" in line
    assert "%config GrokMagics.budget_usd" in line
    assert inference_calls(emu) == 0
    garbled = start_kernel(XAI_MAGICS_BUDGET_USD="five dollars")
    line = refusal(garbled.run("%%grok\nHello"))
    assert "XAI_MAGICS_BUDGET_USD='five dollars' is not a dollar amount" in line
    assert inference_calls(emu) == 0


def test_usage_and_status_bar_show_spend_against_the_budget(
    start_kernel: StartKernel, emu: Emulator
) -> None:
    kernel = start_kernel()
    assert "budget" not in snapshot(kernel)
    set_it = kernel.ok("%config GrokMagics.budget_usd = 0.01", other_cells=True)
    opened = [m for m in set_it.messages if m["msg_type"] in ("comm_open", "comm_msg")]
    assert opened[-1]["content"]["data"]["budget"]["text"] == "$0.0000 of $0.0100"
    kernel.ok("%%grok --max-tokens 100 -o r\nA little")
    cost = kernel.value("r.cost_usd")
    budget = snapshot(kernel)["budget"]
    assert budget["text"] == f"${cost:.4f} of $0.0100"
    assert budget["warning"] is False
    assert budget["scope"] == "session"
    usage = kernel.ok("%grok_usage").displays[0]["data"]
    assert usage["text/plain"].startswith(f"Budget this session: ${cost:.4f} of $0.0100 (")
    assert "⚠" not in usage["text/plain"]
    # Past 80%: a warning, in both places.
    emu.control.configure(tokens_per_second=4000)
    kernel.ok("%%grok --max-cost 0.008\nemulator:tokens=8000 more")
    budget = snapshot(kernel)["budget"]
    assert budget["warning"] is True
    assert budget["spent_usd"] / 0.01 >= 0.8
    usage = kernel.ok("%grok_usage").displays[0]["data"]
    assert usage["text/plain"].startswith("⚠ Budget this session: $0.00")
    assert "left. A call that could cost more is refused" in usage["text/plain"]
    assert "font-weight:bold" in usage["text/html"]
    # Clearing the usage table does not give the budget back.
    kernel.ok("%grok_usage --clear")
    assert snapshot(kernel)["budget"]["warning"] is True


def test_speech_past_the_budget_is_not_spoken(start_kernel: StartKernel, emu: Emulator) -> None:
    kernel = start_kernel()
    kernel.ok("%config GrokMagics.budget_usd = 0.00005")  # speech: $4.20 a million characters
    line = refusal(kernel.run("%grok_tts Hello there, class of 2026!"))
    assert line.startswith(
        "Nothing was sent: this speech could cost up to $0.000113 (27 characters to speak)"
    )
    assert "To go ahead: speak a shorter text, or raise the budget" in line
    assert not [e for e in emu.control.log() if "tts" in e["path"]]
    kernel.ok("%grok_tts Hello there")
    assert [e for e in emu.control.log() if "tts" in e["path"]]
    assert spent(kernel) == pytest.approx(11 * 4.2e-6)


def test_a_dry_run_says_what_the_budget_would_do(start_kernel: StartKernel, emu: Emulator) -> None:
    kernel = start_kernel()
    kernel.ok("%config GrokMagics.budget_usd = 0.01")
    shown = kernel.ok("%%grok --dry-run\nExplain the tides").only_display()["data"]["text/plain"]
    assert "Budget: refused if sent now: it could cost up to $0.0102" in shown
    shown = kernel.ok("%%grok --dry-run --max-tokens 100\nTides").only_display()["data"]
    assert (
        "Budget: it would be sent, and stopped if it reached the $0.0100 left of the session "
        "budget." in shown["text/plain"]
    )
    assert inference_calls(emu) == 0
    assert snapshot(kernel)["budget"]["text"] == "$0.0000 of $0.0100"  # nothing held
