"""Math in answers reaches the typesetter as written; currency and code never become math."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.inert_html import JS, assert_inert, typeset_text, unsafe_tex_links
from xai_magics.render import render_bundle, render_markdown

_IGNORED = ("mathjax_ignore", "tex2jax_ignore")


class _MathJaxStrings(HTMLParser):
    """The strings MathJax 3 searches for delimiters: text split at every element but ``<br>``,
    nothing inside ``<code>``, ``<pre>`` or an element of an ignore class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = [""]
        self._skipped: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.strings[-1] += "\n"
            return
        classes = (dict(attrs).get("class") or "").split()
        skip = tag in ("code", "pre") or any(c in _IGNORED for c in classes)
        self._skipped.append(skip or bool(self._skipped and self._skipped[-1]))
        self.strings.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._skipped:
            self._skipped.pop()
        self.strings.append("")

    def handle_data(self, data: str) -> None:
        if not (self._skipped and self._skipped[-1]):
            self.strings[-1] += data


# MathJax's TeX input with processEscapes and processEnvironments, as JupyterLab configures it:
# any two "$" pair up (no currency rule), "\$" is a dollar.
_MATHJAX_MATH = re.compile(
    r"\\\$|\$\$(?:\\.|[^\\])+?\$\$|\$(?:\\.|[^$\\])+?\$"
    r"|\\\(.+?\\\)|\\\[.+?\\\]|\\begin\{([^}]*)\}.*?\\end\{\1\}",
    re.DOTALL,
)


def typeset_math(html: str) -> list[str]:
    """The math MathJax would typeset in ``html``, each piece as it reads it."""
    parser = _MathJaxStrings()
    parser.feed(html)
    parser.close()
    return [
        match.group()
        for string in parser.strings
        for match in _MATHJAX_MATH.finditer(string)
        if match.group() != "\\$"
    ]


MATH = {
    "display-brackets": (r"Sum: \[ \sum_{i=1}^{n} i \]", [r"\[ \sum_{i=1}^{n} i \]"]),
    "inline-parens": (r"Let \( a_1 \) be", [r"\( a_1 \)"]),
    "thin-space-and-braces": (r"$\{1,2,3\}\,x$ here", [r"$\{1,2,3\}\,x$"]),
    "emphasis-characters": ("$a*b*c + x_1 y_1 + z_2$", ["$a*b*c + x_1 y_1 + z_2$"]),
    "less-and-greater": ("$a<b$ and $c>d$ <b>", ["$a<b$", "$c>d$"]),
    "multi-line-display": ("$$\na*b\n= c_1 + c_2\n$$", ["$$\na*b\n= c_1 + c_2\n$$"]),
    "environment": (
        "\\begin{align}\na &= b_1 \\\\\nc &= d_1\n\\end{align}",
        ["\\begin{align}\na &= b_1 \\\\\nc &= d_1\n\\end{align}"],
    ),
    "starred-environment": ("\\begin{align*}x_1\\end{align*}", ["\\begin{align*}x_1\\end{align*}"]),
    "environment-in-display": (
        r"$$\begin{aligned} a&=1 \\ b&=2 \end{aligned}$$",
        [r"$$\begin{aligned} a&=1 \\ b&=2 \end{aligned}$$"],
    ),
    "in-a-list": (
        "- first $x_1$\n- second:\n  $$\n  y_*\n  $$\n- third \\(z_1\\)",
        ["$x_1$", "$$\n  y_*\n  $$", "\\(z_1\\)"],
    ),
    "in-a-table": ("| f | g |\n|---|---|\n| $x|y$ | $a_1$ |", ["$x|y$", "$a_1$"]),
    "in-emphasis": ("**bold $a_1$** and _it $b_2$_", ["$a_1$", "$b_2$"]),
    "escaped-dollar-in-math": (r"$\$5 + x$", [r"$\$5 + x$"]),
    "across-a-line-break": ("$a\n+ b$", ["$a\n+ b$"]),
    "currency": ("It costs $5 and $10.", []),
    "currency-then-math": ("It costs $5, so $x^2$ is", ["$x^2$"]),
    "currency-in-a-table": ("| a | b |\n|---|---|\n| $5 | $10 |", []),
    "escaped-dollars": (r"\$5 and \$6", []),
    "code-span": ("`$a$` and `$b` and $", []),
    "fenced-code": ("```python\nx = '$a$' + '\\(b\\)'\n```\n", []),
    "fenced-code-in-a-list": ("- a\n  ```\n  $x$ and $y\n  ```\n- b", []),
    "unbalanced-inline": ("$x + y and more", []),
    "unbalanced-display": ("\\[ x + y", []),
    "unbalanced-environment": ("\\begin{align} x", []),
    "not-across-a-blank-line": ("$x\n\ny$", []),
    "space-inside-dollars": ("$ 5 and 6 $", []),
}


@pytest.mark.parametrize(("text", "math"), MATH.values(), ids=MATH.keys())
def test_math_reaches_the_typesetter_as_written(text: str, math: list[str]) -> None:
    html = render_bundle(text)["text/html"]
    assert typeset_math(html) == math
    assert_inert(html)


def test_math_in_a_table_cell_does_not_split_the_cell() -> None:
    html = render_markdown("| f | g |\n|---|---|\n| $x|y$ | z |")
    assert html.count("<td>") == 2
    assert "<td>$x|y$</td>" in html


def test_prose_between_math_is_still_markdown() -> None:
    html = render_markdown("**bold** $a*b*c$ *it* `c$`")
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<code>c$</code>" in html


def test_math_in_a_link_target_falls_back_to_plain_rendering() -> None:
    html = render_markdown('[a $b$](https://example.com/$x$ "costs $5")')
    assert '<a href="https://example.com/$x$"' in html
    assert 'title="costs $5"' in html


HOSTILE = {
    "display-brackets": f"\\[\\href{{java\tscript:{JS}}}{{x}}\\]",
    "inline-parens": f"\\(\\url{{javascript:{JS}}}\\)",
    "environment": f"\\begin{{equation}}\\href{{javascript:{JS}}}{{x}}\\end{{equation}}",
    "in-a-table": f"| a |\n|---|\n| $\\href{{java\tscript:{JS}}}{{x}}|y$ |",
    "escaped-in-math": f"$\\\\href{{javascript:{JS}}}{{x}}$",
}


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_protected_math_still_loses_unsafe_tex_links(payload: str) -> None:
    html = render_bundle(payload)["text/html"]
    assert unsafe_tex_links(typeset_text(html), dom=True) == []
    assert "\\href" not in html
    assert "\\url{j" not in html


def test_a_dollar_in_a_link_title_or_image_label_stays_a_plain_dollar() -> None:
    html = render_markdown(
        '[a $x$](https://example.com "costs $5") ![price $5](https://x.org/p.png)'
    )
    assert 'title="costs $5"' in html
    assert typeset_math(html) == ["$x$"]
    assert ">image: price <span" in html  # the label is text: its dollar is kept from MathJax
    assert_inert(html)
