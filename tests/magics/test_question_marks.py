"""A one-line prompt may end with a question mark; ``%grok?`` alone is still the help."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.kernels import Kernel

from .kernel_harness import requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


@pytest.mark.parametrize(
    ("line", "path", "prompt"),
    [
        pytest.param(
            "%grok What is a prime number?", "/responses", "What is a prime number?", id="grok"
        ),
        pytest.param("%grok --api chat Why?", "/chat/completions", "Why?", id="grok-with-options"),
    ],
)
def test_line_prompt_ending_in_a_question_mark_is_asked(
    grok_kernel: Kernel, emu: Emulator, line: str, path: str, prompt: str
) -> None:
    cell = grok_kernel.ok(line)
    assert "not found" not in cell.stdout
    [request] = requests_to(emu, path)
    body = request["body"]
    sent = body.get("input") or body["messages"][-1]["content"]
    assert sent == prompt
    assert cell.displays


def test_bare_question_mark_still_shows_the_help(grok_kernel: Kernel, emu: Emulator) -> None:
    cell = grok_kernel.ok("%grok?")
    help_text = str(cell.reply) + str(cell.messages)
    assert "--dry-run" in help_text
    assert requests_to(emu, "/responses") == []
