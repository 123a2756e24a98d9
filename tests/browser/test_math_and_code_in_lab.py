"""Math and code in an answer, in JupyterLab: every math delimiter form is typeset by MathJax
(the typeset DOM is checked, not the source), currency is not, and a code block is highlighted
with the theme's editor colours, in the light and the dark theme (issue 12)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LabPage, write_notebook

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


def _keyword_colour(lab: LabPage) -> list[str]:
    """The computed colour of the first keyword and of the code's plain text."""
    colours: list[str] = lab.page.evaluate(
        f"""() => {{ const k = document.querySelector('{_KEYWORD}');
             return [getComputedStyle(k).color, getComputedStyle(k.closest('code')).color]; }}"""
    )
    return colours


def test_math_forms_are_typeset_and_code_is_highlighted_in_light_and_dark(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    write_notebook(notebook_dir / NOTEBOOK, ["%load_ext xai_magics", "%%grok\nMath and code."])
    lab.open_notebook(NOTEBOOK)
    lab.run_all(wait=False)
    output = lab.cell_locator(1).locator(_OUTPUT)
    output.locator(".xai-receipt").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()

    assert _typeset(lab, INLINE + DISPLAY) == INLINE + DISPLAY  # "$5 and $10" is not math
    math = output.locator("mjx-container")
    assert output.locator('mjx-container[display="true"]').count() == DISPLAY
    assert output.locator("mjx-merror").count() == 0
    assert output.locator("mjx-mfrac").count() == 1
    assert output.locator("mjx-munderover").count() == 1  # the sum's limits, display style
    assert output.locator("mjx-mtable").count() == 1  # the align environment
    first = output.locator("p").first
    assert "costs $5 and $10." in first.inner_text()
    assert first.locator("mjx-container").count() == INLINE
    assert math.count() == INLINE + DISPLAY

    code = output.locator("pre.xai-code")
    assert code.count() == 1
    assert "# cost: $5" in code.inner_text()
    assert code.locator("mjx-container").count() == 0
    assert output.locator(_KEYWORD).count() == 2  # def, return
    assert code.evaluate("(el) => getComputedStyle(el).overflowX") == "auto"
    assert code.evaluate("(el) => getComputedStyle(el).whiteSpace") == "pre"
    light_keyword, light_text = _keyword_colour(lab)
    assert light_keyword != light_text
    output.scroll_into_view_if_needed()
    lab.screenshot("light theme")

    lab.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    lab.page.wait_for_function(
        "() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000
    )
    lab.page.wait_for_timeout(1000)
    dark_keyword, dark_text = _keyword_colour(lab)
    assert dark_keyword != dark_text
    assert dark_keyword != light_keyword  # the theme's colour, not the fallback
    lab.screenshot("dark theme")
    lab.command("apputils:change-theme", {"theme": "JupyterLab Light"})
    lab.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    lab.assert_no_console_errors()
