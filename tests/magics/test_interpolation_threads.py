"""Prompt interpolation in the kernel, and conversations whose turns belong to cells."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.kernels import Kernel

from .kernel_harness import requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

SETUP = """
topic = "tides"
n = 3
calls = []
def f():
    calls.append(1)
    return "called"
class Obj:
    attr = "attribute"
obj = Obj()
d = {"k": "indexed"}
import pandas as pd
df = pd.DataFrame({"city": [f"c{i}" for i in range(500)], "pop": range(500)})
"""

CASES = [
    pytest.param("Explain {topic} in {n} lines", "Explain tides in 3 lines", id="names"),
    pytest.param("{{topic}} stays", "{topic} stays", id="escape"),
    pytest.param("{obj.attr} {d['k']} {f()}", "{obj.attr} {d['k']} {f()}", id="no-evaluation"),
    pytest.param(
        "squares = {k: v**2 for k, v in pairs}", "squares = {k: v**2 for k, v in pairs}", id="dict"
    ),
    pytest.param('{"a": {"b": [1, 2]}}', '{"a": {"b": [1, 2]}}', id="json"),
    pytest.param(
        "interface A { x: number }\nconst s = `${topic}`;",
        "interface A { x: number }\nconst s = `${topic}`;",
        id="typescript",
    ),
    pytest.param("$topic and {v:k for k in x}", "$topic and {v:k for k in x}", id="dollar-format"),
]


@pytest.mark.parametrize(("cell", "sent"), CASES)
def test_cell_interpolation(grok_kernel: Kernel, emu: Emulator, cell: str, sent: str) -> None:
    grok_kernel.ok(SETUP)
    grok_kernel.ok(f"%%grok\n{cell}")
    assert requests_to(emu, "/responses")[0]["body"]["input"] == sent
    assert grok_kernel.value("len(calls)") == 0


def test_dataframe_interpolates_as_schema_and_head(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok(SETUP)
    grok_kernel.ok("%%grok\nSummarise {df}")
    sent = requests_to(emu, "/responses")[0]["body"]["input"]
    assert sent.startswith("Summarise DataFrame with 500 rows × 2 columns")
    assert "c4,4" in sent
    assert "c5," not in sent


def test_unknown_name_is_an_error_naming_the_closest(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok(SETUP)
    run = grok_kernel.run("%%grok\nExplain {topik}")
    assert run.reply["ename"] == "UsageError"
    assert "Did you mean {topic}?" in run.error_text
    assert requests_to(emu, "/responses") == []


def test_line_magic_is_not_expanded_by_ipython(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok(SETUP)
    grok_kernel.ok("%grok {{topic}} {n} $topic {topic.upper()}")
    assert requests_to(emu, "/responses")[0]["body"]["input"] == "{topic} 3 $topic {topic.upper()}"


def test_prompt_holding_the_key_is_refused(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("import os; secret = os.environ['XAI_API_KEY']")
    run = grok_kernel.run("%%grok\nMy key is {secret}")
    assert run.reply["ename"] == "UsageError"
    assert "contains the value of XAI_API_KEY" in run.error_text
    assert emu.control.log() == []


def test_huge_prompt_is_refused_with_its_size(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("big = 'x' * 500_000")
    run = grok_kernel.run("%%grok\n{big}")
    assert "500,000 characters" in run.error_text
    assert emu.control.log() == []


def _bodies(emu: Emulator) -> list[dict[str, object]]:
    return [r["body"] for r in requests_to(emu, "/responses")]


def test_thread_continues_and_rerun_replaces_the_turn(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%grok_thread --reset")
    first = "%%grok --thread trip -o a\nPlan a trip"
    second = "%%grok --thread trip -o b\nAdd a museum"
    grok_kernel.ok(first)
    grok_kernel.ok(second)
    grok_kernel.ok(second)  # the same cell again: replaces its own turn
    a_id = grok_kernel.value("a.response_id")
    bodies = _bodies(emu)
    assert "previous_response_id" not in bodies[0]
    assert bodies[1]["previous_response_id"] == a_id
    assert bodies[2]["previous_response_id"] == a_id  # not the first run of the same cell
    assert (
        grok_kernel.value(
            "len(get_ipython().find_magic('grok').__self__.session.threads.get('trip').turns)"
        )
        == 2
    )
    grok_kernel.ok(first)  # re-running the first cell restarts the conversation
    assert "previous_response_id" not in _bodies(emu)[3]
    run = grok_kernel.ok("%grok_thread")
    assert "trip" in run.only_display()["data"]["text/plain"]


def test_chat_thread_sends_the_history_as_messages(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%grok_thread --reset")
    emu.control.inject("answer", "/v1/chat/completions", text="Paris.")
    grok_kernel.ok('%%grok --api chat --thread geo --system "Be terse."\nCapital of France?')
    grok_kernel.ok("%%grok --api chat --thread geo\nAnd of Italy?")
    last = requests_to(emu, "/chat/completions")[-1]["body"]
    assert last["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"},
    ]
    shown = grok_kernel.ok("%grok_thread geo").only_display()["data"]["text/plain"]
    assert "Capital of France?" in shown
    assert "Paris." in shown


def test_new_thread_rerun_restarts_the_same_thread(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%grok_thread --reset")
    cell = "%%grok --new-thread -o t\nHello"
    grok_kernel.ok(cell)
    grok_kernel.ok("t1 = t")
    grok_kernel.ok(cell)
    assert grok_kernel.value("(t1.thread, t.thread)") == ("chat-1", "chat-1")
    grok_kernel.ok("%%grok --new-thread\nAnother conversation")
    assert "chat-2" in grok_kernel.ok("%grok_thread").only_display()["data"]["text/plain"]
    grok_kernel.ok("%%grok --thread chat-1\nGo on")
    assert _bodies(emu)[-1]["previous_response_id"] == grok_kernel.value("t.response_id")


def test_thread_reset(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%grok_thread --reset")
    grok_kernel.ok("%%grok --thread gone\nHello")
    assert "Forgot 1 thread(s): gone" in grok_kernel.ok("%grok_thread --reset gone").stdout
    run = grok_kernel.run("%grok_thread gone")
    assert run.reply["ename"] == "UsageError"


def test_thread_begun_on_chat_continues_on_responses_with_its_history(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    grok_kernel.ok("%grok_thread --reset")
    emu.control.inject("answer", "/v1/chat/completions", text="Paris.")
    grok_kernel.ok("%%grok --api chat --thread mixed\nCapital of France?")
    grok_kernel.ok("%%grok --thread mixed\nAnd of Italy?")
    body = requests_to(emu, "/responses")[-1]["body"]
    assert "previous_response_id" not in body
    assert body["input"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"},
    ]


def test_thread_list_shows_the_context_carried_and_what_it_cost(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    from xai_magics.usage import format_usd

    grok_kernel.ok("%grok_thread --reset")
    grok_kernel.ok("%%grok --thread tally -o t1\nFirst question")
    grok_kernel.ok("%%grok --thread tally -o t2\nSecond question")
    first = grok_kernel.value("t1.usage.input_tokens + t1.usage.output_tokens")
    second_in, second_out = grok_kernel.value("(t2.usage.input_tokens, t2.usage.output_tokens)")
    assert second_in > first  # the second turn carried the first as input
    cost = grok_kernel.value("t1.cost_usd + t2.cost_usd")
    text = grok_kernel.ok("%grok_thread").only_display()["data"]["text/plain"]
    row = next(line for line in text.splitlines() if line.startswith("tally "))
    assert row.split()[1:4] == ["2", f"{second_in + second_out:,}", format_usd(cost)]


def test_each_conversation_keeps_one_prompt_cache_key(grok_kernel: Kernel, emu: Emulator) -> None:
    """Requests sharing a key reach the same prompt cache: one key per thread, one for the
    session's one-off asks; on chat it travels as the x-grok-conv-id header."""
    grok_kernel.ok("%grok_thread --reset")
    grok_kernel.ok("%%grok --thread a\nOne")
    grok_kernel.ok("%%grok --thread a\nTwo")
    grok_kernel.ok("%%grok --thread b\nThree")
    grok_kernel.ok("%%grok\nFour")
    grok_kernel.ok("%%grok\nFive")
    keys = [body.get("prompt_cache_key") for body in _bodies(emu)]
    assert all(isinstance(k, str) and k.startswith("xai-magics-") for k in keys)
    assert keys[0] == keys[1]
    assert keys[3] == keys[4]
    assert len({keys[0], keys[2], keys[3]}) == 3

    grok_kernel.ok("%%grok --api chat --thread c\nSix")
    grok_kernel.ok("%%grok --api chat --thread c\nSeven")
    chat = requests_to(emu, "/chat/completions")
    assert chat[0]["conv_id"] == chat[1]["conv_id"] != keys[0]
    assert chat[0]["conv_id"].startswith("xai-magics-")
    assert "prompt_cache_key" not in chat[0]["body"]
    assert "conversation_id" not in chat[0]["body"]
    shown = grok_kernel.ok("%%grok --dry-run --api chat --thread c\nEight").only_display()
    assert f"x-grok-conv-id: {chat[0]['conv_id']}" in shown["data"]["text/plain"]
