"""The copy button on each code block of an answer, in JupyterLab and Notebook 7: the block is
highlighted, and the button puts exactly the code on the clipboard: the text as written, not the
highlighted HTML, with no trailing newline or button label (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from lab_harness import LabPage, python_notebook, write_notebook

from xai_magics.render import render_bundle

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

# Markup characters, entities, tabs, trailing spaces, a blank line, dollars and non-ASCII text:
# everything an HTML round trip could change.
PYTHON = (
    "def tag(name: str) -> str:\n"
    '    """<b>&amp; ©</b>"""\n'
    "\tif name < 'z' and name > 'a':  \n"
    "\n"
    '        return f"<{name}>"  # costs $5 & $10\n'
    "    return ''"
)
PLAIN = "$ pip install 'xai-magics[test]'\n  → done"
ANSWER = f"Two blocks:\n\n```python\n{PYTHON}\n```\n\nand\n\n```\n{PLAIN}\n```\n"
COPY = ".xai-CodeBlock-copy"


def _clipboard(lab: LabPage) -> str:
    text: str = lab.page.evaluate("() => navigator.clipboard.readText()")
    return text


def test_each_code_block_copies_exactly_its_code(
    front_end: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    lab = front_end
    lab.page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=lab.server.base_url
    )
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    write_notebook(notebook_dir / "copy.ipynb", ["%load_ext xai_magics", "%%grok\nTwo blocks."])
    lab.open_notebook("copy.ipynb")
    lab.run_all(wait=False)
    output = lab.cell_locator(1).locator(".jp-OutputArea-output")
    output.locator(".xai-receipt").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()

    blocks = output.locator("pre.xai-code")
    assert blocks.count() == 2
    assert blocks.nth(0).locator('span[style*="--jp-mirror-editor-keyword-color"]').count() >= 3
    buttons = output.locator(COPY)
    buttons.first.wait_for()
    assert buttons.count() == 2
    assert buttons.first.inner_text() == "Copy"
    blocks.nth(0).hover()
    lab.screenshot("code blocks with their copy buttons")

    buttons.nth(0).click()
    lab.page.wait_for_function(
        "() => document.querySelector('.xai-CodeBlock-copy').textContent === 'Copied'"
    )
    assert _clipboard(lab) == PYTHON
    buttons.nth(1).click()
    lab.page.wait_for_function(
        f"() => navigator.clipboard.readText().then(t => t === {json.dumps(PLAIN)})"
    )
    assert _clipboard(lab) == PLAIN

    # The saved output is the answer as rendered: the buttons are the front end's, not saved.
    saved = lab.cell_outputs(1)
    assert all("xai-CodeBlock" not in str(out.get("data", {})) for out in saved)
    lab.use_theme(dark=True)
    blocks.nth(0).hover()
    lab.screenshot("code blocks with their copy buttons, dark")
    lab.use_theme(dark=False)
    lab.assert_no_console_errors()


def test_a_saved_notebook_has_its_buttons_before_anything_runs(
    lab: LabPage, notebook_dir: Path
) -> None:
    """Opened from disk, unsigned (so JupyterLab sanitises the outputs): the saved answer's code
    blocks have their copy buttons and the saved error its ask button, with no cell run."""
    lab.page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=lab.server.base_url
    )
    notebook = python_notebook(["%%grok\nTwo blocks.", "1 / 0"])
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data=render_bundle(ANSWER, receipt_line="saved"))
    ]
    notebook.cells[1].outputs = [
        nbformat.v4.new_output(
            "error",
            ename="ZeroDivisionError",
            evalue="division by zero",
            traceback=["\x1b[31mZeroDivisionError\x1b[39m: division by zero"],
        )
    ]
    nbformat.write(notebook, notebook_dir / "saved.ipynb")
    lab.open_notebook("saved.ipynb")
    buttons = lab.cell_locator(0).locator(COPY)
    buttons.first.wait_for()
    assert buttons.count() == 2
    lab.cell_locator(1).locator(".xai-AskError-button").wait_for()
    lab.screenshot("a saved answer and a saved error, opened")
    buttons.nth(0).click()
    lab.page.wait_for_function(
        f"() => navigator.clipboard.readText().then(t => t === {json.dumps(PYTHON)})"
    )
    lab.cell_locator(1).locator(".xai-AskError-button").click()
    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 3"
    )
    assert "ZeroDivisionError: division by zero" in lab.cell_source(2)
