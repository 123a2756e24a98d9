"""%%grok and %grok_batch as users see them in JupyterLab: answers stream visibly and stay in the
saved notebook, hostile answers stay inert, batch progress advances, and a failed cell becomes a
question Grok answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from lab_harness import LabPage, LabServer, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

LOAD = "%load_ext xai_magics"
ASK_COMMAND = "xai-magics:ask-about-error"
STATUS = ".jp-StatusBar-Widget .jp-xai-StatusItem"

ANSWER = (
    "Tide pools are rocky hollows that keep seawater when the tide goes out. "
    "Anemones, crabs and snails live there, and **every visit** shows something new. "
    "Go at low tide, step on bare rock, and put every stone back the way you found it."
)


def _reopen(lab: LabPage, lab_server: LabServer, name: str) -> None:
    """Open the saved file again from disk in a fresh page, with no kernel state behind it."""
    lab_server.shutdown_kernels()
    lab.page.goto("about:blank")
    lab.open_notebook(name)


def _final_output(notebook_dir: Path, name: str, index: int) -> list[dict[str, Any]]:
    notebook = nbformat.read(notebook_dir / name, as_version=4)
    return [dict(output) for output in notebook.cells[index].outputs]


def test_grok_answer_streams_visibly_ends_with_a_receipt_and_is_there_after_reopening(
    lab: LabPage, lab_server: LabServer, notebook_dir: Path, emu: Emulator
) -> None:
    emu.control.configure(ttft_ms=200, tokens_per_second=30)
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    write_notebook(notebook_dir / "stream.ipynb", [LOAD, "%%grok\nTell me about tide pools."])
    lab.open_notebook("stream.ipynb")
    # Sample the live text every 50 ms from inside the page, while the cell runs.
    lab.page.evaluate(
        """() => { window.__xaiLengths = []; window.__xaiSampler = setInterval(() => {
             const live = document.querySelector('.xai-stream-text');
             // the open tail's length, while no rendered block has taken its place
             const rendered = document.querySelector('.xai-stream .xai-stream-blocks > *');
             if (live && !rendered) { window.__xaiLengths.push(live.textContent.length); }
           }, 50); }"""
    )
    lab.run_all(wait=False)
    lab.wait_for(
        "() => (document.querySelector('.xai-stream-text') || {textContent: ''})"
        ".textContent.length > 40"
    )
    lab.screenshot("answer streaming in")
    lab.cell_locator(1).locator(".xai-receipt").wait_for(timeout=60_000)
    lab.wait_for_kernel_idle()
    lab.screenshot("answer with its receipt")
    lengths = lab.page.evaluate(
        "() => { clearInterval(window.__xaiSampler); return window.__xaiLengths; }"
    )

    assert lengths == sorted(lengths), "the live text only ever grows (until it is rendered)"
    assert len({n for n in lengths if n > 0}) >= 5, f"seen at too few sizes: {lengths}"
    output = lab.cell_locator(1).locator(".jp-OutputArea-output")
    assert output.count() == 1, "the live view is replaced by one ordinary output"
    assert output.locator("strong").inner_text() == "every visit"
    assert lab.cell_locator(1).locator(".xai-stream").count() == 0

    lab.save()
    (saved,) = _final_output(notebook_dir, "stream.ipynb", 1)
    assert saved["output_type"] == "display_data"
    assert "<strong>every visit</strong>" in saved["data"]["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in saved["data"]

    _reopen(lab, lab_server, "stream.ipynb")
    reopened = lab.cell_locator(1).locator(".jp-OutputArea-output")
    assert "put every stone back" in reopened.inner_text()
    assert reopened.locator(".xai-receipt").count() == 1
    lab.screenshot("reopened from disk")
    lab.assert_no_console_errors()


# Every way an answer could try to run script in the page. The emulator streams it token by
# token, so tags and attributes arrive split across deltas.
HOSTILE = (
    "Sure. <img src=x onerror=\"window.__xaiPwned='img'\"> "
    "<script>window.__xaiPwned='script'</script> "
    "[click me](javascript:window.__xaiPwned='md-link') "
    "<a href=\"javascript:window.__xaiPwned='a-href'\">or me</a> "
    "<svg onload=\"window.__xaiPwned='svg'\"></svg> "
    "<iframe srcdoc=\"<script>parent.__xaiPwned='iframe'</script>\"></iframe> "
    "<details open ontoggle=\"window.__xaiPwned='details'\">x</details> done."
)


def _assert_inert(lab: LabPage, index: int) -> None:
    output = lab.cell_locator(index).locator(".jp-OutputArea-output")
    for link in output.locator("a").all():
        link.click(modifiers=["Alt"])  # a trusted click; Alt keeps JupyterLab from opening tabs
    lab.page.wait_for_timeout(300)  # give onerror/onload handlers, had they existed, time to fire
    assert lab.page.evaluate("() => window.__xaiPwned") is None
    # the renderer's own collapsed reasoning (grok-4.3 reasons by default) is the only <details>
    hostile_details = "details:not(.xai-reasoning), details[ontoggle]"
    for selector in ("img", "script", "svg", "iframe", hostile_details, "a[href^='javascript']"):
        assert output.locator(selector).count() == 0, selector
    assert "<script>window.__xaiPwned='script'</script>" in output.inner_text()


def test_hostile_answer_never_executes_live_or_after_reopening(
    lab: LabPage, lab_server: LabServer, notebook_dir: Path, emu: Emulator
) -> None:
    # Paced and cut into 5-byte pieces on the wire: tags arrive in fragments.
    emu.control.configure(tokens_per_second=200, stream_chunk_bytes=5)
    emu.control.inject("answer", "/v1/responses", text=HOSTILE)
    write_notebook(notebook_dir / "hostile.ipynb", [LOAD, "%%grok\nSay something nice."])
    lab.open_notebook("hostile.ipynb")
    lab.run_all(wait=False)
    lab.wait_for(
        "() => (document.querySelector('.xai-stream-text') || {textContent: ''})"
        ".textContent.includes('<script>')"
    )
    assert lab.page.evaluate("() => window.__xaiPwned") is None
    lab.cell_locator(1).locator(".xai-receipt").wait_for(timeout=60_000)
    lab.wait_for_kernel_idle()
    lab.screenshot("hostile answer shown as text")
    _assert_inert(lab, 1)

    lab.save()
    _reopen(lab, lab_server, "hostile.ipynb")
    lab.cell_locator(1).locator(".xai-receipt").wait_for()
    lab.screenshot("hostile answer reopened")
    _assert_inert(lab, 1)


def test_error_command_inserts_a_grok_cell_that_runs_and_reports_spend(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    failing = "counts = {'hits': 3, 'total': 0}\ncounts['hits'] / counts['total']\n"
    write_notebook(notebook_dir / "ask.ipynb", [LOAD, failing])
    lab.open_notebook("ask.ipynb")
    lab.run_all()
    lab.select_cell(1)
    lab.command(ASK_COMMAND)
    lab.cell_locator(2).locator(".xai-grok-cell").wait_for()
    lab.command("notebook:run-cell")
    lab.cell_locator(2).locator(".xai-receipt").wait_for(timeout=60_000)
    lab.wait_for_kernel_idle()
    lab.screenshot("grok answers about the error")

    asked = [
        entry["body"]
        for entry in emu.control.log()
        if entry["method"] == "POST" and entry["path"] == "/v1/responses"
    ]
    assert len(asked) == 1
    sent = json.dumps(asked[0])
    assert "ZeroDivisionError: division by zero" in sent
    assert json.dumps(failing.rstrip("\n"))[1:-1] in sent  # the code, braces as written
    assert lab.cell_locator(2).locator(".jp-OutputArea-output").inner_text().strip()
    status = lab.page.locator(STATUS)
    status.wait_for(state="visible")
    assert re.fullmatch(r"Grok \$\d+\.\d{4} · 1 request", status.inner_text().strip())
    lab.assert_no_console_errors()


def test_batch_progress_advances_in_the_cell_and_status_bar_then_result_columns_appear(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    emu.control.configure(batch_seconds_per_request=0.4)
    rows = 12
    write_notebook(
        notebook_dir / "batch.ipynb",
        [
            LOAD,
            "import pandas as pd\n"
            f"reviews = pd.DataFrame({{'review': [f'review {{i}}' for i in range({rows})]}})",
            '%grok_batch reviews --prompt "Classify the sentiment of: {review}" --wait',
        ],
    )
    lab.open_notebook("batch.ipynb")
    lab.page.evaluate(
        """() => { window.__xaiSeen = {cell: [], bar: []}; window.__xaiSampler = setInterval(() => {
             const cell = document.querySelector('.jp-Notebook .widget-html-content');
             const bar = document.querySelector('.jp-xai-StatusItem-batches');
             if (cell) { window.__xaiSeen.cell.push(cell.textContent); }
             if (bar && bar.textContent) { window.__xaiSeen.bar.push(bar.textContent); }
           }, 100); }"""
    )
    lab.run_all(wait=False)
    lab.wait_for("() => window.__xaiSeen.cell.some(t => /[1-9]\\d*\\/12 done/.test(t))")
    lab.screenshot("batch running")
    lab.cell_locator(2).locator(".jp-OutputArea-output table").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()
    lab.screenshot("batch finished with result columns")
    seen = lab.page.evaluate(
        "() => { clearInterval(window.__xaiSampler); return window.__xaiSeen; }"
    )

    done_counts = [int(m.group(1)) for t in seen["cell"] if (m := re.search(r"(\d+)/12 done", t))]
    assert len(set(done_counts)) >= 2, f"progress did not advance: {sorted(set(done_counts))}"
    assert done_counts == sorted(done_counts)
    assert any(re.search(r"batch reviews \d+/12", text) for text in seen["bar"]), seen["bar"]
    headers = lab.cell_locator(2).locator(".jp-OutputArea-output table th").all_inner_texts()
    assert {"review", "answer", "answer_status"} <= {h.strip() for h in headers}
    lab.page.wait_for_function(
        "() => !(document.querySelector('.jp-xai-StatusItem-batches') || {textContent: ''})"
        ".textContent"
    )
    lab.assert_no_console_errors()
