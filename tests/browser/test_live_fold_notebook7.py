"""Notebook 7 with its folding of long outputs turned off (``autoScrollOutputs``): a long live
answer is not folded, nor is the final output that replaces it, and the swap does not jump. (With
folding on, the default, both fold alike: test_live_markdown_in_lab.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LabPage, LabServer, write_notebook
from live_measure import long_answer, start_recording, stop_recording

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

SCROLL_OUTPUT = "@jupyter-notebook/notebook-extension:scroll-output"
CELL = 1
JUMP_PX = 4


def test_with_folding_off_a_long_answer_folds_neither_live_nor_final(
    notebook7: LabPage, lab_server: LabServer, notebook_dir: Path, emu: Emulator
) -> None:
    lab = notebook7
    lab_server.put_settings(SCROLL_OUTPUT, {"autoScrollOutputs": False})
    try:
        emu.control.configure(tokens_per_second=400)
        emu.control.inject("answer", "/v1/responses", text=long_answer(6))
        write_notebook(
            notebook_dir / "no-folding.ipynb",
            ["%load_ext xai_magics", "%%grok\nTell me about tides."],
        )
        lab.open_notebook("no-folding.ipynb")
        start_recording(lab.page, CELL)
        lab.run_all(wait=False)
        lab.cell_locator(CELL).locator(".xai-receipt").wait_for(timeout=90_000)
        lab.wait_for_kernel_idle()
        lab.page.wait_for_timeout(1000)
        rec = stop_recording(lab.page)
    finally:
        lab_server.put_settings(SCROLL_OUTPUT, {})
    before, after = rec["live"], rec["final"]
    assert after["height"] > 1820  # tall enough that Notebook 7 would fold it by default
    folded = lab.cell_locator(CELL).evaluate(
        "(el) => el.classList.contains('jp-mod-outputsScrolled')"
    )
    assert not folded
    assert abs(after["top"] - before["top"]) <= JUMP_PX, (before, after)
    assert abs(after["height"] - before["height"]) <= JUMP_PX, (before, after)
    lab.assert_no_console_errors()
