"""A mistyped option gets one line naming the option meant, in every magic, and sends nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.kernels import Kernel

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

MISTYPED = [
    pytest.param("%%grok --temprature 0.5\nQ", "did you mean --temperature?", id="cell-grok"),
    pytest.param("%grok --temprature 0.5 Q", "did you mean --temperature?", id="line-grok"),
    pytest.param("%grok --max-token 10 Q", "did you mean --max-tokens?", id="grok-abbrev"),
    pytest.param("%grok --modle grok-4.3 Q", "did you mean --model?", id="grok-model"),
    pytest.param(
        '%grok_batch df --prompt "{x}" --max-token 10',
        "did you mean --max-tokens?",
        id="batch",
    ),
    pytest.param("%grok_tts --vocie eve Hello", "did you mean --voice?", id="tts-line"),
    pytest.param("%%grok_tts --sped 1.2\nHello", "did you mean --speed?", id="tts-cell"),
    pytest.param(
        "%grok_tts --temperature 1 Hello",
        "has no option --temperature (that is %grok)",
        id="tts-other",
    ),
    pytest.param("%grok_usage --claer", "did you mean --clear?", id="usage"),
    pytest.param("%grok_history --limt 3", "did you mean --limit?", id="history"),
    pytest.param("%grok_deferred --wiat", "did you mean --wait?", id="deferred"),
    pytest.param("%grok_image --modle x a cat", "did you mean --model?", id="image"),
    pytest.param("%grok_models --all", "has no option --all (that is %grok_usage)", id="models"),
    pytest.param("%grok_replay --apend", "did you mean --append?", id="replay-before-action"),
    pytest.param("%grok_thread --nonesuch", "no option --nonesuch; %grok_thread?", id="unknown"),
]


@pytest.mark.parametrize(("cell", "hint"), MISTYPED)
def test_mistyped_option_names_the_one_meant(
    grok_kernel: Kernel, emu: Emulator, cell: str, hint: str
) -> None:
    grok_kernel.ok("import pandas as pd; df = pd.DataFrame({'x': ['a']})")
    before = len(emu.control.log())
    run = grok_kernel.run(cell)
    assert run.reply["ename"] == "UsageError"
    assert hint in run.reply["evalue"]
    assert "Traceback" not in run.error_text
    assert "\n" not in run.reply["evalue"]
    assert len(emu.control.log()) == before  # nothing was sent


def test_option_value_is_not_echoed(grok_kernel: Kernel) -> None:
    """Only the option's name is repeated, never what followed ``=``."""
    run = grok_kernel.run("%grok_thread --secret=hunter2-value")
    assert run.reply["ename"] == "UsageError"
    assert "--secret" in run.reply["evalue"]
    assert "hunter2" not in run.error_text
