"""A missing key is asked for with a hidden prompt where the front end can ask, and only there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.kernels import Kernel

from .kernel_harness import CANARY_KEY

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


@pytest.fixture
def keyless(grok_kernel: Kernel) -> Iterator[Kernel]:
    """The module's kernel with XAI_API_KEY unset (put back afterwards)."""
    grok_kernel.ok("import os; os.environ.pop('XAI_API_KEY', None)")
    yield grok_kernel
    grok_kernel.ok(f"os.environ['XAI_API_KEY'] = {CANARY_KEY!r}")


def test_missing_key_is_asked_for_hidden_and_kept_for_the_session(
    keyless: Kernel, emu: Emulator
) -> None:
    msg_id = keyless.start("%%grok -o r\nWhy is the sky blue?", allow_stdin=True)
    request = keyless.kc.get_stdin_msg(timeout=30)
    assert request["msg_type"] == "input_request"
    assert request["content"]["password"] is True  # the front end hides what is typed
    assert "XAI_API_KEY is not set" in request["content"]["prompt"]
    assert emu.control.log() == []  # nothing sent before the key is there
    keyless.kc.input(f' "{CANARY_KEY}" ')  # pasted with quotes and spaces
    run = keyless.collect(msg_id)
    assert run.ok, run.error_text
    assert keyless.value("r.status") == "completed"
    sent = [entry["key_sha256"] for entry in emu.control.log()]
    assert sent == [hashlib.sha256(CANARY_KEY.encode()).hexdigest()]
    # the key is in no message the notebook could save or show
    assert CANARY_KEY not in json.dumps(run.messages, default=str)

    # asked once: the next cell runs without a prompt, even where one could be shown
    again = keyless.collect(keyless.start("%%grok -o r2\nAnd at sunset?", allow_stdin=True))
    assert again.ok, again.error_text
    assert len(emu.control.log()) == 2


def test_a_blank_answer_skips_and_says_how_to_set_the_key(keyless: Kernel, emu: Emulator) -> None:
    msg_id = keyless.start("%grok_models", allow_stdin=True)
    keyless.kc.get_stdin_msg(timeout=30)
    keyless.kc.input("")
    run = keyless.collect(msg_id)
    assert run.reply["ename"] == "UsageError"
    assert "XAI_API_KEY is not set" in run.error_text
    assert emu.control.log() == []


def test_dry_run_needs_no_key_and_asks_nothing(keyless: Kernel, emu: Emulator) -> None:
    # were it to ask, nothing would answer and the cell would not finish
    run = keyless.collect(keyless.start("%%grok --dry-run\nQ", allow_stdin=True), timeout=30)
    assert run.ok, run.error_text
    assert "POST" in run.only_display()["data"]["text/plain"]
    assert emu.control.log() == []


def test_a_rejected_key_from_the_prompt_is_asked_for_again(keyless: Kernel, emu: Emulator) -> None:
    msg_id = keyless.start("%%grok\nQ", allow_stdin=True)
    keyless.kc.get_stdin_msg(timeout=30)
    keyless.kc.input("xai-bad-key")  # the emulator rejects this one, as xAI does a typo
    run = keyless.collect(msg_id)
    assert run.reply["ename"] == "UsageError"
    assert "XAI_API_KEY was rejected" in run.error_text
    assert "the next cell asks for it again" in run.error_text
    assert "xai-bad-key" not in run.error_text
    assert keyless.value("'XAI_API_KEY' in os.environ") is False

    msg_id = keyless.start("%%grok -o r\nQ", allow_stdin=True)
    keyless.kc.get_stdin_msg(timeout=30)  # asked again
    keyless.kc.input(CANARY_KEY)
    assert keyless.collect(msg_id).ok
    assert keyless.value("r.status") == "completed"


def test_a_rejected_key_set_in_code_is_left_alone(keyless: Kernel, emu: Emulator) -> None:
    keyless.ok("os.environ['XAI_API_KEY'] = 'xai-bad-key'")
    run = keyless.run("%grok_models")
    assert "XAI_API_KEY was rejected" in run.error_text
    assert "asks for it again" not in run.error_text
    assert keyless.value("os.environ['XAI_API_KEY']") == "xai-bad-key"
