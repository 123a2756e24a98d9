"""Notebook 7 as a supported front end: the extension loads there (its Lab-only parts are
optional), and the quickstart example runs: answers stream into the live view, the widgets
render, `%%grok` cells and answers' code are highlighted, in the light and the dark theme
(issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import ROOT, LabPage

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

PLUGIN_ID = "xai-magics:plugin"
# The first answer of the quickstart: prose and a code block, long enough to watch it stream.
FIRST_ANSWER = (
    "The Moon's gravity pulls the ocean toward it, and the Earth turns under that bulge, so "
    "most coasts see two high tides a day. The Sun adds a smaller pull of its own.\n\n"
    "```python\ndef tides_per_day(hours: float = 24.8) -> float:\n    return 2 * 24 / hours\n```\n"
)
# The open tail's length, while no rendered block has taken its place.
_SAMPLE_LIVE_VIEW = """() => { window.__xaiLive = []; window.__xaiSampler = setInterval(() => {
  const live = document.querySelector('.xai-stream-text');
  const rendered = document.querySelector('.xai-stream .xai-stream-blocks > *');
  if (live && !rendered) { window.__xaiLive.push(live.textContent.length); }
}, 50); }"""


def test_the_extension_loads_in_notebook7(notebook7: LabPage, notebook_dir: Path) -> None:
    shutil.copy(ROOT / "examples" / "quickstart.ipynb", notebook_dir / "quickstart.ipynb")
    notebook7.open_notebook("quickstart.ipynb")
    state = notebook7.page.evaluate(
        f"""() => [window.jupyterapp.name,
                   window.jupyterapp.isPluginActivated({PLUGIN_ID!r}),
                   window.jupyterapp.commands.hasCommand('xai-magics:ask-about-error')]"""
    )
    assert state == ["Jupyter Notebook", True, True]
    notebook7.assert_no_console_errors()


def test_the_quickstart_runs_in_notebook7(
    notebook7: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    page = notebook7
    emu.control.configure(ttft_ms=200, tokens_per_second=40)
    emu.control.inject("answer", "/v1/responses", text=FIRST_ANSWER)
    shutil.copy(ROOT / "examples" / "quickstart.ipynb", notebook_dir / "quickstart.ipynb")
    page.open_notebook("quickstart.ipynb")
    sources = [page.cell_source(i) for i in range(page.cell_count())]
    first_grok = next(i for i, s in enumerate(sources) if s.startswith("%%grok\n"))
    line_magic = next(i for i, s in enumerate(sources) if s.startswith("%grok -m"))
    last = len(sources) - 1

    page.page.evaluate(_SAMPLE_LIVE_VIEW)
    page.run_all(wait=False)
    # watched, as a reader watches it (out of view, the live view updates once a second)
    page.cell_locator(first_grok).scroll_into_view_if_needed()
    page.page.wait_for_function(
        "() => (document.querySelector('.xai-stream-text') || {textContent: ''})"
        ".textContent.length > 60",
        timeout=60_000,
    )
    page.cell_locator(first_grok).scroll_into_view_if_needed()
    page.screenshot("the first answer streaming, light")
    page.cell_locator(first_grok).locator(".xai-receipt").wait_for(timeout=60_000)
    lengths = page.page.evaluate(
        "() => { clearInterval(window.__xaiSampler); return window.__xaiLive; }"
    )
    assert len({n for n in lengths if n > 0}) >= 4, f"the live view grew too few times: {lengths}"
    assert lengths == sorted(lengths)

    # Every cell runs, none fails.
    page.page.wait_for_function(
        f"() => window.jupyterapp.shell.currentWidget.content.widgets[{last}]"
        ".model.executionCount !== null",
        timeout=240_000,
    )
    page.wait_for_kernel_idle(120_000)
    kinds = page.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.type)"
    )
    code_cells = [i for i, kind in enumerate(kinds) if kind == "code"]
    failures = [
        (i, out.get("ename"), out.get("evalue"), out.get("text"))
        for i in code_cells
        for out in page.cell_outputs(i)
        if out["output_type"] == "error"
        or (out["output_type"] == "stream" and out["name"] == "stderr")
    ]
    assert failures == []
    assert page.notebook_locator().locator(".xai-AskError-button").count() == 0

    # The answer: rendered, its code highlighted with a copy button, the live view gone.
    answer = page.cell_locator(first_grok).locator(".jp-OutputArea-output")
    assert answer.count() == 1
    assert page.cell_locator(first_grok).locator(".xai-stream").count() == 0
    code = answer.locator("pre.xai-code")
    assert code.locator('span[style*="--jp-mirror-editor-keyword-color"]').count() == 2
    assert answer.locator(".xai-CodeBlock-copy").count() == 1
    # The magics' cells: %%grok bodies as Markdown, one-line magics as magic + options + prompt.
    assert page.cell_locator(first_grok).locator(".xai-grok-cell").count() == 1
    magic = page.cell_locator(line_magic)
    magic.scroll_into_view_if_needed()
    assert magic.locator(".xai-grok-line-magic").count() == 1
    assert magic.locator(".xai-grok-line-option").count() >= 2
    # Widgets rendered where the notebook has them (no "Loading widget" or error left).
    page_text = page.notebook_locator().inner_text()
    assert "Error displaying widget" not in page_text
    assert "Loading widget" not in page_text

    answer.scroll_into_view_if_needed()
    page.screenshot("the first answer, light")
    page.use_theme(dark=True)
    answer.scroll_into_view_if_needed()
    page.screenshot("the first answer, dark")
    page.cell_locator(last).scroll_into_view_if_needed()
    page.screenshot("the end of the quickstart, dark")
    page.use_theme(dark=False)
    page.assert_no_console_errors()
