"""Notebook 7 with its folding of long outputs turned off (``autoScrollOutputs``): a long live
answer is not folded, nor is the final output that replaces it, and the swap does not jump. (With
folding on, the default, both fold alike: test_live_markdown_in_lab.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LabPage, LabServer
from live_measure import assert_no_jump, long_answer, record_answer

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

SCROLL_OUTPUT = "@jupyter-notebook/notebook-extension:scroll-output"
CELL = 1


def test_with_folding_off_a_long_answer_folds_neither_live_nor_final(
    notebook7: LabPage, lab_server: LabServer, notebook_dir: Path, emu: Emulator
) -> None:
    lab = notebook7
    lab_server.put_settings(SCROLL_OUTPUT, {"autoScrollOutputs": False})
    try:
        rec = record_answer(
            lab,
            notebook_dir,
            emu,
            "no-folding.ipynb",
            "%%grok",
            long_answer(6),
            tokens_per_second=400,
        )
    finally:
        lab_server.put_settings(SCROLL_OUTPUT, {})
    assert rec["final"]["height"] > 1820  # tall enough that Notebook 7 would fold it by default
    folded = lab.cell_locator(CELL).evaluate(
        "(el) => el.classList.contains('jp-mod-outputsScrolled')"
    )
    assert not folded
    assert_no_jump(rec)
    lab.assert_no_console_errors()
