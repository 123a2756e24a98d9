"""``%%grok`` in a real kernel: streaming, the final output, the cell value, receipts."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from tests.client.emulated import first_text_event
from tests.kernels import Kernel
from xai_magics.render import render_markdown

from .kernel_harness import CANARY_KEY, assert_inert_html, requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

ANSWER = "# Tides\n\nThe **moon** pulls the sea. Here is `code` and a list:\n\n- one\n- two\n"


def test_stream_ends_as_one_ordinary_display_with_receipt(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    run = grok_kernel.ok("%%grok\nExplain tides")
    out = run.only_display()
    assert out["output_type"] == "display_data"
    assert set(out["data"]) == {"text/html", "text/markdown", "text/plain"}
    assert "<h1>Tides</h1>" in out["data"]["text/html"]
    assert out["data"]["text/plain"].startswith(ANSWER)
    receipt = out["metadata"]["xai_magics"]["receipt"]
    assert receipt["model"] == "grok-4.3"
    assert receipt["tier"] == "default"
    assert receipt["output_tokens"] > 0
    assert receipt["cost_usd"] > 0
    assert receipt["ttft_s"] is not None
    assert "grok-4.3 · default tier" in out["data"]["text/html"]
    # the deltas went over the widget's comm and add up to the answer; its blocks, rendered
    # once each as they completed, add up to the final output's rendering of it
    assert run.streamed_text == ANSWER
    keys = {"text", "html", "rendered", "reasoning", "status", "done"}
    assert all(set(c) <= keys for c in run.custom)
    # only the last piece says the answer is complete (the view shows it without pacing)
    assert [c.get("done") for c in run.custom] == [None] * (len(run.custom) - 1) + [1]
    assert "".join(c.get("html", "") for c in run.custom) == render_markdown(ANSWER)
    assert sum(c.get("rendered", 0) for c in run.custom) == len(ANSWER)
    # the cell value is the result, not shown a second time
    assert not [o for o in run.outputs if o["output_type"] == "execute_result"]
    assert grok_kernel.value("type(_).__name__") == "GrokResult"
    assert grok_kernel.value("_.text") == ANSWER


def test_deltas_are_coalesced_not_sent_per_token(grok_kernel: Kernel, emu: Emulator) -> None:
    text = " ".join(f"word{i}" for i in range(600))
    emu.control.inject("answer", "/v1/responses", text=text)
    run = grok_kernel.ok("%%grok\nLong one")
    assert run.streamed_text == text
    # at most 5 messages a second (the default), however fast the 600+ tokens arrive
    assert 1 <= len(run.custom) <= run.seconds * 5 + 2
    assert len(run.custom) < 600 / 10


def test_result_object_and_output_variable(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text="forty-two")
    grok_kernel.ok("%%grok -o answer\nMeaning of life?")
    assert grok_kernel.value("answer.text") == "forty-two"
    assert grok_kernel.value("answer.status") == "completed"
    assert grok_kernel.value("answer.tier") == "default"
    assert grok_kernel.value("answer.usage.output_tokens") > 0
    rep = grok_kernel.value("repr(answer)")
    assert rep.startswith("GrokResult(status='completed', model='grok-4.3', tier='default'")
    assert "text='forty-two'" in rep
    assert CANARY_KEY not in rep


def test_redisplaying_the_result_later_shows_the_answer(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text="shown again")
    grok_kernel.ok("%%grok -o r\nx")
    run = grok_kernel.ok("r")
    assert run.only_display()["data"]["text/plain"].startswith("shown again")


def test_hostile_answer_split_across_deltas_is_inert(grok_kernel: Kernel, emu: Emulator) -> None:
    payload = (
        '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> '
        "[x](javascript:alert(1)) ![i](http://127.0.0.1:9/?d=secret) <iframe srcdoc='x'></iframe>"
    )
    emu.control.inject("answer", "/v1/responses", text=payload)
    run = grok_kernel.ok("%%grok\nbe evil")
    out = run.only_display()
    assert_inert_html(out["data"]["text/html"])
    assert "&lt;script&gt;" in out["data"]["text/html"]
    assert run.streamed_text == payload  # streamed as text, to be shown with textContent
    assert len(run.custom) >= 1
    live_html = "".join(c.get("html", "") for c in run.custom)  # blocks rendered while streaming
    assert_inert_html(live_html)
    assert "&lt;script&gt;" in live_html


def test_line_magic_keeps_the_prompt_verbatim(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("topic = 'tides'")
    grok_kernel.ok('%grok -m grok-4.3 What\'s {topic}? Use {k: v for k, v in d} and "quotes"')
    body = requests_to(emu, "/responses")[-1]["body"]
    assert body["input"] == 'What\'s tides? Use {k: v for k, v in d} and "quotes"'


def test_no_stream_waits_and_shows_one_display(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text="whole")
    run = grok_kernel.ok("%%grok --no-stream\nx")
    assert run.only_display()["data"]["text/plain"].startswith("whole")
    assert run.custom == []
    assert "stream" not in requests_to(emu, "/responses")[-1]["body"]


def test_reasoning_streams_apart_and_ends_collapsed(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.ok("%%grok -m grok-3-mini -o r\nWhy is the sky blue?")
    assert any("reasoning" in c for c in run.custom)
    reasoning = "".join(c.get("reasoning", "") for c in run.custom)
    assert reasoning == grok_kernel.value("r.reasoning")
    html = run.only_display()["data"]["text/html"]
    assert '<details class="xai-reasoning"><summary>Reasoning</summary>' in html
    assert "<details open" not in html
    receipt = run.only_display()["metadata"]["xai_magics"]["receipt"]
    assert receipt["reasoning_tokens"] > 0


def test_code_format_offers_the_code_as_a_new_cell(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text="Here:\n```python\nprint('hi')\n```\n")
    run = grok_kernel.ok("%%grok -f code\nWrite hello world")
    payloads = run.reply.get("payload", [])
    assert [p["text"] for p in payloads if p["source"] == "set_next_input"] == ["print('hi')"]
    assert "<pre>print(&#x27;hi&#x27;)</pre>" in run.only_display()["data"]["text/html"]


def test_text_held_back_is_sent_when_the_stream_pauses(grok_kernel: Kernel, emu: Emulator) -> None:
    import time

    # a pause in the visible text, past the reasoning that comes first
    stall_at_event = first_text_event(emu, "responses", "Q") + 6
    emu.control.inject(
        "stall_mid_stream", "/v1/responses", after_events=stall_at_event, seconds=1.5
    )
    arrivals: list[tuple[float, str]] = []

    def record(msg: dict[str, object]) -> None:
        content = msg["content"]
        assert isinstance(content, dict)
        data = content.get("data", {})
        if msg["msg_type"] == "comm_msg" and data.get("method") == "custom":
            arrivals.append((time.monotonic(), data["content"].get("text", "")))

    run = grok_kernel.ok("%%grok -o r\nQ", on_message=record)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(arrivals)]
    stall_at = max(range(len(gaps)), key=gaps.__getitem__)
    assert gaps[stall_at] > 1.0
    before = "".join(text for _, text in arrivals[: stall_at + 1])
    # everything that arrived before the stall was on screen during it, not held until after
    assert before
    emu.control.inject(
        "stall_mid_stream", "/v1/responses", after_events=stall_at_event, seconds=0.5
    )
    from xai_magics.client import TextDelta, XAIClient

    with XAIClient(api_key=CANARY_KEY, base_url=emu.base_url) as client:
        stream = client.responses.stream(model="grok-4.3", input="Q")
        delivered, last = "", time.monotonic()
        for event in stream:
            now = time.monotonic()
            if now - last > 0.4:
                break
            last = now
            if isinstance(event, TextDelta):
                delivered += event.text
    assert before == delivered
    assert run.streamed_text == grok_kernel.value("r.text")


def test_headless_kernel_streams_text_after_its_first_answer(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    grok_kernel.ok('%config GrokMagics.display = "auto"')
    try:
        # views were shown in this kernel and no front end ever said it drew one
        emu.control.inject("answer", "/v1/responses", text="as **text**")
        run = grok_kernel.ok("%%grok\nQ")
        assert run.custom == []
        assert "as **text**" in run.stdout  # streamed to stdout...
        out = run.only_display()  # ...then replaced by the one final display
        assert "<strong>text</strong>" in out["data"]["text/html"]
        assert [o["output_type"] for o in run.outputs] == ["display_data"]
        # once a front end reports a drawn view (as the view's JS does, after the cell), answers
        # stream into widgets again
        comm_id = grok_kernel.value(
            "__import__('xai_magics.widgets.stream_view').widgets.stream_view"
            ".StreamView.last.comm.comm_id"
        )
        kc = grok_kernel.kc
        content = {"type": "rendered"}
        data = {"method": "custom", "content": content}
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))
        assert grok_kernel.ok("%%grok\nQ").custom != []
    finally:
        grok_kernel.ok('%config GrokMagics.display = "widget"')


@pytest.mark.parametrize(
    "answer", ["/etc/passwd", "http://127.0.0.1:9/canary"], ids=["existing-path", "bare-url"]
)
def test_answer_that_looks_like_a_path_or_url_is_shown_not_fetched(
    grok_kernel: Kernel, emu: Emulator, answer: str
) -> None:
    emu.control.inject("answer", "/v1/responses", text=answer)
    out = grok_kernel.ok("%%grok\nQ").only_display()
    assert out["data"]["text/plain"].split("\n\n[")[0] == answer
    assert "root:" not in out["data"]["text/html"]
    assert answer in out["data"]["text/html"]


@pytest.mark.parametrize("fmt", ["text", "code"])
def test_answers_not_shown_as_markdown_stream_as_text_only(
    grok_kernel: Kernel, emu: Emulator, fmt: str
) -> None:
    # Their final output is preformatted text or a code block: rendered Markdown blocks live
    # would jump into a different layout at the end.
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    run = grok_kernel.ok(f"%%grok -f {fmt}\nExplain tides")
    assert run.streamed_text == ANSWER
    assert [c for c in run.custom if "html" in c or "rendered" in c] == []
