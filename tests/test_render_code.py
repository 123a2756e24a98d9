"""Code blocks in answers: highlighted by language in the saved HTML, exact text, never live."""

from __future__ import annotations

import html as html_module
import re

import pytest

from tests.inert_html import assert_inert, live_markup
from xai_magics.render import render_bundle, render_columns, render_markdown
from xai_magics.rendering.code_blocks import PRE_STYLE

_BLOCK = re.compile(r"<pre[^>]*><code[^>]*>(.*?)</code></pre>", re.DOTALL)
# A keyword's span: a plain colour for sanitisers, then the theme's colour falling back to it.
_KEYWORD = r'<span style="color:(#[0-9a-f]{6});color:var\(--jp-mirror-editor-keyword-color,\1\)">'


def code_texts(html: str) -> list[str]:
    """The text each code block shows, as a browser would."""
    return [html_module.unescape(re.sub(r"<[^>]*>", "", m.group(1))) for m in _BLOCK.finditer(html)]


CODE = {
    "python": ("python", "def f(x):\n    return x < 2 and '<b>' != \"&amp;\"  # é\n", "def "),
    "alias": ("py", "import os\n\n\nclass A:\n    pass\n", "import "),
    "javascript": ("js", "const a = `${b}` && c <script>;\n", "const "),
    "shell": ("bash", 'for f in *.txt; do echo "$f"; done\n', "for"),
    "tabs-and-dollars": ("python", "if a:\n\tx = '$a$ \\\\( b'\n", "if"),
}


@pytest.mark.parametrize(("lang", "code", "keyword"), CODE.values(), ids=CODE.keys())
def test_fenced_code_is_highlighted_and_shows_its_exact_text(
    lang: str, code: str, keyword: str
) -> None:
    html = render_bundle(f"Here:\n\n```{lang}\n{code}```\n")["text/html"]
    assert code_texts(html) == [code]
    block = _BLOCK.search(html)
    assert block is not None
    assert re.search(_KEYWORD + re.escape(keyword), block.group(1))
    assert_inert(html)
    assert set(live_markup(html).tags) - {"div", "p"} <= {"pre", "code", "span"}


@pytest.mark.parametrize(
    "info",
    ["", "nosuchlanguage", 'python" onclick="x', "python{.x}", "../../etc/passwd", "a" * 60],
)
def test_unknown_or_odd_languages_stay_plain_escaped_text(info: str) -> None:
    code = "x = '<img src=x onerror=alert(1)>' if a < b else 1\n"
    html = render_markdown(f"```{info}\n{code}```\n")
    assert code_texts(html) == [code]
    assert "<span" not in html
    assert f'style="{PRE_STYLE}"' in html
    assert_inert(html)


def test_code_blocks_scroll_instead_of_wrapping() -> None:
    html = render_markdown("```python\nx = 1\n```\n\n```\nplain\n```\n\n    indented\n")
    assert html.count(f'<pre class="xai-code" style="{PRE_STYLE}">') == 3
    for rule in ("overflow-x:auto", "white-space:pre", "padding:", "background:"):
        assert rule in PRE_STYLE


def test_tables_scroll_inside_their_own_box() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| `x` | 2 |")
    assert re.search(r'<div style="overflow-x:auto[^"]*"><table>.*</table></div>', html, re.S)


def test_compare_columns_let_code_blocks_scroll() -> None:
    answer = render_bundle("```python\n" + "x = 1  # " + "long " * 80 + "\n```")["text/html"]
    columns = render_columns([("a", answer), ("b", answer)])
    assert columns.count('class="xai-compare-cell" style="min-width:0"') == 2
    assert columns.count(f'style="{PRE_STYLE}"') == 2


def test_json_format_is_highlighted() -> None:
    text = '{"a": [1, "<b>"], "c": null}'
    html = render_bundle(text, fmt="json")["text/html"]
    assert code_texts(html) == [text]
    assert "--jp-mirror-editor-string-color" in html
    assert_inert(html)


def test_prose_outside_code_is_not_highlighted() -> None:
    html = render_markdown("def f(): pass and `def g()`")
    assert "<span" not in html
