""" "Ask Grok about this error" in JupyterLab: a labelled button under every error output (not
only on the active cell) inserts a `%%grok` cell right after the failed one, scrolled into view
and focused, whose prompt carries the failing code, the traceback without colours and the
columns and dtypes of the DataFrames the failing line names, as the kernel describes them
(never a string's value). Shift+Enter sends it (issue 12)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LabPage, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

BUTTON = ".xai-AskError-button"
SECRET_NOTE = "do-not-send-this-note"
CELLS = [
    "%load_ext xai_magics\nimport sys\nimport pandas as pd",
    'sales = pd.DataFrame({"Region": ["north", "south"], "Price": [1.5, 2.0], "units": [3, 4]})\n'
    f'note = "{SECRET_NOTE}"',
    'print("a warning, not an error", file=sys.stderr)',
    *[f"step_{n} = {n}" for n in range(8)],
    # The failing line names the frame and the note; the frame's columns reach the prompt.
    'total = 0\nrevenue = sales["price"] * sales["units"] if note else None',
    "1 / 0",
    "print('after')",
]
FAILED, OTHER_FAILED = 11, 12


def _prompt_cell_is_in_view(lab: LabPage, index: int) -> bool:
    """The cell's top is inside the visible part of the notebook's scroller and the window."""
    return bool(
        lab.page.evaluate(
            """(i) => {
              const nb = window.jupyterapp.shell.currentWidget.content;
              const cell = nb.widgets[i].node.getBoundingClientRect();
              const view = nb.node.getBoundingClientRect();
              const top = Math.max(view.top, 0);
              const bottom = Math.min(view.bottom, window.innerHeight);
              return cell.top >= top && cell.top < bottom - 20;
            }""",
            index,
        )
    )


def test_every_error_output_has_a_button_that_asks_with_the_frame_columns(
    front_end: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    lab = front_end
    write_notebook(notebook_dir / "ask-error.ipynb", CELLS)
    lab.open_notebook("ask-error.ipynb")
    lab.run_all()  # stops at the first error: run the rest one by one
    for index in range(OTHER_FAILED, len(CELLS)):
        lab.select_cell(index)
        lab.command("notebook:run-cell")
        lab.wait_for_kernel_idle()
    # The failed cells are not the active one.

    notebook = lab.notebook_locator()
    assert notebook.locator(BUTTON).count() == 2  # one per error, none on the stderr print
    assert lab.cell_locator(2).locator(BUTTON).count() == 0
    button = lab.cell_locator(FAILED).locator(BUTTON)
    assert button.inner_text() == "Ask Grok about this error"
    button.scroll_into_view_if_needed()
    lab.screenshot("a button under each error output, light")
    counts_before = lab.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets"
        ".map(c => c.model.executionCount ?? null)"
    )

    button.click()
    lab.page.wait_for_function(
        f"() => window.jupyterapp.shell.currentWidget.content.widgets.length === {len(CELLS) + 1}"
    )
    new = FAILED + 1
    prompt = lab.cell_source(new)
    lab.screenshot("the question right after the failed cell, light")
    assert prompt.startswith("%%grok --raw\n")
    assert 'revenue = sales["price"] * sales["units"] if note else None' in prompt
    assert "KeyError: 'price'" in prompt
    assert "\x1b" not in prompt
    # The kernel's description: shape, columns and dtypes of the frame; the note's length only.
    assert "sales: pandas.DataFrame, 2 rows × 3 columns" in prompt
    assert "'Price': float64" in prompt
    assert "'units': int64" in prompt
    assert f"note: str of length {len(SECRET_NOTE)}" in prompt
    assert SECRET_NOTE not in prompt
    assert "north" not in prompt  # no values
    assert "step_3" not in prompt  # only the names in the failing line
    assert lab.cell_source(new + 1) == "1 / 0"  # right after the failed cell

    # Scrolled into view, active, its editor focused.
    assert _prompt_cell_is_in_view(lab, new)
    state = lab.page.evaluate(
        """() => { const nb = window.jupyterapp.shell.currentWidget.content;
             const cell = nb.widgets[nb.activeCellIndex];
             return [nb.activeCellIndex, nb.mode,
                     cell.node.querySelector('.cm-editor').contains(document.activeElement)]; }"""
    )
    assert state == [new, "edit", True]

    # The silent request left no trace in the kernel's history or execution count.
    lab.page.keyboard.press("Shift+Enter")
    lab.cell_locator(new).locator(".xai-receipt").wait_for(timeout=60_000)
    lab.wait_for_kernel_idle()
    count = lab.page.evaluate(
        f"() => window.jupyterapp.shell.currentWidget.content.widgets[{new}].model.executionCount"
    )
    assert count == max(c for c in counts_before if c is not None) + 1
    (sent,) = [
        entry["body"]["input"]
        for entry in emu.control.log()
        if entry["method"] == "POST" and entry["path"] == "/v1/responses"
    ]
    assert "'Price': float64" in sent
    assert SECRET_NOTE not in sent
    lab.cell_locator(new).scroll_into_view_if_needed()
    lab.screenshot("the question answered, light")

    lab.use_theme(dark=True)
    lab.cell_locator(OTHER_FAILED + 1).locator(BUTTON).scroll_into_view_if_needed()
    lab.screenshot("a button under each error output, dark")
    lab.cell_locator(OTHER_FAILED + 1).locator(BUTTON).click()
    lab.page.wait_for_function(
        f"() => window.jupyterapp.shell.currentWidget.content.widgets.length === {len(CELLS) + 2}"
    )
    assert lab.cell_source(OTHER_FAILED + 2).startswith("%%grok --raw\n")
    assert "ZeroDivisionError: division by zero" in lab.cell_source(OTHER_FAILED + 2)
    assert _prompt_cell_is_in_view(lab, OTHER_FAILED + 2)
    lab.screenshot("the question right after the failed cell, dark")
    lab.use_theme(dark=False)
    lab.assert_no_console_errors()


def test_the_buttons_follow_the_outputs(front_end: LabPage, notebook_dir: Path) -> None:
    lab = front_end
    write_notebook(notebook_dir / "ask-follow.ipynb", ["x = 1", "1 / 0"])
    lab.open_notebook("ask-follow.ipynb")
    lab.run_all()
    notebook = lab.notebook_locator()
    notebook.locator(BUTTON).wait_for()
    assert notebook.locator(BUTTON).count() == 1
    lab.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets[1]"
        ".model.sharedModel.setSource('x + 1')"
    )
    lab.select_cell(1)
    lab.command("notebook:run-cell")
    lab.wait_for_kernel_idle()
    lab.page.wait_for_function("() => !document.querySelector('.xai-AskError-button')")
    assert lab.cell_outputs(1)[0]["data"]["text/plain"] == "2"


def test_a_failure_inside_a_function_of_another_cell_names_the_caller_frame(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(
        notebook_dir / "ask-nested.ipynb",
        [
            "import pandas as pd\n"
            "prices = pd.DataFrame({'Price': [1.0], 'day': pd.to_datetime(['2024-01-01'])})",
            "def total(frame):\n    return frame['price'].sum()",
            "unrelated = 1\nresult = total(prices)",
        ],
    )
    lab.open_notebook("ask-nested.ipynb")
    lab.run_all()
    lab.cell_locator(2).locator(BUTTON).click()
    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 4"
    )
    prompt = lab.cell_source(3)
    lab.cell_locator(3).scroll_into_view_if_needed()
    lab.screenshot("the question names both frames of the notebook's code")
    # Both marked lines: the call in this cell, and the line inside the other cell's function.
    raised = prompt.split("The line that raised, in the notebook’s code:\n", 1)[1]
    assert raised.startswith("```python\nresult = total(prices)\nreturn frame['price'].sum()\n```")
    assert "prices: pandas.DataFrame, 1 rows × 2 columns" in prompt
    assert "'day': datetime64[" in prompt
    assert "unrelated" not in prompt.split("What the failing line names", 1)[1]
