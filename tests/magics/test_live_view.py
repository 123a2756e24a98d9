"""When the live view is made: only for an answer still streaming ``live_view_after`` seconds in.

The other magic tests set ``live_view_after = 0`` so that every answer, however fast the emulator
ends it, streams through the view; these run with the shipped delay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.client.emulated import first_text_event
from tests.kernels import Kernel

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

WORDS = " ".join(f"word{i}" for i in range(40))


@contextmanager
def live_view_after(kernel: Kernel, seconds: float | None) -> Iterator[Kernel]:
    """``None``: the setting's default, as shipped."""
    magics = "get_ipython().magics_manager.registry['GrokMagics']"
    value = f"{magics}.trait_defaults('live_view_after')" if seconds is None else seconds
    kernel.ok(f"{magics}.live_view_after = {value}")
    try:
        yield kernel
    finally:
        kernel.ok("%config GrokMagics.live_view_after = 0")  # as the module's kernel had it


@pytest.fixture
def shipped(grok_kernel: Kernel) -> Iterator[Kernel]:
    """The delay as shipped."""
    with live_view_after(grok_kernel, None) as kernel:
        yield kernel


@pytest.fixture
def patient(grok_kernel: Kernel) -> Iterator[Kernel]:
    """A delay no answer from the emulator at full speed reaches, however busy the machine."""
    with live_view_after(grok_kernel, 5) as kernel:
        yield kernel


def sent_at(message: dict[str, Any]) -> datetime:
    date = message["header"]["date"]
    return date if isinstance(date, datetime) else datetime.fromisoformat(date)


def views_opened(run: Any) -> list[dict[str, Any]]:
    return [
        m
        for m in run.of_type("comm_open")
        if m["content"]["data"].get("state", {}).get("uid")  # a StreamView carries its uid
    ]


def test_an_answer_done_before_the_view_is_due_shows_once_complete(
    patient: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text=WORDS)
    run = patient.ok("%%grok\nquick one")
    assert views_opened(run) == []
    assert run.custom == []
    assert run.of_type("update_display_data") == []
    [display] = run.of_type("display_data")
    assert display["content"]["data"]["text/plain"].startswith(WORDS)
    assert display["content"]["metadata"]["xai_magics"]["receipt"]["output_tokens"] > 0
    assert run.outputs == [run.only_display()]


def test_a_slow_first_token_finds_the_view_already_shown(shipped: Kernel, emu: Emulator) -> None:
    emu.control.configure(ttft_ms=600)
    emu.control.inject("answer", "/v1/responses", text=WORDS)
    run = shipped.ok("%%grok\nslow to start")
    [opened] = views_opened(run)
    first_text = next(m for m in run.of_type("comm_msg") if m["content"]["data"].get("content"))
    # shown long before the first token: the user sees where the answer will appear
    assert (sent_at(first_text) - sent_at(opened)).total_seconds() > 0.3
    assert run.streamed_text == WORDS
    # ... and replaced by the ordinary output at the end
    [final] = run.outputs
    assert final["data"]["text/plain"].startswith(WORDS)


def test_text_before_a_stall_is_shown_during_it(shipped: Kernel, emu: Emulator) -> None:
    start = first_text_event(emu, "responses", "then it pauses")
    emu.control.inject("stall_mid_stream", "/v1/responses", after_events=start + 8, seconds=1.0)
    run = shipped.ok("%%grok -o paused\nthen it pauses")
    answer = shipped.value("paused.text")
    assert len(views_opened(run)) == 1
    # the reasoning comes first (grok-4.3 reasons by default); then the text
    texts = [
        m for m in run.of_type("comm_msg") if m["content"]["data"].get("content", {}).get("text")
    ]
    [end] = run.of_type("update_display_data")
    # the tokens that came before the pause were on screen during it, not only after
    assert (sent_at(end) - sent_at(texts[0])).total_seconds() > 0.7
    assert run.streamed_text == answer
    assert end["content"]["data"]["text/plain"].startswith(answer)


def test_a_paced_answer_streams_every_token_through_the_view(
    shipped: Kernel, emu: Emulator
) -> None:
    emu.control.configure(tokens_per_second=200)
    text = " ".join(f"w{i}" for i in range(120))
    emu.control.inject("answer", "/v1/responses", text=text)
    run = shipped.ok("%%grok\npaced")
    assert len(views_opened(run)) == 1
    # held text and streamed text meet without a gap or a repeat
    assert run.streamed_text == text
    assert 2 <= len(run.custom) <= run.seconds * 5 + 2  # five a second by default


def test_zero_makes_the_view_before_the_request(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text=WORDS)
    run = grok_kernel.ok("%%grok\nfast, but watched")  # the fixture's live_view_after = 0
    assert len(views_opened(run)) == 1
    assert run.streamed_text == WORDS


@contextmanager
def text_mode(kernel: Kernel) -> Iterator[Kernel]:
    """Plain text streaming, as a kernel no front end draws widgets for (nbclient) gets it."""
    kernel.ok('%config GrokMagics.display = "text"')
    try:
        yield kernel
    finally:
        kernel.ok('%config GrokMagics.display = "widget"')  # as the module's kernel had it


def streamed_stdout(run: Any) -> str:
    return "".join(
        m["content"]["text"] for m in run.of_type("stream") if m["content"]["name"] == "stdout"
    )


def test_in_text_mode_an_answer_done_before_it_is_due_is_shown_once(
    patient: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text=WORDS)
    with text_mode(patient):
        run = patient.ok("%%grok\nquick one, no widgets")
    # nothing written to clear away: the final output is the only message of the answer
    assert streamed_stdout(run) == ""
    assert run.of_type("clear_output") == []
    [display] = run.of_type("display_data")
    assert display["content"]["data"]["text/plain"].startswith(WORDS)


def test_in_text_mode_held_text_and_streamed_text_meet(shipped: Kernel, emu: Emulator) -> None:
    emu.control.configure(tokens_per_second=200)
    text = " ".join(f"w{i}" for i in range(120))
    emu.control.inject("answer", "/v1/responses", text=text)
    with text_mode(shipped):
        run = shipped.ok("%%grok\npaced, no widgets")
    # the tokens held for the first 50 ms come out first, then the rest: no gap, no repeat
    assert streamed_stdout(run) == text
    assert len(run.of_type("clear_output")) == 1
    assert run.outputs[-1]["data"]["text/plain"].startswith(text)
