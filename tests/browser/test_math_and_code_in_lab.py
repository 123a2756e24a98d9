"""Math and code in an answer, in JupyterLab and Notebook 7: every math delimiter form is typeset
by MathJax (the typeset DOM is checked, not the source), currency is not, and a code block is
highlighted with the theme's editor colours, in the light and the dark theme, and in a saved
notebook opened untrusted, whose outputs the front end sanitises (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from lab_harness import LabPage, python_notebook, write_notebook

from xai_magics.render import render_bundle

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

ANSWER = "\n\n".join(
    [
        "Inline $x^2$ and \\( a_1 + b_{*} \\) and $\\{1,2,3\\}\\,x$; it costs $5 and $10.",
        "$$\\frac{a*b*c}{2}$$",
        "\\[ \\sum_{i=1}^{n} i \\]",
        "\\begin{align} a &= b \\\\ c &= d \\end{align}",
        "```python\ndef area(r: float) -> float:\n    return 3.14 * r ** 2  # cost: $5\n```",
    ]
)
NOTEBOOK = "math-code.ipynb"
INLINE, DISPLAY = 3, 3
_OUTPUT = ".jp-OutputArea-output"
_KEYWORD = '.xai-code span[style*="--jp-mirror-editor-keyword-color"]'


def _typeset(lab: LabPage, at_least: int) -> int:
    """Wait until MathJax has typeset the answer and stopped adding to it."""
    count_js = f"() => document.querySelectorAll('{_OUTPUT} mjx-container').length"
    lab.page.wait_for_function(f"() => ({count_js})() >= {at_least}")
    count = -1
    while (now := int(lab.page.evaluate(count_js))) != count:
        count = now
        lab.page.wait_for_timeout(500)
    return count


def _check_math(output: Any) -> None:
    """The answer's math, as MathJax typeset it: three inline, three display, no error."""
    assert output.locator('mjx-container[display="true"]').count() == DISPLAY
    assert output.locator("mjx-merror").count() == 0
    assert output.locator("mjx-mfrac").count() == 1
    assert output.locator("mjx-munderover").count() == 1  # the sum's limits, display style
    assert output.locator("mjx-mtable").count() == 1  # the align environment
    first = output.locator("p").first
    assert "costs $5 and $10." in first.inner_text()
    assert first.locator("mjx-container").count() == INLINE


def _check_code(lab: LabPage, output: Any, keyword: str = _KEYWORD) -> list[str]:
    """The code block: highlighted, scrolling, no math in it; the keyword and text colours."""
    code = output.locator("pre.xai-code")
    assert code.count() == 1
    assert "# cost: $5" in code.inner_text()
    assert code.locator("mjx-container").count() == 0
    assert output.locator(keyword).count() == 2  # def, return
    assert code.evaluate("(el) => getComputedStyle(el).overflowX") == "auto"
    text = code.locator("code")
    assert text.evaluate("(el) => getComputedStyle(el).whiteSpace") == "pre"  # no wrapping
    assert text.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgba(0, 0, 0, 0)"
    colours = _keyword_colour(lab, keyword)
    assert colours[0] != colours[1]
    return colours


def _keyword_colour(lab: LabPage, keyword: str = _KEYWORD) -> list[str]:
    """The computed colour of the first keyword and of the code's plain text."""
    colours: list[str] = lab.page.evaluate(
        f"""() => {{ const k = document.querySelector('{keyword}');
             return [getComputedStyle(k).color, getComputedStyle(k.closest('code')).color]; }}"""
    )
    return colours


def test_math_forms_are_typeset_and_code_is_highlighted_in_light_and_dark(
    front_end: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    lab = front_end
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    write_notebook(notebook_dir / NOTEBOOK, ["%load_ext xai_magics", "%%grok\nMath and code."])
    lab.open_notebook(NOTEBOOK)
    lab.run_all(wait=False)
    output = lab.cell_locator(1).locator(_OUTPUT)
    output.locator(".xai-receipt").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()

    assert _typeset(lab, INLINE + DISPLAY) == INLINE + DISPLAY  # "$5 and $10" is not math
    _check_math(output)
    light_keyword, _ = _check_code(lab, output)
    output.scroll_into_view_if_needed()
    lab.screenshot("light theme")

    lab.use_theme(dark=True)
    dark_keyword, dark_text = _keyword_colour(lab)
    assert dark_keyword != dark_text
    assert dark_keyword != light_keyword  # the theme's colour, not the fallback
    _check_math(output)  # switching themes typesets nothing twice and breaks nothing
    lab.screenshot("dark theme")
    lab.use_theme(dark=False)
    lab.assert_no_console_errors()


def test_a_saved_answer_opened_untrusted_keeps_its_math_and_highlighting(
    front_end: LabPage, notebook_dir: Path
) -> None:
    lab = front_end
    notebook = python_notebook(["%%grok\nMath and code."])
    bundle = render_bundle(ANSWER, receipt_line="grok-4.3 · $0.0012")
    bundle_html = bundle["text/html"]
    notebook.cells[0].outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nbformat.write(notebook, notebook_dir / "untrusted.ipynb")  # unsigned: not trusted
    lab.open_notebook("untrusted.ipynb")
    output = lab.cell_locator(0).locator(_OUTPUT)
    assert _typeset(lab, INLINE + DISPLAY) == INLINE + DISPLAY
    _check_math(output)
    # The sanitiser drops the theme's colour (var() is not in its grammar); the plain one stays.
    plain = re.search(r"color:(#[0-9a-f]{6});color:var\(--jp-mirror-editor-keyword", bundle_html)
    assert plain is not None
    keyword = f'.xai-code span[style="color:{plain.group(1)}"]'
    _check_code(lab, output, keyword=keyword)
    output.scroll_into_view_if_needed()
    lab.screenshot("untrusted, light")
    lab.use_theme(dark=True)
    _check_math(output)
    keyword_colour, text_colour = _keyword_colour(lab, keyword)
    assert keyword_colour != text_colour
    lab.screenshot("untrusted, dark")
    lab.use_theme(dark=False)
    lab.assert_no_console_errors()
