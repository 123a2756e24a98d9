"""Math in model Markdown, kept away from the Markdown parser on the way to the HTML copy.

CommonMark reads backslash escapes and emphasis inside math: ``\\[ x \\]`` would reach the
typesetter as ``[ x ]``, ``\\,`` as a comma, ``\\{1,2\\}`` without its braces, ``a*b*c`` as
emphasis (issue 12). So the spans a typesetter should read as math are taken out of the text
before cmark runs and put back, escaped, into its HTML (:func:`take_out_math`,
:func:`put_back_math`). Math is ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and
``\\begin{env}...\\end{env}`` (what JupyterLab's MathJax finds), except:

* in code spans and fenced code (MathJax skips ``<code>`` and ``<pre>``);
* ``\\$`` never opens or closes, nor does anything else after a backslash;
* an inline ``$`` opens only before a non-space and closes only after a non-space and not before
  a digit (pandoc's rule), and math never holds an unescaped ``$`` (TeX's): in ``$5 and $10`` or
  ``costs $5, so $x^2$`` the currency is prose;
* math never crosses a blank line, and an opener without its closer is prose.

Every other ``$`` of the prose (currency, ``\\$``, an unbalanced opener) is put back inside an
element MathJax ignores, so the typesetter cannot pair two of them into math.
"""

from __future__ import annotations

import re
from html import escape

__all__ = ["PROSE_DOLLAR", "math_spans", "put_back_math", "take_out_math"]

_TOKEN = re.compile(
    r"\\begin\{([a-zA-Z]+\*?)\}|\\end\{([a-zA-Z]+\*?)\}|\\[()[\]]|\\.|\$\$?|\n[ \t>]*\n",
    re.DOTALL,
)
_CLOSER = {"$$": "$$", "\\(": "\\)", "\\[": "\\]"}
# A fence line (in a list item or quote too) and an inline code span on one line.
_FENCE = re.compile(r"[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!\\)(`+)[^\n]*?[^`\n]\1(?!`)")
# Placeholders: control characters, which the answer no longer holds (strip_controls) and cmark
# copies through as text.
_PLACEHOLDER = re.compile("\x02([0-9]+)\x03")
_ESCAPE_OR_DOLLAR = re.compile(r"\\[\s\S]|\$")
_TAG = re.compile(r"<[^>]*>")
PROSE_DOLLAR = '<span class="mathjax_ignore tex2jax_ignore">$</span>'


def math_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each math span in ``text``, in order (see the module's docstring)."""
    masked = _mask_code(text)
    spans: list[tuple[int, int]] = []
    start = -1  # the open span's start, or -1
    closer = ""
    depth = 0  # nested environments of the same name
    for token in _TOKEN.finditer(masked):
        kind = token.group()
        if start < 0:
            start, closer, depth = _opens(masked, token)
            continue
        if kind.startswith("\n"):
            start = -1  # a blank line: the opener was prose
        elif closer == "$":
            if kind == "$" and _closes_inline(masked, token):
                spans.append((start, token.end()))
                start = -1
            elif kind[0] == "$":  # no "$" inside "$...$": the opener was prose, this may open
                start, closer, depth = _opens(masked, token)
        elif token.group(1) and closer == f"\\end{{{token.group(1)}}}":
            depth += 1
        elif kind == closer:
            if depth:
                depth -= 1
            else:
                spans.append((start, token.end()))
                start = -1
    return spans


def _opens(text: str, token: re.Match[str]) -> tuple[int, str, int]:
    kind = token.group()
    if kind == "$":
        following = text[token.end() : token.end() + 1]
        return (token.start(), "$", 0) if following and not following.isspace() else (-1, "", 0)
    if kind in _CLOSER:
        return token.start(), _CLOSER[kind], 0
    if token.group(1):
        return token.start(), f"\\end{{{token.group(1)}}}", 0
    return -1, "", 0


def _closes_inline(text: str, token: re.Match[str]) -> bool:
    before = text[token.start() - 1]
    return not before.isspace() and not text[token.end() : token.end() + 1].isdigit()


def _mask_code(text: str) -> str:
    """``text`` with the code in it blanked, its length kept: no span starts or ends there."""
    if "`" not in text and "~~~" not in text:
        return text
    lines = text.split("\n")
    fence = ""
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1).startswith(fence) and not line[opening.end() :].strip():
                fence = ""
            lines[index] = " " * len(line)
        elif opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            fence = opening.group(1)
            lines[index] = " " * len(line)
        elif "`" in line:
            lines[index] = _CODE_SPAN.sub(lambda m: " " * len(m.group()), line)
    return "\n".join(lines)


def take_out_math(text: str) -> tuple[str, list[str]]:
    """``text`` with each math span, and each ``$`` or ``\\$`` of the prose, replaced by a
    placeholder that Markdown leaves alone; and what the placeholders stand for (``$`` for a
    prose dollar)."""
    if "$" not in text and "\\" not in text:
        return text, []
    pieces: list[str] = []
    held: list[str] = []
    pos = 0
    for start, end in math_spans(text):
        pieces.append(_hold_dollars(text[pos:start], held))
        pieces.append(f"\x02{len(held)}\x03")
        held.append(text[start:end])
        pos = end
    pieces.append(_hold_dollars(text[pos:], held))
    return "".join(pieces), held


def _hold_dollars(prose: str, held: list[str]) -> str:
    if "$" not in prose:
        return prose
    masked = _mask_code(prose)
    out: list[str] = []
    pos = 0
    for match in _ESCAPE_OR_DOLLAR.finditer(masked):
        if match.group() in ("$", "\\$"):
            out += [prose[pos : match.start()], f"\x02{len(held)}\x03"]
            held.append("$")
            pos = match.end()
    out.append(prose[pos:])
    return "".join(out)


def put_back_math(html: str, held: list[str]) -> str | None:
    """cmark's ``html`` with each placeholder replaced by what it stands for, escaped; None when
    one did not come through (a placeholder in a link's URL is percent-encoded). In text a prose
    dollar goes into an element MathJax ignores; in an attribute (a link's title) it stays "$"."""
    if not held:
        return html
    seen = 0

    def back(match: re.Match[str], *, in_tag: bool = False) -> str:
        nonlocal seen
        seen += 1
        original = held[int(match.group(1))]
        return PROSE_DOLLAR if original == "$" and not in_tag else escape(original, quote=True)

    def tag(match: re.Match[str]) -> str:
        return _PLACEHOLDER.sub(lambda m: back(m, in_tag=True), match.group())

    restored = _PLACEHOLDER.sub(back, _TAG.sub(tag, html))
    return restored if seen == len(held) else None
