"""A long answer in JupyterLab and Notebook 7 is shown rendered while it streams (issue 12):
headings, tables, highlighted code, lists and typeset math appear while the cell is still running,
in light and dark, hostile Markdown and TeX split across deltas stay inert, blocks are only ever
appended (never rendered again), and the swap to the final output leaves the answer where it
was."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import NOTEBOOK7, LabPage, write_notebook
from live_measure import assert_no_jump, long_answer, record_answer, start_recording, stop_recording

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

NOTEBOOK = "live-markdown.ipynb"
CELL = 1
WEB = {"http:", "https:", "mailto:"}
# Notebook 7 (its scroll-output plugin, on by default) folds a cell's outputs into a scroll box
# when they change and are taller than 1,820 px; the live view, one widget output whose model
# does not change, is folded by the same rule as it grows (labextension/src/liveFold.ts), so the
# final output is folded as the live view was: no jump (folded it sits 6 px lower).


def test_a_long_answer_streams_rendered_and_stays_inert(
    front_end: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    lab = front_end
    answer = long_answer(6, hostile=True)
    # Paced: about 1,000 tokens in 7 s, sent on in 20 messages a second (not the default five),
    # so the hostile paragraph's 13 tokens arrive in several (its pieces cut at every byte are
    # unit-tested).
    emu.control.configure(tokens_per_second=150)
    emu.control.inject("answer", "/v1/responses", text=answer)
    write_notebook(
        notebook_dir / NOTEBOOK,
        [
            "%load_ext xai_magics\n%config GrokMagics.max_updates_per_second = 20",
            "%%grok\nTell me about tides.",
        ],
    )
    lab.open_notebook(NOTEBOOK)
    start_recording(lab.page, CELL)
    lab.run_all(wait=False)

    lab.page.wait_for_function(
        "() => ['heading', 'table', 'code', 'math', 'list'].every((k) => window.__xaiRec.seen[k])",
        timeout=60_000,
    )
    live = lab.cell_locator(CELL).locator(".xai-stream")
    assert live.count() == 1, "rendered while the cell still runs"
    live.locator("pre.xai-code").first.scroll_into_view_if_needed()
    lab.screenshot("mid-stream rendered, light")
    lab.use_theme(dark=True)
    assert live.count() == 1, "the answer ended before the dark screenshot: slow it down"
    lab.screenshot("mid-stream rendered, dark")
    lab.use_theme(dark=False)

    lab.cell_locator(CELL).locator(".xai-receipt").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()
    lab.page.wait_for_timeout(1000)  # the final output typeset and laid out
    rec = stop_recording(lab.page)
    lab.screenshot("final output")

    assert lab.page.evaluate("() => window.__xaiPwned") is None
    assert rec["images"] == 0
    assert rec["scripts"] == 0
    assert set(rec["protocols"]) <= WEB, rec["protocols"]
    # blocks are appended once each; nothing rendered is taken out and rendered again
    assert rec["removedElements"] == 0
    assert rec["addedElements"] <= rec["liveDone"]["blocks"] + 1  # + the tail's box, if re-added
    assert rec["liveFrames"] > 10
    assert rec["liveDone"]["blocks"] == rec["final"]["blocks"]
    # an answer streamed across a theme change is rendered afresh (its math sized anew)
    assert rec["adopted"] == {"block": False, "math": False}
    lab.assert_no_console_errors()
    # Not the swap's geometry here: math typeset while the theme's stylesheet is being replaced
    # is sized for the page of that moment, so this answer's second section may differ by a few
    # pixels until the final output. The next test watches an answer without theme changes.


def test_a_long_answer_does_not_jump_at_the_swap(
    front_end: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    lab = front_end
    rec = record_answer(
        lab, notebook_dir, emu, "long-answer.ipynb", "%%grok", long_answer(6),
        tokens_per_second=150,
    )  # fmt: skip
    folded = lab.cell_locator(CELL).evaluate(
        "(el) => el.classList.contains('jp-mod-outputsScrolled')"
    )
    assert folded == (lab.front_end == NOTEBOOK7)  # a long answer folds in Notebook 7 only
    assert_no_jump(rec)
    # the final output took the live view's blocks, typeset, instead of rendering them again
    assert rec["adopted"] == {"block": True, "math": True}
    lab.assert_no_console_errors()


# What MathJax numbers per formula as it typesets, in page order: not part of what is shown.
_MATHJAX_COUNTERS = r' (?:ctxtmenu_counter|tabindex)="[^"]*"'


def test_the_final_output_that_took_the_live_blocks_is_a_fresh_render_of_it(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    # The same result displayed again in the next cell is rendered from its HTML alone: the
    # output that replaced the live view must show the same (links, math, copy buttons).
    rec = record_answer(
        lab, notebook_dir, emu, "adopted.ipynb", "%%grok -o r", long_answer(3),
        tokens_per_second=150, then=("r",),
    )  # fmt: skip
    assert rec["adopted"] == {"block": True, "math": True}
    lab.cell_locator(CELL + 1).locator(".xai-receipt").wait_for()
    lab.page.wait_for_timeout(1000)  # typeset
    took, fresh = (
        re.sub(_MATHJAX_COUNTERS, "", lab.cell_locator(index).locator(".xai-answer").inner_html())
        for index in (CELL, CELL + 1)
    )
    assert took.count("<mjx-container") == fresh.count("<mjx-container") > 0
    assert took.count("xai-CodeBlock-copy") == fresh.count("xai-CodeBlock-copy") == 3
    assert took == fresh
    lab.assert_no_console_errors()


def test_an_answer_without_reasoning_does_not_jump_at_the_swap_either(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    # No reasoning block above it: the first heading is the answer's first child, in the live
    # view as in the final output, and keeps the same (smaller) top margin.
    rec = record_answer(
        lab,
        notebook_dir,
        emu,
        "no-reasoning.ipynb",
        "%%grok -m grok-4.20-non-reasoning",
        long_answer(2),
        tokens_per_second=150,
    )
    assert lab.cell_locator(CELL).locator("details.xai-reasoning").count() == 0
    assert_no_jump(rec)


# Paragraphs of the live answer with TeX not typeset yet (a formula's typeset text has no $).
_WAITING_MATH = """() => [...document.querySelectorAll('.xai-stream .xai-stream-blocks > p')]
  .filter((p) => p.textContent.includes('$') && !p.querySelector('mjx-container')).length"""


def test_math_below_the_window_waits_and_is_typeset_as_the_reader_scrolls(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    # Once the answer has run below the window, its math is typeset a few blocks at a time (a
    # typesetting call costs the page ~5 ms however little it holds); a reader who scrolls,
    # maybe towards them, gets them typeset by the frame after that scroll.
    emu.control.configure(tokens_per_second=150)
    emu.control.inject("answer", "/v1/responses", text=long_answer(10))
    write_notebook(
        notebook_dir / "scrolling.ipynb", ["%load_ext xai_magics", "%%grok\nTell me about tides."]
    )
    lab.open_notebook("scrolling.ipynb")
    lab.run_all(wait=False)
    lab.page.wait_for_function(f"() => ({_WAITING_MATH})() > 0", timeout=60_000)
    before, after = lab.page.evaluate(
        f"""() => new Promise((resolve) => {{
          const waiting = {_WAITING_MATH};
          const before = waiting();
          const scroller = document.querySelector('.jp-WindowedPanel-outer');
          scroller.scrollBy(0, 40);
          // Scroll events are dispatched before the frame's animation callbacks; a typesetting
          // task already under way (six blocks were waiting) goes on in a task of its own.
          requestAnimationFrame(() => requestAnimationFrame(() => resolve([before, waiting()])));
        }})"""
    )
    assert lab.cell_locator(CELL).locator(".xai-stream").count() == 1, "still streaming"
    assert after < before, (before, after)
    lab.cell_locator(CELL).locator(".xai-receipt").wait_for(timeout=90_000)
    # all typeset: four inline formulas and one display formula a section
    assert lab.cell_locator(CELL).locator("mjx-container").count() == 10 * 5
    lab.assert_no_console_errors()
