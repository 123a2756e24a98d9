"""TeX that could make a link, or act, taken out of model text before a typesetter sees it.

JupyterLab typesets ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and environments in the
HTML and Markdown it shows (MathJax 3, every TeX package loaded, the safe extension on), and so
do nbconvert's HTML export and other viewers of a saved notebook (some without any filter).
MathJax's filter reads "java<TAB>script:" as a relative URL, the browser as ``javascript:``.
So, wherever it stands (in math or not: what counts as math differs between front ends):

* ``\\href{URL}`` and ``\\url{URL}`` (MathJax, KaTeX) keep their link only when the URL passes
  :func:`~xai_magics.rendering.urls.is_safe_tex_url`; otherwise the command and its URL go and
  a ``\\href``'s text stays (a ``\\url`` leaves an empty group).
* ``\\mmlToken{type}[attributes]`` (MathJax: attributes include ``href``) loses its type and
  attributes; ``\\includegraphics[...]{URL}`` (KaTeX: an image is fetched) goes whole.
* ``\\class``, ``\\cssId``, ``\\style``, ``\\data`` (MathJax) and ``\\htmlClass``,
  ``\\htmlId``, ``\\htmlStyle``, ``\\htmlData`` (KaTeX) lose their attribute and keep their
  math: a style can fetch (``cursor:url(...)``) or cover the page, a class or id can borrow the
  page's own. ``\\require`` (loads MathJax extensions) goes with its argument. ``\\bbox`` loses
  an option that mentions ``url``.
* A command not followed by the braced argument it needs goes alone: it may be the tail of a
  macro (``\\let\\h\\href``, ``\\def\\h#1{\\href#1}``) whose argument comes from elsewhere.

Commands are found by name after any backslash (``\\\\href`` too: a Markdown front end turns it
into ``\\href``) and arguments are read as MathJax reads them (spaces and, for KaTeX, comments
before an argument; ``\\`` escapes inside one), so the pass removes at least what any reader
could see as a link. Unchanged text is returned as is, after one search when there is no
command at all.
"""

from __future__ import annotations

import re

from xai_magics.rendering.urls import is_safe_tex_url, readings

__all__ = ["has_tex_command", "neutralise_tex"]

_LINKS = frozenset({"href", "url"})
_COMMAND = re.compile(
    r"\\(href|url|mmlToken|includegraphics|bbox|class|cssId|style|data"
    r"|htmlClass|htmlId|htmlStyle|htmlData|require)(?![A-Za-z])"
)
# Between a command and its argument: whitespace (JavaScript's \s includes the BOM) and comments
# (KaTeX's lexer skips them). A comment longer than any real one ends the gap, so the command
# goes alone: a long line of "\href%" costs one pass, not one per command.
_GAP = re.compile(r"(?:[\s\ufeff]|%[^\n]{0,200}(?:\n|$))*")
_GROUP_TOKEN = re.compile(r"\\.|[{}]", re.DOTALL)
_OPTION = re.compile(r"\[[^\]\\{}]{0,500}\]")


def has_tex_command(text: str) -> bool:
    """Whether ``text`` names any command this module rewrites (whatever its arguments)."""
    return "\\" in text and _COMMAND.search(text) is not None


def neutralise_tex(text: str) -> str:
    """``text`` with every TeX command above made inert (see the module's docstring)."""
    match = _COMMAND.search(text) if "\\" in text else None
    if match is None:
        return text
    out: list[str] = []
    pos = 0
    groups = _group_ends(text)
    while match is not None:
        out.append(text[pos : match.start()])
        pos = _rewrite(text, match, groups, out)
        match = _COMMAND.search(text, pos)
    out.append(text[pos:])
    return "".join(out)


def _rewrite(text: str, match: re.Match[str], groups: dict[int, int], out: list[str]) -> int:
    """Append what stays of the command at ``match``; return where scanning goes on."""
    name = match.group(1)
    start = _past_gap(text, match.end())
    if name == "bbox":
        if not text.startswith("[", start):
            out.append(match.group())
            return match.end()
        end = _option_end(text, start)
        if end is None:
            return match.end()
        keep = not any("url" in reading.lower() for reading in readings(text[start:end]))
        out.append(text[match.start() : end] if keep else match.group())
        return end
    if name == "includegraphics" and text.startswith("[", start):
        option_end = _option_end(text, start)
        if option_end is None:
            return match.end()
        start = _past_gap(text, option_end)
    if not text.startswith("{", start):
        return match.end()
    end = groups.get(start)
    if end is None:
        return match.end()
    if name in _LINKS and is_safe_tex_url(text[start + 1 : end - 1]):
        # Kept; scanning goes on inside the URL, where a reader that splits the argument
        # differently ("\}" is "}" to Markdown) could find a second command.
        out.append(text[match.start() : start + 1])
        return start + 1
    if name == "mmlToken":
        attributes = _past_gap(text, end)
        if text.startswith("[", attributes):
            return _option_end(text, attributes) or end
    if name in ("url", "includegraphics"):
        out.append("{}")  # an empty group: "$\\url{...}$" must not become "$$"
    return end


def _past_gap(text: str, pos: int) -> int:
    gap = _GAP.match(text, pos)
    return gap.end() if gap else pos


def _group_ends(text: str) -> dict[int, int]:
    """For each ``{`` that opens a group: just past its ``}``. One pass, so that a long run of
    unclosed groups costs no more than a closed one. (A ``{`` right after a command and its gap
    is never escaped, so the pass over the whole text reads it as the parser would.)"""
    ends: dict[int, int] = {}
    opened: list[int] = []
    for token in _GROUP_TOKEN.finditer(text):
        if token.group() == "{":
            opened.append(token.start())
        elif token.group() == "}" and opened:
            ends[opened.pop()] = token.end()
    return ends


def _option_end(text: str, start: int) -> int | None:
    """Just past the ``]`` closing the option at ``start``; None for one with braces or
    backslashes, or longer than any real option (the command then goes alone)."""
    option = _OPTION.match(text, start)
    return option.end() if option else None
