"""Stopping a %%grok answer with Jupyter's interrupt, in JupyterLab: the stream ends at once, the
text so far stays marked "stopped", the next cell runs, and drawn views report back to the kernel
(so later answers stream into widgets, not plain text)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LabPage, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

STREAM_VIEW = "__import__('xai_magics.widgets.stream_view').widgets.stream_view.StreamView"


def test_stop_ends_the_stream_keeps_the_text_and_the_next_cell_runs(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    emu.control.configure(tokens_per_second=20)
    emu.control.inject("answer", "/v1/responses", text=" ".join(f"word{i}" for i in range(400)))
    write_notebook(
        notebook_dir / "stop.ipynb",
        ["%load_ext xai_magics", "%%grok -o r\nCount", "after = r.status"],
    )
    lab.open_notebook("stop.ipynb")
    lab.run_all(wait=False)
    lab.page.wait_for_function(
        "() => { const t = document.querySelector('.xai-stream-text');"
        " return t && t.textContent.includes('word5'); }",
        timeout=60_000,
    )
    lab.command("notebook:interrupt-kernel")
    # the final output (the live view's answer box has the same class)
    lab.page.wait_for_selector(
        ".jp-OutputArea-output.jp-RenderedHTML > .xai-answer", timeout=30_000
    )
    lab.wait_for_kernel_idle()
    text = lab.cell_locator(1).locator(".jp-OutputArea-output").inner_text()
    lab.screenshot("stopped")
    assert "stopped after" in text
    assert "word5" in text
    assert "word399" not in text
    assert "Traceback" not in text
    assert lab.kernel_value("after") == "stopped"  # the next cell ran
    assert lab.kernel_value(f"{STREAM_VIEW}.rendered_somewhere") is True
    lab.assert_no_console_errors()
