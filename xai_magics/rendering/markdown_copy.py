"""The ``text/markdown`` copy of an answer: Markdown a front end can render without harm.

A Markdown front end renders this copy itself (some with raw HTML and any link allowed) and
JupyterLab's typesets the math in it. Raw HTML, links and images are neutralised here, and math
is kept typesettable: JupyterLab takes ``$...$`` (and ``$$``, ``\\\\(``, ``\\\\[``,
``\\begin{env}``) out of the text before the Markdown parser runs and puts it back as written,
so inside math ``&lt;`` would reach MathJax as ``&lt;`` (an error) instead of ``<``.
"""

from __future__ import annotations

import html
import re

from xai_magics.rendering.controls import strip_controls
from xai_magics.rendering.tex import neutralise_tex

__all__ = ["defang_markdown", "fence_for", "safe_markdown"]

# A line that opens a fenced code block (CommonMark: no backtick in a backtick fence's info).
_FENCE_OPEN = re.compile(r" {0,3}(?:(`{3,})([^`]*)|(~{3,})(.*))")
_NOT_LANGUAGE = re.compile(r"[^\w+#.\-].*", re.DOTALL)
# A character reference as CommonMark reads one.
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# Math as JupyterLab's Markdown renderer finds it (its removeMath, ported): the delimiters,
# escapes, braces and line breaks it splits the text at, and the code spans whose "$" it hides.
# (Its "(?:\n\s*)+" is "\n\s*", and its case-blindness is dropped: every branch then starts with
# a literal character, which the engine scans for in C.)
_MATH_TOKEN = re.compile(r"\$\$?|\\(?:begin|end)\{[a-zA-Z]*\*?\}|\\[{}$]|[{}]|\n\s*|\\\\[()[\]]")
_NEEDS_DEFANG = re.compile(r"<|\]\(|\]:|!\[")
_CODE_SPAN = re.compile(r"(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)", re.MULTILINE)
_CLOSER = {"$": "$", "$$": "$$", "\\\\(": "\\\\)", "\\\\[": "\\\\]"}
# Inside math: a "<" that could open a tag gets a space (TeX ignores it in math), and link,
# definition and image syntax an empty group "{}" (invisible in TeX), instead of the escapes
# used elsewhere ("\(" and "\:" are TeX commands).
_TAG_START_IN_MATH = re.compile(r"<(?=[A-Za-z/!?])")


def safe_markdown(text: str) -> str:
    """:func:`defang_markdown` of ``text`` without its control and invisible characters."""
    return defang_markdown(strip_controls(text))


def defang_markdown(text: str) -> str:
    """Model Markdown with raw HTML, links, images and TeX links neutralised, code kept.

    Outside fenced code and math: ``<`` becomes ``&lt;`` (no tag or autolink can start), ``](``
    becomes ``]\\(`` and ``]:`` becomes ``]\\:`` (no link target or reference definition is ever
    parsed), and ``![`` becomes ``\\![`` (no image is fetched); in math the same shapes are
    broken in ways TeX does not show. Front ends that render this copy show links as text.
    TeX links are neutralised everywhere (math that JupyterLab finds can swallow a fence), and
    character references are made literal where decoding them would make a TeX command. Fenced
    code is written out again at the left margin with a fence no line inside it can close:
    however a front end's parser reads the original fences (parsers differ on containers, info
    strings and closing lines), the code's text cannot get out of its block.
    """
    text = neutralise_tex(text.replace("\r\n", "\n").replace("\r", "\n"))
    if "```" not in text and "~~~" not in text:
        return _defang_prose(text)  # no pattern spans a fence: one pass over the whole text
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.fullmatch(lines[index])
        index += 1
        if opening is None:
            prose.append(lines[index - 1])
            continue
        if prose:
            out.append(_defang_prose("\n".join(prose)))
            prose = []
        fence = opening.group(1) or opening.group(3)
        body: list[str] = []
        while index < len(lines) and not _closes(lines[index], fence):
            body.append(lines[index])
            index += 1
        index += 1  # the closing line, if any
        info = opening.group(2) if opening.group(1) else opening.group(4)
        ours = fence_for("\n".join(body))
        out += [ours + _NOT_LANGUAGE.sub("", info.strip()), *body, ours]
    if prose:
        out.append(_defang_prose("\n".join(prose)))
    return "\n".join(out)


def _defang_prose(text: str) -> str:
    """Text outside fenced code: math kept typesettable, everything else defanged."""
    if "&" in text:
        decoded = html.unescape(text)
        if decoded != text and neutralise_tex(decoded) != decoded:
            text = _ENTITY.sub("&amp;", text)  # "&#92;href{...}" would be a command once decoded
    if ("$" not in text and "\\" not in text) or not _NEEDS_DEFANG.search(text):
        return _defang(text)  # no math, or nothing that math and prose would change differently
    pieces: list[str] = []  # prose and math, in turn
    pos = 0
    for start, end in _math_spans(text):
        pieces += [text[pos:start], text[start:end]]
        pos = end
    pieces.append(text[pos:])
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(_defang_math(piece))
            continue
        prose = _defang(piece)
        if index and pieces[index - 1].endswith("]") and prose[:1] in ("(", ":"):
            prose = "\\" + prose  # "\\[a\\]" then "(x)" would be a link's "](" again
        out.append(prose)
    return "".join(out)


def _math_spans(text: str) -> list[tuple[int, int]]:
    """Where JupyterLab's removeMath finds math in ``text``: a delimiter, then its closer at
    brace depth 0 (an environment's ``\\end`` too), never across a blank line."""
    if "`" in text:  # "$" in code spans is hidden, the text's length kept
        text = _CODE_SPAN.sub(lambda m: m.group().replace("$", "\x00"), text)
    spans: list[tuple[int, int]] = []
    opened: re.Match[str] | None = None
    closer = ""
    braces = 0
    last: re.Match[str] | None = None  # a closer seen inside braces: the fallback end
    for token in _MATH_TOKEN.finditer(text):
        block = token.group()
        if opened is None:
            if block in _CLOSER:
                opened, closer, braces, last = token, _CLOSER[block], 0, None
            elif block[1:6] == "begin":
                opened, closer, braces, last = token, "\\end" + block[6:], 0, None
        elif block == closer:
            if braces:
                last = token
            else:
                spans.append((opened.start(), token.end()))
                opened = None
        elif block.count("\n") >= 2:  # a blank line ends a paragraph, and its math
            if last is not None:
                spans.append((opened.start(), last.end()))
            opened = None
        elif block == "{":
            braces += 1
        elif block == "}" and braces:
            braces -= 1
    if opened is not None and last is not None:
        spans.append((opened.start(), last.end()))
    return spans


def _defang(markdown: str) -> str:
    return (
        markdown.replace("<", "&lt;")
        .replace("](", "]\\(")
        .replace("]:", "]\\:")
        .replace("![", "\\![")
    )


def _defang_math(math: str) -> str:
    return (
        _TAG_START_IN_MATH.sub("< ", math)
        .replace("](", "]{}(")
        .replace("]:", "]{}:")
        .replace("![", "!{}[")
    )


def _closes(line: str, fence: str) -> bool:
    """CommonMark's closing fence: up to 3 spaces, the fence's character, at least as many."""
    stripped = line.lstrip(" ").rstrip(" \t")
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped) >= len(fence)
        and stripped.lstrip(fence[0]) == ""
    )


def fence_for(code: str) -> str:
    """A backtick fence longer than any backtick run in ``code``."""
    runs = re.findall(r"`+", code)
    return "`" * max(3, max((len(r) for r in runs), default=0) + 1)
