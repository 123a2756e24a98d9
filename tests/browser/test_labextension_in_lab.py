"""The JupyterLab extension in a real browser: it activates, highlights %%grok cells, asks Grok
about errors, and shows what the kernel publishes in the status bar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from lab_harness import LabPage, LabServer, python_notebook, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

PLUGIN_ID = "xai-magics:plugin"
ASK_COMMAND = "xai-magics:ask-about-error"


def _editor_state(lab: LabPage, index: int) -> dict[str, object]:
    """What CodeMirror shows for a cell: its language, grok marking and placeholders."""
    cell = lab.cell_locator(index)
    return {
        "language": cell.locator(".cm-content").get_attribute("data-language"),
        "grok": "xai-grok-cell" in (cell.locator(".cm-editor").get_attribute("class") or ""),
        "placeholders": cell.locator(".xai-grok-placeholder").all_inner_texts(),
    }


def _set_source(lab: LabPage, index: int, source: str) -> None:
    """Change a cell's text through its shared model, as collaborative edits and typing do."""
    lab.page.evaluate(
        "([i, s]) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
        ".model.sharedModel.setSource(s)",
        [index, source],
    )


@pytest.fixture
def restore_settings(lab_server: LabServer) -> Iterator[None]:
    yield
    lab_server.put_settings(PLUGIN_ID, {})


def test_plugin_activates_with_its_command_and_no_console_errors(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(notebook_dir / "activation.ipynb", ["1 + 1"])
    lab.open_notebook("activation.ipynb")
    activated = lab.page.evaluate(
        "([plugin, command]) => [window.jupyterapp.isPluginActivated(plugin),"
        " window.jupyterapp.commands.hasCommand(command)]",
        [PLUGIN_ID, ASK_COMMAND],
    )
    lab.screenshot("notebook open")
    assert activated == [True, True]
    lab.assert_no_console_errors()


PROMPT_CELL = (
    "%%grok --model grok-4\n"
    "# Summary of {topic}\n"
    "Give **three** points about {n_items} items, keeping {{literal}} braces.\n"
)
CODE_CELL = "counts = {'hits': 3}\nprint(f'{counts}')\n"


def test_grok_cells_are_markdown_with_placeholders_marked_and_code_cells_untouched(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(notebook_dir / "highlight.ipynb", [PROMPT_CELL, CODE_CELL])
    lab.open_notebook("highlight.ipynb")
    lab.page.locator(".xai-grok-cell").first.wait_for()
    lab.screenshot("prompt cell highlighted")
    assert _editor_state(lab, 0) == {
        "language": "markdown",
        "grok": True,
        "placeholders": ["{topic}", "{n_items}"],
    }
    assert _editor_state(lab, 1) == {"language": "python", "grok": False, "placeholders": []}
    magic_line = lab.cell_locator(0).locator(".cm-line.xai-grok-magic-line")
    assert magic_line.inner_text() == "%%grok --model grok-4"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            "%%grok_tts\nRead {title} aloud\n",
            {"language": "markdown", "grok": True, "placeholders": ["{title}"]},
            id="becomes-a-tts-prompt",
        ),
        pytest.param(
            "%%grok -f code --system 'Answer in {lang}'\nWrite {task} in ${shell}\n",
            {"language": "markdown", "grok": True, "placeholders": ["{task}"]},
            id="options-line-and-dollar-braces-left-alone",
        ),
        pytest.param(
            "%%grokker\nnot {ours}\n",
            {"language": "python", "grok": False, "placeholders": []},
            id="other-magic-stays-code",
        ),
    ],
)
def test_editing_the_first_line_switches_highlighting_live(
    lab: LabPage, notebook_dir: Path, source: str, expected: dict[str, object]
) -> None:
    name = f"live-{expected['language']}-{len(source)}.ipynb"
    write_notebook(notebook_dir / name, [CODE_CELL, PROMPT_CELL])
    lab.open_notebook(name)
    _set_source(lab, 0, source)
    _set_source(lab, 1, "print('no longer a prompt {x}')\n")
    lab.page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.content.widgets[1].node"
        ".querySelector('.cm-editor').classList.contains('xai-grok-cell')"
    )
    lab.screenshot("first lines edited")
    assert _editor_state(lab, 0) == expected
    assert _editor_state(lab, 1) == {"language": "python", "grok": False, "placeholders": []}


def test_raw_on_the_first_line_unmarks_every_placeholder_live(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(notebook_dir / "raw.ipynb", [PROMPT_CELL])
    lab.open_notebook("raw.ipynb")
    lab.cell_locator(0).locator(".xai-grok-placeholder").first.wait_for()
    first_line = PROMPT_CELL.split("\n", 1)[0]

    def edit_first_line(text: str) -> None:
        # Only the first line changes, as typing there would: the body is not touched.
        lab.page.evaluate(
            "([n, s]) => window.jupyterapp.shell.currentWidget.content.widgets[0]"
            ".model.sharedModel.updateSource(0, n, s)",
            [len(lab.cell_source(0).split("\n", 1)[0]), text],
        )

    edit_first_line(first_line + " --raw")
    lab.cell_locator(0).locator(".xai-grok-placeholder").first.wait_for(state="detached")
    lab.screenshot("raw prompt without placeholders")
    assert _editor_state(lab, 0) == {"language": "markdown", "grok": True, "placeholders": []}
    edit_first_line(first_line)
    lab.cell_locator(0).locator(".xai-grok-placeholder").first.wait_for()
    assert _editor_state(lab, 0)["placeholders"] == ["{topic}", "{n_items}"]


def test_highlighting_switch_in_settings_leaves_grok_cells_as_code(
    lab: LabPage, lab_server: LabServer, notebook_dir: Path, restore_settings: None
) -> None:
    lab_server.put_settings(PLUGIN_ID, {"highlightGrokCells": False})
    write_notebook(notebook_dir / "no-highlight.ipynb", [PROMPT_CELL])
    lab.open_notebook("no-highlight.ipynb")
    lab.cell_locator(0).locator(".cm-content").wait_for()
    lab.screenshot("highlighting off")
    assert _editor_state(lab, 0) == {"language": "python", "grok": False, "placeholders": []}


def test_error_command_and_status_item_can_be_switched_off(
    lab: LabPage, lab_server: LabServer, notebook_dir: Path, restore_settings: None
) -> None:
    lab_server.put_settings(PLUGIN_ID, {"askAboutErrors": False, "showStatusItem": False})
    write_notebook(
        notebook_dir / "switched-off.ipynb",
        ["from xai_magics import status\nstatus.publish({'spend_usd': 0.5, 'calls': 1})", "1 / 0"],
    )
    lab.open_notebook("switched-off.ipynb")
    lab.run_all()
    lab.select_cell(1)
    toolbar = lab.cell_locator(1).locator(".jp-cell-toolbar")
    toolbar.locator('[data-command="notebook:duplicate-below"]').wait_for(state="visible")
    lab.screenshot("failed cell without the ask button, no spend shown")
    assert not toolbar.locator(f'[data-command="{ASK_COMMAND}"]').is_visible()
    assert lab.notebook_locator().locator(".xai-AskError-button").count() == 0
    assert (
        lab.page.evaluate(f"() => window.jupyterapp.commands.isEnabled({ASK_COMMAND!r})") is False
    )
    assert lab.kernel_value("status.snapshot()['calls']") == 1
    assert not lab.page.locator(".jp-xai-StatusItem").is_visible()


# Code full of braces the template engine must send back unchanged: a dict, an f-string field,
# a JavaScript-style ${x}, and a Jinja-style {{name}}.
FAILING_CELLS = [
    "def ratio(counts):\n    return counts['hits'] / counts['total']\n",
    'letter = "Dear {{name}}, you owe ${cost}"\n'
    "counts = {'hits': 3, 'total': 0}\n"
    'print(f"{counts}")\n'
    "ratio(counts)\n",
]


def test_ask_about_error_button_inserts_a_grok_cell_about_the_traceback(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    write_notebook(notebook_dir / "error.ipynb", FAILING_CELLS)
    lab.open_notebook("error.ipynb")
    lab.run_all()
    assert [o["ename"] for o in lab.cell_outputs(1) if o["output_type"] == "error"] == [
        "ZeroDivisionError"
    ]

    lab.select_cell(0)
    assert (
        lab.page.evaluate(f"() => window.jupyterapp.commands.isEnabled({ASK_COMMAND!r})") is False
    )
    lab.select_cell(1)
    button = lab.cell_locator(1).locator(f'.jp-cell-toolbar [data-command="{ASK_COMMAND}"]')
    button.wait_for(state="visible")
    lab.screenshot("error cell with the ask button")
    button.click()

    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 3"
    )
    lab.cell_locator(2).locator(".xai-grok-cell").wait_for()
    lab.screenshot("grok cell inserted")
    prompt = lab.cell_source(2)
    assert prompt.startswith("%%grok --raw\n")
    assert (
        lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex")
        == 2
    )
    editor = _editor_state(lab, 2)
    assert editor["language"] == "markdown"
    assert editor["placeholders"] == []  # --raw: f"{counts}" is code, not a field
    # The failing code and the traceback read exactly as written: no doubled braces.
    failing_code = "".join(FAILING_CELLS[1]).rstrip("\n")
    assert failing_code in prompt
    assert "return counts['hits'] / counts['total']" in prompt
    assert "ZeroDivisionError: division by zero" in prompt
    assert "{{{" not in prompt
    assert "{{counts}}" not in prompt
    assert "\x1b" not in prompt

    # Run as inserted, it sends its body verbatim.
    lab.kernel_run("%load_ext xai_magics")
    lab.command("notebook:run-cell")
    lab.cell_locator(2).locator(".xai-receipt").wait_for(timeout=60_000)
    lab.wait_for_kernel_idle()
    lab.screenshot("grok cell answered")
    (sent,) = [
        entry["body"]
        for entry in emu.control.log()
        if entry["method"] == "POST" and entry["path"] == "/v1/responses"
    ]
    assert sent["input"] == prompt.split("\n", 1)[1].strip("\n")
    assert failing_code in sent["input"]
    lab.assert_no_console_errors()


def _red(text: str) -> str:
    return f"\x1b[0;31m{text}\x1b[0m"


# Failed cells as a notebook stores them: (code, ename, evalue, traceback entries).
ERROR_CASES = {
    "colours-stripped-last-frames-kept": (
        "run()\n",
        "ValueError",
        "bad value",
        [_red(f"frame {n} of the traceback") for n in range(10)],
    ),
    "long-traceback-keeps-its-end": (
        "deep()\n",
        "RecursionError",
        "maximum recursion depth exceeded",
        ["x" * 5000, "y" * 5000 + "THE-INNERMOST-FRAME"],
    ),
    "code-with-a-fence-gets-a-longer-fence": (
        'doc = """\n```python\nprint(1)\n```\n"""\nfail(doc)\n',
        "NameError",
        "name 'fail' is not defined",
        ["NameError: name 'fail' is not defined"],
    ),
    "long-code-keeps-both-ends": (
        "FIRST_LINE = 1\n" + "pad = 0\n" * 2000 + "LAST_LINE = 1 / 0\n",
        "ZeroDivisionError",
        "division by zero",
        ["ZeroDivisionError: division by zero"],
    ),
    "multiline-message-with-backticks-on-one-line": (
        "check()\n",
        "AssertionError",
        "expected `a`\n  got `b`",
        ["AssertionError"],
    ),
}


def test_error_prompts_are_plain_capped_and_well_fenced(lab: LabPage, notebook_dir: Path) -> None:
    notebook = python_notebook()
    for code, ename, evalue, traceback in ERROR_CASES.values():
        cell = nbformat.v4.new_code_cell(code)
        cell.outputs = [
            nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)
        ]
        notebook.cells.append(cell)
    nbformat.write(notebook, notebook_dir / "prompts.ipynb")
    lab.open_notebook("prompts.ipynb")
    prompts = {}
    # Bottom up, so that each inserted cell leaves the indices above it alone.
    for index in reversed(range(len(ERROR_CASES))):
        lab.select_cell(index)
        lab.command(ASK_COMMAND)
        prompts[list(ERROR_CASES)[index]] = lab.cell_source(index + 1)
    lab.screenshot("prompts for stored errors")

    colours = prompts["colours-stripped-last-frames-kept"]
    assert "\x1b" not in colours
    assert [n for n in range(10) if f"frame {n} of" in colours] == [7, 8, 9]
    long_traceback = prompts["long-traceback-keeps-its-end"]
    assert "THE-INNERMOST-FRAME" in long_traceback
    assert "characters omitted" in long_traceback
    assert len(long_traceback) < 4000
    fenced = prompts["code-with-a-fence-gets-a-longer-fence"]
    assert "````python\ndoc = " in fenced
    long_code = prompts["long-code-keeps-both-ends"]
    assert "FIRST_LINE = 1" in long_code
    assert "LAST_LINE = 1 / 0" in long_code
    assert "characters omitted" in long_code
    assert len(long_code) < 4000
    message = prompts["multiline-message-with-backticks-on-one-line"]
    assert "raised `AssertionError: expected 'a' got 'b'`." in message


def test_ask_about_error_is_offered_in_the_command_palette(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(notebook_dir / "palette.ipynb", ["raise KeyError('missing {column}')\n"])
    lab.open_notebook("palette.ipynb")
    lab.run_all()
    lab.select_cell(0)
    lab.command("apputils:activate-command-palette")
    lab.page.keyboard.type("Ask Grok")
    item = lab.page.locator(f'.lm-CommandPalette-item[data-command="{ASK_COMMAND}"]')
    item.wait_for(state="visible")
    lab.screenshot("palette entry")
    item.click()
    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 2"
    )
    prompt = lab.cell_source(1)
    assert prompt.startswith("%%grok --raw\n")
    assert "KeyError: 'missing {column}'" in prompt  # as the message reads, sent as written


STATUS = ".jp-StatusBar-Widget .jp-xai-StatusItem"


def test_status_item_marks_the_estimated_part_of_the_spend(
    lab: LabPage, notebook_dir: Path
) -> None:
    """A stopped answer is billed for what it generated, but its cost is counted locally:
    the status bar adds it to the spend and says how much of it is an estimate."""
    write_notebook(
        notebook_dir / "estimate.ipynb",
        ["from xai_magics.usage import Receipt, session_ledger\nledger = session_ledger()"],
    )
    lab.open_notebook("estimate.ipynb")
    lab.run_all()
    call = "ledger.record(Receipt('grok-4.3', 'grok-4.3', 'responses', None, 'default', {}))"
    lab.kernel_run(call.format("cost_usd=0.01"))
    item = lab.page.locator(STATUS)
    item.wait_for(state="visible")
    lab.kernel_run(call.format("cost_usd=0.0025, estimated=True, status='stopped'"))
    lab.page.wait_for_function(
        f"() => document.querySelector({json.dumps(STATUS)}).innerText.includes('est.')"
    )
    assert item.inner_text().strip() == "Grok $0.0125 (≈$0.0025 est.) · 2 requests"
    assert "≈$0.0025 is estimated" in (item.get_attribute("title") or "")
    lab.kernel_run("ledger.clear()")


def test_status_item_follows_what_the_kernel_publishes(lab: LabPage, notebook_dir: Path) -> None:
    write_notebook(notebook_dir / "status.ipynb", ["from xai_magics import status"])
    lab.open_notebook("status.ipynb")
    lab.run_all()
    assert lab.page.locator(STATUS).count() == 0 or not lab.page.locator(STATUS).is_visible()

    lab.kernel_run("status.publish({'spend_usd': 0.0123, 'calls': 2})")
    item = lab.page.locator(STATUS)
    item.wait_for(state="visible")
    assert item.inner_text().strip() == "Grok $0.0123 · 2 requests"

    lab.kernel_run("status.batch_progress({'name': 'reviews', 'id': 'b1', 'done': 3, 'total': 10})")
    lab.page.wait_for_function(
        f"() => document.querySelector({json.dumps(STATUS)}).innerText.includes('3/10')"
    )
    lab.screenshot("status with a running batch")
    assert item.inner_text().strip() == "Grok $0.0123 · 2 requests · batch reviews 3/10"

    lab.kernel_run(
        "status.batch_progress({'name': 'reviews', 'id': 'b1', 'done': 7, 'total': 10})",
    )
    lab.page.wait_for_function(
        f"() => document.querySelector({json.dumps(STATUS)}).innerText.includes('7/10')"
    )

    # A page opened later picks up the kernel's comm and asks for the current snapshot.
    lab.page.reload()
    lab.open_notebook("status.ipynb")
    item.wait_for(state="visible")
    lab.page.wait_for_function(
        f"() => document.querySelector({json.dumps(STATUS)}).innerText.includes('7/10')"
    )
    lab.screenshot("status after reload")

    lab.kernel_run("status.batch_finished('b1')")
    lab.page.wait_for_function(
        f"() => !document.querySelector({json.dumps(STATUS)}).innerText.includes('batch')"
    )
    assert item.inner_text().strip() == "Grok $0.0123 · 2 requests"

    # Batch names come from user code: shown as text, never as markup.
    hostile = '<img src=x onerror="window.__xaiPwned=1">'
    lab.kernel_run(
        f"status.batch_progress({{'name': {hostile!r}, 'id': 'b2', 'done': 0, 'total': 1}})"
    )
    lab.page.wait_for_function(
        f"() => document.querySelector({json.dumps(STATUS)}).innerText.includes('0/1')"
    )
    assert hostile in item.inner_text()
    assert item.locator("img").count() == 0
    assert lab.page.evaluate("() => window.__xaiPwned") is None

    # A restarted kernel has spent nothing yet: the item goes until it publishes again.
    lab.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()"
    )
    item.wait_for(state="hidden")
    lab.wait_for_kernel_idle()
    lab.kernel_run("from xai_magics import status; status.publish({'calls': 1})")
    item.wait_for(state="visible")
    assert item.inner_text().strip() == "Grok $0 · 1 request"
    # A batch counts as its rows: big numbers get separators.
    lab.kernel_run("status.publish({'calls': 1005})")
    lab.page.wait_for_function(
        f"() => document.querySelector({json.dumps(STATUS)}).innerText.includes('1,005')"
    )
    assert item.inner_text().strip() == "Grok $0 · 1,005 requests"
    lab.assert_no_console_errors()


def test_tab_completes_grok_options_and_values_in_a_notebook(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(notebook_dir / "tab.ipynb", ["%%grok --t\nWhy is the sky blue?"])
    lab.open_notebook("tab.ipynb")
    lab.kernel_run("%load_ext xai_magics")
    editor = lab.cell_locator(0).locator(".cm-content")
    editor.click()
    lab.page.keyboard.press("Control+Home")
    lab.page.keyboard.press("End")
    lab.page.keyboard.press("Tab")
    completer = lab.page.locator(".jp-Completer")
    completer.wait_for(state="visible")
    lab.screenshot("options offered")
    items = completer.locator(".jp-Completer-match").all_inner_texts()
    assert items == ["--temperature", "--thread", "--tier", "--tools"]

    # pick --tier, then its value
    lab.page.keyboard.press("ArrowDown")
    lab.page.keyboard.press("ArrowDown")
    lab.page.keyboard.press("Enter")
    lab.page.keyboard.type(" p")
    lab.page.keyboard.press("Tab")
    lab.page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-Completer .jp-Completer-match')]"
        ".map((m) => m.textContent).join() === 'priority'"
    )
    lab.page.keyboard.press("Enter")
    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.sharedModel"
        ".getSource().startsWith('%%grok --tier priority')"
    )
    assert lab.cell_source(0) == "%%grok --tier priority\nWhy is the sky blue?"
    lab.assert_no_console_errors()


TYPESETTER_LOADED = (
    "() => window.jupyterapp.shell.currentWidget.content.rendermime.latexTypesetter._initialized"
)


def test_a_notebook_that_loads_xai_magics_loads_the_typesetter_while_idle(
    lab: LabPage, notebook_dir: Path
) -> None:
    # MathJax loads on first use; loaded now, its modules do not fall in the first live answer.
    write_notebook(notebook_dir / "warm.ipynb", ["1 + 1", "%load_ext xai_magics"])
    lab.open_notebook("warm.ipynb")
    lab.select_cell(0)
    lab.command("notebook:run-cell")
    lab.wait_for_kernel_idle()
    lab.page.wait_for_timeout(2000)
    assert lab.page.evaluate(TYPESETTER_LOADED) is False  # not for any notebook
    lab.select_cell(1)
    lab.command("notebook:run-cell")
    lab.page.wait_for_function(TYPESETTER_LOADED, timeout=15_000)
    lab.assert_no_console_errors()
