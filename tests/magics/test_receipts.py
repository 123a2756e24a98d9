"""Receipts a user can trust on the real service: the tier actually granted, retired models,
what a stopped answer still costs, and answers cut short by their token cap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.client.emulated import first_text_event
from tests.kernels import Kernel

from .kernel_harness import text_table_rows

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

LONG = " ".join(f"word{i}" for i in range(400))
# grok-4.3's list prices, ticks per token (input, cached input, output)
GROK_43 = (12500, 2000, 25000)


def list_price(usage: dict[str, int], prices: tuple[int, int, int] = GROK_43) -> float:
    """What ``usage`` costs at the standard (default tier) rate; reasoning bills as output."""
    inp, cached, out = prices
    ticks = (usage["input_tokens"] - usage["cached_input_tokens"]) * inp
    ticks += usage["cached_input_tokens"] * cached
    ticks += (usage["output_tokens"] + usage["reasoning_tokens"]) * out
    return ticks / 1e10


def usage_of(kernel: Kernel, name: str) -> dict[str, int]:
    fields = ["input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens"]
    return {f: kernel.value(f"{name}.receipt.{f}") for f in fields}


def usage_table(kernel: Kernel, flags: str = "") -> list[dict[str, str]]:
    return text_table_rows(kernel.ok(f"%grok_usage {flags}").only_display()["data"]["text/plain"])


def status_snapshot(kernel: Kernel) -> dict[str, Any]:
    snapshot: dict[str, Any] = kernel.value(
        "dict(__import__('xai_magics.status').status.snapshot())"
    )
    return snapshot


# -- priority asked, default served ------------------------------------------------------------


def test_priority_not_granted_says_so_and_costs_the_default_rate(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.configure(priority_granted=False)
    run = grok_kernel.ok("%%grok --tier priority -o r\nQ")
    shown = run.only_display()["data"]["text/plain"]
    assert "asked priority, served default" in shown
    assert grok_kernel.value("r.tier") == "default"
    cost = grok_kernel.value("r.cost_usd")
    assert cost == grok_kernel.value("r.usage.cost_usd")  # the server's figure
    assert abs(cost - list_price(usage_of(grok_kernel, "r"))) < 1e-12
    row, _total = usage_table(grok_kernel)
    assert row["tier"] == "asked priority, served default"
    (call,) = usage_table(grok_kernel, "--calls")
    assert call["tier"] == "asked priority, served default"


def test_priority_granted_bills_more_than_the_default_rate(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    grok_kernel.ok("%%grok --tier priority -o r\nQ")
    assert grok_kernel.value("r.tier") == "priority"
    assert grok_kernel.value("r.cost_usd") > list_price(usage_of(grok_kernel, "r"))
    row, _total = usage_table(grok_kernel)
    assert row["tier"] == "priority"


def test_compare_columns_show_the_tier_granted(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(priority_granted=False)
    run = grok_kernel.ok("%%grok --compare grok-4.3,grok-4.3@priority -o rs\nHaiku")
    rows = text_table_rows(run.only_display()["data"]["text/plain"])
    assert [r["tier"] for r in rows] == ["default", "asked priority, served default"]
    assert rows[0]["cost"] == rows[1]["cost"]  # the same answer, at the same (default) rate
    assert [r["status"] for r in rows] == ["completed", "completed"]


# -- retired models ------------------------------------------------------------------------------


def test_deprecated_model_names_the_replacement_to_use(grok_kernel: Kernel, emu: Emulator) -> None:
    # the emulator answers grok-beta as recorded: 404, plain JSON even to a stream request
    for flags in ("", "--no-stream", "--api chat"):
        run = grok_kernel.run(f"%%grok -m grok-beta {flags}\nQ")
        assert run.reply["ename"] == "UsageError"
        message = run.reply["evalue"]
        assert message.startswith("grok-beta is deprecated: use -m grok-3"), message
        assert "2025-09-15" in message
        assert "HTTP 404" in message
        assert "Did you mean" not in message  # no closest-name guess for a retired model
        assert "Traceback" not in run.error_text
        assert "\n" not in message
    shown = grok_kernel.ok("%%grok --compare grok-beta,grok-4.3\nQ").only_display()
    plain = shown["data"]["text/plain"]
    assert "grok-beta is deprecated: ask grok-3 in --compare" in plain
    assert [r["status"] for r in text_table_rows(plain)] == ["error", "completed"]


# -- a stopped answer still costs money ------------------------------------------------------


def interrupt_on_first_text(kernel: Kernel) -> Any:
    interrupted: list[bool] = []

    def hook(msg: dict[str, Any]) -> None:
        data = msg["content"].get("data", {})
        # the model reasons first (as grok-4.3 does): stop once visible text has arrived
        has_text = data.get("method") == "custom" and data.get("content", {}).get("text")
        if not interrupted and msg["msg_type"] == "comm_msg" and has_text:
            interrupted.append(True)
            kernel.km.interrupt_kernel()

    return hook


def test_stopped_answer_is_counted_as_an_estimate(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(tokens_per_second=40)
    emu.control.inject("answer", "/v1/responses", text=LONG)
    run = grok_kernel.run(
        "%%grok -o r\nCount slowly", on_message=interrupt_on_first_text(grok_kernel)
    )
    emu.control.configure(tokens_per_second=0)
    assert run.ok
    assert grok_kernel.value("r.status") == "stopped"
    assert grok_kernel.value("r.usage") is None  # xAI's usage never came
    receipt = run.only_display()["metadata"]["xai_magics"]["receipt"]
    assert receipt["estimated"] is True
    usage = usage_of(grok_kernel, "r")
    assert usage["input_tokens"] > 0
    partial = grok_kernel.value("len(r.text)")
    assert 0 < usage["output_tokens"] < len(LONG) / 4  # the text received, not the whole
    assert usage["output_tokens"] >= partial / 8
    cost = grok_kernel.value("r.cost_usd")
    assert cost == receipt["cost_usd"]
    assert abs(cost - list_price(usage)) < 1e-12
    plain = run.only_display()["data"]["text/plain"]
    assert "est." in plain
    assert "stopped after" in plain
    # %grok_usage and the status bar count it, marked as an estimate
    row, _total = usage_table(grok_kernel)
    assert row["estimated"] == row["cost"].replace("$", "≈$")
    assert float(row["cost"].lstrip("$")) > 0
    (call,) = usage_table(grok_kernel, "--calls")
    assert call["cost"].startswith("≈$")
    assert call["cost"].endswith("est.")
    assert call["status"] == "stopped"
    snapshot = status_snapshot(grok_kernel)
    assert abs(snapshot["estimated_usd"] - cost) < 1e-12
    assert abs(snapshot["spend_usd"] - cost) < 1e-12
    # a completed answer brings the server's usage: nothing estimated
    grok_kernel.ok("%%grok -o done\nNext")
    assert grok_kernel.value("done.receipt.estimated") is False
    assert grok_kernel.value("done.cost_usd") == grok_kernel.value("done.usage.cost_usd")
    after = status_snapshot(grok_kernel)
    assert abs(after["estimated_usd"] - cost) < 1e-12
    assert abs(after["spend_usd"] - cost - grok_kernel.value("done.cost_usd")) < 1e-12


def test_cut_stream_is_counted_as_an_estimate(grok_kernel: Kernel, emu: Emulator) -> None:
    start = first_text_event(emu, "chat", "Q")
    emu.control.configure(tokens_per_second=100)
    emu.control.inject("reset_mid_stream", "/v1/chat/completions", after_events=start + 8)
    run = grok_kernel.run("%%grok --api chat -o r\nQ")
    emu.control.configure(tokens_per_second=0)
    assert run.reply["ename"] == "UsageError"
    assert grok_kernel.value("r.status") == "error"
    assert grok_kernel.value("len(r.text) > 0") is True
    assert grok_kernel.value("r.receipt.estimated") is True
    cost = grok_kernel.value("r.cost_usd")
    assert cost > 0
    assert "est." in run.only_display()["data"]["text/plain"]
    assert abs(status_snapshot(grok_kernel)["estimated_usd"] - cost) < 1e-12


# -- reasoning made visible; answers cut by their cap --------------------------------------

NO_ANSWER = (
    "incomplete, no answer: reasoning used 5 of 5 tokens; "
    "raise --max-tokens or lower --reasoning-effort"
)


def test_reasoning_that_uses_the_whole_cap_is_not_a_blank_success(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    # as xAI documents it: on Responses, max_output_tokens counts reasoning too
    emu.control.configure(max_output_tokens_includes_reasoning=True)
    for cell in (
        "%%grok --reasoning-effort high --max-tokens 5 -o r\nQ",
        "%%grok --reasoning-effort high --max-tokens 5 --no-stream -o r\nQ",
        "%grok --reasoning-effort high --max-tokens 5 -o r Q",
    ):
        run = grok_kernel.ok(cell)
        assert grok_kernel.value("r.status") == "incomplete"
        assert grok_kernel.value("r.incomplete_reason") == "max_output_tokens"
        assert grok_kernel.value("r.ok") is False
        assert grok_kernel.value("r.text") == ""
        data = run.only_display()["data"]
        assert NO_ANSWER in data["text/plain"], cell
        assert NO_ANSWER in data["text/html"]
        assert "5 reasoning" in data["text/plain"]  # the receipt: what the tokens went to


def test_compare_column_says_the_cap_was_reached(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(max_output_tokens_includes_reasoning=True)
    run = grok_kernel.ok(
        "%%grok --compare grok-4.3,grok-4.3@priority --reasoning-effort high --max-tokens 5\nQ"
    )
    plain = run.only_display()["data"]["text/plain"]
    rows = text_table_rows(plain)
    assert [r["status"] for r in rows] == ["incomplete (max_output_tokens)"] * 2
    assert plain.count(NO_ANSWER) == 2  # in each model's column


def test_partial_answer_is_kept_and_marked_incomplete(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(max_output_tokens_includes_reasoning=True)
    grok_kernel.ok("%%grok --reasoning-effort high -o full\nQ")
    reasoning = grok_kernel.value("full.usage.reasoning_tokens")
    assert reasoning > 0
    cap = reasoning + 3
    run = grok_kernel.ok(f"%%grok --reasoning-effort high --max-tokens {cap} -o r\nQ")
    assert grok_kernel.value("r.status") == "incomplete"
    text = grok_kernel.value("r.text")
    assert text
    assert grok_kernel.value("full.text").startswith(text)
    plain = run.only_display()["data"]["text/plain"]
    assert plain.startswith(text)
    assert (
        f"incomplete, cut at --max-tokens {cap:,}: reasoning used {reasoning:,} of {cap:,} tokens"
        in plain
    )


def test_reasoning_past_the_cap_is_not_blamed_for_the_cut(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    """Recorded grok-4.3 reasoned past max_output_tokens and only the answer was capped."""
    run = grok_kernel.ok("%%grok --max-tokens 4 -o r\nQ")
    assert grok_kernel.value("r.status") == "incomplete"
    assert grok_kernel.value("r.usage.reasoning_tokens") > 4
    assert grok_kernel.value("r.usage.output_tokens") == 4
    plain = run.only_display()["data"]["text/plain"]
    assert plain.startswith(grok_kernel.value("r.text"))
    assert "incomplete: cut at --max-tokens 4; raise --max-tokens to get the rest" in plain
    assert "reasoning used" not in plain


def test_chat_cut_at_max_tokens_is_marked(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.ok("%%grok --api chat --max-tokens 3 -o r\nQ")
    assert grok_kernel.value("r.status") == "incomplete"
    assert grok_kernel.value("r.incomplete_reason") == "length"
    assert grok_kernel.value("len(r.text) > 0") is True
    plain = run.only_display()["data"]["text/plain"]
    assert "incomplete: cut at --max-tokens 3; raise --max-tokens to get the rest" in plain


def test_receipt_and_usage_show_reasoning_and_its_cost(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.ok("%%grok --reasoning-effort high -o r\nQ")
    reasoning = grok_kernel.value("r.usage.reasoning_tokens")
    assert reasoning > 0
    share = reasoning * GROK_43[2] / 1e10  # billed at the output rate
    assert abs(grok_kernel.value("r.receipt.reasoning_cost_usd") - share) < 1e-12
    plain = run.only_display()["data"]["text/plain"]
    assert f"{reasoning:,} reasoning (${share:.6f})" in plain
    row, total = usage_table(grok_kernel)
    assert row["reasoning"] == f"{reasoning:,}"
    assert row["reasoning cost"] == f"${share:.6f}"
    assert total["reasoning cost"] == row["reasoning cost"]


def chat_events(emu: Emulator, prompt: str) -> list[str]:
    """The SSE events of the emulator's chat stream for ``prompt`` (then the log is reset)."""
    import httpx

    body = {
        "model": "grok-4.3",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": prompt}],
    }
    response = httpx.post(
        emu.base_url + "/chat/completions",
        json=body,
        headers={"Authorization": "Bearer xai-probe-key-for-the-emulator"},
        timeout=10,
    )
    emu.control.reset()
    return [block for block in response.text.split("\n\n") if block.strip()]


def test_usage_that_arrived_before_a_cut_is_the_server_s(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    events = chat_events(emu, "Q")
    assert '"usage"' in events[-2]
    assert events[-1] == "data: [DONE]"
    # everything but [DONE]: the usage came, then the stream ended early
    emu.control.inject("eof_mid_stream", "/v1/chat/completions", after_events=len(events) - 1)
    run = grok_kernel.run("%%grok --api chat -o r\nQ")
    assert run.reply["ename"] == "UsageError"
    assert grok_kernel.value("r.status") == "error"
    assert grok_kernel.value("r.usage is not None") is True
    assert grok_kernel.value("r.receipt.estimated") is False
    assert grok_kernel.value("r.cost_usd") == grok_kernel.value("r.usage.cost_usd")
    plain = run.only_display()["data"]["text/plain"]
    assert "grok-4.3 · default tier ·" in plain  # the text that came, with what it cost
    assert "est." not in plain
    assert status_snapshot(grok_kernel)["estimated_usd"] == 0
