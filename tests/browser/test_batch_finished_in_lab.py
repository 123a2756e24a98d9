"""A batch submitted without --wait finishes after its cell has ended, in JupyterLab and Notebook 7:
the widget's clock stops, it says how to get the results and shows the first rows, legible in the
light and the dark theme, and the saved output's text form is the finished state (issue 12). The
dry run and the job list are checked in JupyterLab."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LAB, NOTEBOOK7, LabPage, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

ROWS = 7
# job names are the frames' names, and the session's job store is shared: one per front end,
# unlike the other browser tests', so neither resumes the other's finished job
FRAMES = {LAB: "feedback", NOTEBOOK7: "feedback_nb7"}
_RESULTS = ".xai-batch-results"


def _label(lab: LabPage) -> str:
    text: str = lab.cell_locator(2).locator(".widget-html-content").first.inner_text()
    return text


def test_a_batch_finished_without_wait_stops_its_clock_and_shows_its_first_rows(
    front_end: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    lab = front_end
    frame = FRAMES[lab.front_end]
    notebook = f"batch-no-wait-{lab.front_end}.ipynb"
    emu.control.configure(batch_seconds_per_request=4.0)
    write_notebook(
        notebook_dir / notebook,
        [
            "%load_ext xai_magics",
            "import pandas as pd\n"
            f"{frame} = pd.DataFrame({{'review': [f'review {{i}}' for i in range({ROWS})]}})",
            f'%grok_batch {frame} --prompt "Classify the sentiment of: {{review}}"',
        ],
    )
    lab.open_notebook(notebook)
    lab.run_all()  # returns with the batch still running: the kernel is idle, the cell done
    output = lab.cell_locator(2).locator(".jp-OutputArea-output")
    assert "finished" not in _label(lab)
    assert output.locator(_RESULTS).count() == 0
    # the job is the cell's value as its live widget: no "Out[3]: <BatchJob ...>" under it
    assert lab.cell_locator(2).locator(".jp-OutputArea-executeResult").count() == 0
    lab.screenshot("running, cell already ended")
    # between polls the clock moves on its own while the batch runs
    label = lab.cell_locator(2).locator(".widget-html-content").first
    label.filter(has_text=re.compile(r"running .* 0:0[1-9] elapsed")).wait_for(timeout=30_000)

    table = output.locator(f"{_RESULTS} table")
    table.wait_for(timeout=90_000)
    finished = _label(lab)
    assert re.search(
        rf"{frame}: finished · 7/7 done .* \d+:\d\d elapsed · \$[\d.]+ billed", finished
    )
    assert f"results = %grok_batch --attach {frame} --wait" in output.locator("code").inner_text()
    headers = [h.strip() for h in table.locator("th").all_inner_texts()]
    assert headers[:3] == ["row", "answer", "answer_status"]
    assert table.locator("tbody tr").count() == 5
    assert table.locator("tbody tr").first.locator("td").nth(2).inner_text() == "ok"
    assert "first 5 of 7 rows" in output.locator(_RESULTS).inner_text()
    assert table.locator("mjx-container").count() == 0
    output.scroll_into_view_if_needed()
    light = lab.screenshot("finished, light theme")
    assert light.exists()
    light_colour = table.locator("td").first.evaluate("(el) => getComputedStyle(el).color")

    lab.page.wait_for_timeout(2500)
    assert _label(lab) == finished  # the clock stopped when the batch ended

    lab.use_theme(dark=True)
    dark_colour = table.locator("td").first.evaluate("(el) => getComputedStyle(el).color")
    assert dark_colour != light_colour  # the theme's text colour, legible on its background
    lab.screenshot("finished, dark theme")
    lab.use_theme(dark=False)

    # the output as it would be saved: its text form is the finished state, not "running"
    (shown,) = [o for o in lab.cell_outputs(2) if o["output_type"] == "display_data"]
    text = "".join(shown["data"]["text/plain"])
    assert text.startswith(f"{frame}: finished · 7/7 done")
    assert f"Get the results: results = %grok_batch --attach {frame} --wait" in text
    lab.assert_no_console_errors()


def test_a_batch_dry_run_and_the_job_list_read_well_in_lab(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    write_notebook(
        notebook_dir / "batch-dry-run.ipynb",
        [
            "%load_ext xai_magics",
            "import pandas as pd\n"
            "notes = pd.DataFrame({'review': ['Boils fast; costs $5 and $10.', "
            "'Warm light, ' * 40, '']}, index=[101, 102, 103])",
            '%grok_batch notes --prompt "Sentiment of: {review}" --max-tokens 20 --dry-run',
            '%grok_batch notes --prompt "Sentiment of: {review}" --wait',
            "%grok_batch --list",
        ],
    )
    lab.open_notebook("batch-dry-run.ipynb")
    lab.run_all(timeout_ms=90_000)
    listing = lab.cell_locator(4).locator(".jp-OutputArea-output table")
    lab.wait_for("() => !!document.querySelector('.jp-Notebook .jp-OutputArea-output table')")
    dry = lab.cell_locator(2).locator(".xai-batch-dry-run")
    assert lab.cell_locator(2).locator(".jp-OutputArea-output").count() == 1  # shown once
    request = dry.locator("pre").nth(1)
    assert request.inner_text().startswith('{\n  "batch_request_id"')
    style = request.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.whiteSpace, s.wordBreak]; }"
    )
    assert style == ["pre-wrap", "normal"]  # long prompts wrap between words only
    assert dry.locator("mjx-container").count() == 0  # "$5 and $10" stays text
    assert "row 1 (index 102), id " in dry.locator("pre").nth(2).inner_text()
    dry.scroll_into_view_if_needed()
    lab.screenshot("dry run")

    headers = [h.strip() for h in listing.locator("th").all_inner_texts()]
    assert headers[:4] == ["job", "created", "state", "rows"]
    assert {"ok", "skipped", "cost", "server"} <= set(headers)
    cells = listing.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "notes"  # newest first (the session's other tests add theirs)
    assert cells[headers.index("ok")] == "2"
    listing.scroll_into_view_if_needed()
    lab.screenshot("job list")
    lab.assert_no_console_errors()
