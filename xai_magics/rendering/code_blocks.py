"""Code blocks in an answer: highlighted and laid out in the saved HTML itself.

The highlighting is written into the output (a reopened notebook or an nbconvert export shows it
without our front-end code), as inline styles: JupyterLab keeps ``style`` attributes in trusted
outputs, and a ``<style>`` element would leak out of the output onto the page. Colours are
JupyterLab's editor colours (``--jp-mirror-editor-*``, so they follow the light or dark theme),
with mid-tone fallbacks readable on a light and a dark page where those are not defined or
the sanitizer of an untrusted notebook drops them. A block
scrolls sideways rather than wrapping mid-token, in a narrow column too.

Safety: cmark has already escaped the code; it is unescaped, split into tokens by Pygments (a
lexer named by the fence's language, never guessed), and every token's text escaped again into a
``<span style>`` of ours. Code whose language Pygments does not know, code that holds markup and
code past the first 40,000 characters of an answer stay as cmark wrote it.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

__all__ = ["CODE_STYLE", "PRE_STYLE", "TABLE_WRAPPER_STYLE", "lay_out_code_and_tables"]

PRE_STYLE = (
    "background:rgba(127,127,127,0.12);padding:0.6em 0.8em;border-radius:4px;"
    "overflow-x:auto;white-space:pre;line-height:1.4"
)
# JupyterLab gives <code> its own opaque background and "pre-wrap", which would paint boxes
# behind the text and wrap it again inside the block.
CODE_STYLE = "background-color:transparent;white-space:pre;padding:0"
TABLE_WRAPPER_STYLE = "overflow-x:auto;max-width:100%"
# Characters of code highlighted in one answer (Pygments lexes about 200 per millisecond); the
# blocks past it stay plain.
_MAX_HIGHLIGHTED = 40_000
_PRE = re.compile(r'<pre><code(?: class="language-([^"]*)")?>(.*?)</code></pre>', re.DOTALL)
_TABLE = re.compile(r"<table>.*?</table>", re.DOTALL)
_LANGUAGE = re.compile(r"[\w+#.\-]{1,40}")
# Pygments token type (its dotted name's first parts) -> JupyterLab variable and fallback.
_COLOURS = {
    "Keyword": ("keyword", "#a846b9"),
    "Name.Builtin": ("builtin", "#2b8fa0"),
    "Name.Function": ("def", "#3f7fd0"),
    "Name.Class": ("def", "#3f7fd0"),
    "Name.Decorator": ("meta", "#9a8a2a"),
    "Name.Tag": ("tag", "#3f8f3f"),
    "Name.Attribute": ("attribute", "#b07020"),
    "Literal.String": ("string", "#c0623a"),
    "Literal.Number": ("number", "#2f9a5f"),
    "Operator": ("operator", "#a06cd5"),
    "Comment": ("comment", "#6f8a8a"),
}


def lay_out_code_and_tables(cmark_html: str) -> str:
    """cmark's HTML with code blocks highlighted and styled, and tables able to scroll."""
    if "<pre>" in cmark_html:
        budget = _MAX_HIGHLIGHTED

        def block(match: re.Match[str]) -> str:
            nonlocal budget
            budget -= len(match.group(2))
            return _code_block(match.group(1), match.group(2), highlight=budget >= 0)

        cmark_html = _PRE.sub(block, cmark_html)
    if "<table>" in cmark_html:
        cmark_html = _TABLE.sub(
            lambda m: f'<div style="{TABLE_WRAPPER_STYLE}">{m.group()}</div>', cmark_html
        )
    return cmark_html


def _code_block(language: str | None, escaped: str, *, highlight: bool) -> str:
    attribute = f' class="language-{language}"' if language is not None else ""
    body = (_highlighted(html.unescape(language or ""), escaped) if highlight else None) or escaped
    return (
        f'<pre class="xai-code" style="{PRE_STYLE}">'
        f'<code{attribute} style="{CODE_STYLE}">{body}</code></pre>'
    )


@lru_cache(maxsize=128)  # the live view renders the text again as it grows: blocks repeat
def _highlighted(language: str, escaped: str) -> str | None:
    if not _LANGUAGE.fullmatch(language) or "<" in escaped:
        return None
    lexer = _lexer(language.lower())
    if lexer is None:
        return None
    code = html.unescape(escaped)
    out: list[str] = []
    seen: list[str] = []
    style, run = "", ""
    for token_type, value in lexer.get_tokens(code):
        seen.append(value)
        token_style = _style(str(token_type)) if value.strip() else style
        if token_style != style:
            out.append(_span(style, run))
            style, run = token_style, ""
        run += value
    out.append(_span(style, run))
    return "".join(out) if "".join(seen) == code else None  # a lexer that changed the text


def _span(style: str, text: str) -> str:
    if not text:
        return ""
    escaped = html.escape(text, quote=False)
    return f'<span style="{style}">{escaped}</span>' if style else escaped


@lru_cache(maxsize=256)
def _style(token_type: str) -> str:
    name = token_type.removeprefix("Token.")
    while name:
        if name in _COLOURS:
            variable, fallback = _COLOURS[name]
            italic = ";font-style:italic" if variable == "comment" else ""
            # The plain colour first: JupyterLab's sanitizer (untrusted notebooks) drops a
            # declaration with var(), and the browser uses the last one it can read.
            themed = f"var(--jp-mirror-editor-{variable}-color,{fallback})"
            return f"color:{fallback};color:{themed}{italic}"
        name = name.rpartition(".")[0]
    return ""


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    # Imported here: Pygments costs tens of milliseconds to load, and most answers have no code.
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
