"""A saved answer exported by nbconvert: its HTML is typeset with MathJax and no link filter at
all, and its links open in the same tab, so no unsafe TeX link may be left in it. (Apart from
test_render: importing nbconvert takes seconds.)"""

from __future__ import annotations

import nbformat
from nbconvert import HTMLExporter

from tests.inert_html import TEX_LINKS, TEX_MACROS, typeset_text, unsafe_tex_links
from xai_magics.render import render_bundle


def test_nbconvert_html_export_of_a_saved_answer_carries_no_unsafe_tex_link() -> None:
    payloads = {**TEX_LINKS, **TEX_MACROS}
    answer = "\n\n".join(
        ["Benign $x^2$ and $\\href{https://example.com/}{ok}$.", *payloads.values()]
    )
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%%grok\nmath")
    cell.outputs = [nbformat.v4.new_output("display_data", data=render_bundle(answer))]
    notebook.cells = [cell]
    exported, _ = HTMLExporter().from_notebook_node(notebook)
    shown = typeset_text(exported.split('<div class="xai-answer">', 1)[1])
    assert unsafe_tex_links(shown, dom=True) == []
    assert "$x^2$" in shown


def test_nbconvert_html_export_keeps_math_as_written_and_code_highlighted() -> None:
    answer = (
        "Sum \\[ \\sum_{i=1}^{n} i \\] and \\( a_1 \\), $5 and $10.\n\n"
        "```python\ndef f(): pass\n```"
    )
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%%grok\nmath and code")
    cell.outputs = [nbformat.v4.new_output("display_data", data=render_bundle(answer))]
    notebook.cells = [cell]
    exported, _ = HTMLExporter().from_notebook_node(notebook)
    answer_html = exported.split('<div class="xai-answer">', 1)[1]
    assert "\\[ \\sum_{i=1}^{n} i \\] and \\( a_1 \\)" in typeset_text(answer_html)
    assert 'mathjax_ignore tex2jax_ignore">$</span>5' in answer_html
    assert "--jp-mirror-editor-keyword-color" in answer_html.split('class="xai-code"', 1)[1]
