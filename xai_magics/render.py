"""The one place model text becomes HTML.

Model output is hostile: a notebook front end puts ``text/html`` (and, in some front ends,
``text/markdown``) of a cell it just ran into the page without sanitising it, so anything we emit
must be safe on its own. Here:

* Markdown (CommonMark with GitHub's tables and strikethrough) is rendered by cmark-gfm, in C, in
  its safe mode: raw HTML is dropped, so ``<script>``, ``<img onerror>``, ``<iframe>``, ``<style>``,
  ``<meta>`` ... never reach the page, and ``<`` in text comes out escaped.
* Link targets are allow-listed: ``http``, ``https``, ``mailto`` and relative URLs. ``javascript:``,
  ``vbscript:``, ``data:``, ``file:`` and anything else leave the link text without a link.
* Images are never loaded (a Markdown image is an exfiltration channel): they become plain links.
* Every link opens with ``rel="noopener noreferrer"``.
* The ``text/markdown`` copy is defanged too (raw HTML, links and images neutralised), for front
  ends that prefer Markdown to HTML.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable, Sequence

import cmarkgfm  # type: ignore[import-untyped]
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

__all__ = ["escape", "render_bundle", "render_markdown", "safe_markdown"]

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def escape(text: str) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(text, quote=True)


def is_safe_url(url: str) -> bool:
    """True for http(s), mailto and relative URLs; everything else is refused."""
    stripped = url.strip()
    match = _SCHEME.match(stripped)
    if match is None:
        # No scheme: relative. A colon before any '/', '?' or '#' would still be read as a scheme
        # by some parsers ("java\tscript:"), so refuse that shape outright.
        head = re.split(r"[/?#]", stripped, maxsplit=1)[0]
        return ":" not in head
    return match.group(1).lower() in SAFE_SCHEMES


# cmark (safe mode) writes raw HTML as a comment and escapes every ``<`` of the text, so each tag
# below is one cmark wrote: links ``<a href="URL"[ title="T"]>``, images ``<img src="URL"
# alt="TEXT"[ title="T"] />``, their attributes escaped. That small, known shape lets this pass be
# exact rather than a general HTML sanitiser.
_LINK_OR_IMAGE = re.compile(
    r'<a href="(?P<href>[^"]*)"(?P<title> title="[^"]*")?>'
    r"|(?P<close></a>)"
    r'|<img src="(?P<src>[^"]*)" alt="(?P<alt>[^"]*)"(?: title="[^"]*")? />'
)
_LINK_ATTRS = ' rel="noopener noreferrer" target="_blank"'
_EXTENSIONS = ("table", "strikethrough")
# Safe mode is the default: raw HTML omitted, javascript:/vbscript:/file:/data: targets blanked.
# Strikethrough needs "~~" (a lone "~" is "about" in prose).
_OPTIONS = Options.CMARK_OPT_DEFAULT | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE


def _allowed_target(attribute: str) -> bool:
    # cmark blanks the URLs it refuses itself; an empty target would only reload the page.
    url = html.unescape(attribute)
    return bool(url.strip()) and is_safe_url(url)


def _restrict_links(cmark_html: str) -> str:
    """Apply the allow-list to cmark's links and turn its images into links."""
    out: list[str] = []
    kept: list[bool] = []  # open links, innermost last: was the tag kept?
    pos = 0
    for match in _LINK_OR_IMAGE.finditer(cmark_html):
        out.append(cmark_html[pos : match.start()])
        pos = match.end()
        href = match.group("href")
        if href is not None:
            keep = _allowed_target(href)
            kept.append(keep)
            if keep:
                out.append(f'<a href="{href}"{_LINK_ATTRS}{match.group("title") or ""}>')
        elif match.group("close") is not None:
            if kept and kept.pop():
                out.append("</a>")
        else:
            # An image would be fetched as soon as the output is shown: a link instead, or just
            # its label inside a link (anchors do not nest).
            label = f"image: {match.group('alt') or 'image'}"
            src = match.group("src")
            if _allowed_target(src) and not any(kept):
                out.append(f'<a href="{src}"{_LINK_ATTRS}>{label}</a>')
            else:
                out.append(label)
    out.append(cmark_html[pos:])
    return "".join(out)


def render_markdown(text: str) -> str:
    """Model Markdown -> HTML that is safe to put straight into a trusted page.

    The last few renders are remembered: an answer is rendered once when its stream ends (often
    ahead of time, see ``MarkdownAhead``) and again whenever its result is displayed.
    """
    html = _RENDERED.get(text)
    if html is None:
        html = _render(text)
        _remember(text, html)
    return html


def _render(text: str) -> str:
    try:
        source = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (JSON allows them) have no UTF-8 form
        source = text.encode("utf-8", "replace")
    cmark_html = cmarkgfm.markdown_to_html_with_extensions(
        _escape_raw_html(source.decode("utf-8")), options=_OPTIONS, extensions=_EXTENSIONS
    )
    return _restrict_links(_CODE.sub(_unescape_code, str(cmark_html)))


# cmark's safe mode drops raw HTML, text and all ("Vec<String>" would show as "Vec"). Shown as
# text instead: every "<" that does not open an autolink gets a backslash, which CommonMark reads
# as a literal "<" everywhere except in code, where the backslash stays; there each such
# backslash is ours (one before every "<"), so it is taken out of the code's HTML again.
_AUTOLINK_OR_ANGLE = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>|<"
)
_CODE = re.compile(r"(<code(?: class=\"[^\"]*\")?>)(.*?)</code>", re.DOTALL)


def _escape_raw_html(text: str) -> str:
    if "<" not in text:
        return text
    return _AUTOLINK_OR_ANGLE.sub(lambda m: m.group() if len(m.group()) > 1 else "\\<", text)


def _unescape_code(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).replace("\\&lt;", "&lt;") + "</code>"


_RENDERED: dict[str, str] = {}
_RENDERED_KEPT = 4
_RENDERED_LOCK = threading.Lock()


def _remember(text: str, html: str) -> None:
    with _RENDERED_LOCK:
        _RENDERED[text] = html
        while len(_RENDERED) > _RENDERED_KEPT:
            del _RENDERED[next(iter(_RENDERED))]


_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_REF_DEFINITION = re.compile(r"^( {0,3}\[[^\]]*\])\s*:", re.MULTILINE)


def safe_markdown(text: str) -> str:
    """Model Markdown with raw HTML, links and images neutralised, code blocks untouched.

    Outside fenced code: ``<`` becomes ``&lt;`` (no tag or autolink can start), ``](`` becomes
    ``]\\(`` and reference definitions lose their colon (no link target is ever parsed), and ``![``
    becomes ``\\![`` (no image is fetched). Front ends that render this copy show links as text.
    """
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        match = _FENCE_OPEN.match(line)
        if fence is None and match:
            fence = match.group(1)
            out.append(line)
            continue
        if fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
            out.append(line)
            continue
        defanged = line.replace("<", "&lt;").replace("](", "]\\(").replace("![", "\\![")
        out.append(_REF_DEFINITION.sub(r"\1\\:", defanged))
    return "".join(out)


def _details(summary: str, body_html: str, *, css_class: str) -> str:
    return f'<details class="{css_class}"><summary>{escape(summary)}</summary>{body_html}</details>'


def render_bundle(
    text: str,
    *,
    reasoning: str = "",
    status_line: str = "",
    receipt_line: str = "",
    fmt: str = "markdown",
) -> dict[str, str]:
    """The final mime bundle of one answer: ``text/html``, ``text/markdown`` and ``text/plain``.

    ``fmt`` is ``markdown`` (rendered), ``text`` (preformatted), ``code`` or ``json`` (code block).
    ``status_line`` (stopped, error) and ``receipt_line`` are our own text but may quote the server,
    so they are escaped like everything else.
    """
    if fmt == "markdown":
        body = render_markdown(text)
        markdown = safe_markdown(text)
    else:
        lang = "json" if fmt == "json" else ""
        body = (
            f'<pre><code class="language-{lang}">{escape(text)}</code></pre>'
            if lang
            else f"<pre>{escape(text)}</pre>"
        )
        fence = "`" * max(3, _longest_backtick_run(text) + 1)
        markdown = f"{fence}{lang}\n{text}\n{fence}"
    parts = ['<div class="xai-answer">']
    if reasoning:
        parts.append(
            _details("Reasoning", f"<pre>{escape(reasoning)}</pre>", css_class="xai-reasoning")
        )
    parts.append(body)
    if status_line:
        parts.append(
            '<div class="xai-status" style="opacity:0.8;font-style:italic">'
            f"{escape(status_line)}</div>"
        )
    if receipt_line:
        parts.append(
            '<div class="xai-receipt" style="opacity:0.7;font-size:0.85em">'
            f"{escape(receipt_line)}</div>"
        )
    parts.append("</div>")
    plain = text
    md_tail = ""
    for line in (status_line, receipt_line):
        if line:
            plain += f"\n\n[{line}]"
            md_tail += f"\n\n*{_markdown_text(line)}*"
    return {
        "text/html": "".join(parts),
        "text/markdown": markdown + md_tail,
        "text/plain": plain,
    }


def _markdown_text(line: str) -> str:
    # Our own status/receipt lines: escape every Markdown punctuation character.
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~&])", r"\\\1", line)


def _longest_backtick_run(text: str) -> int:
    runs = re.findall(r"`+", text)
    return max((len(r) for r in runs), default=0)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An HTML table with every cell escaped (model names and prompts are not ours)."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The same table as aligned plain text, for terminals and saved notebooks' text/plain."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_columns(columns: Sequence[tuple[str, str]]) -> str:
    """Answers side by side: ``(title, html)`` pairs, the html being ``render_bundle`` output."""
    cells = "".join(
        f'<div class="xai-compare-cell"><div style="font-weight:bold">{escape(title)}</div>'
        f"{body}</div>"
        for title, body in columns
    )
    return (
        '<div class="xai-compare" style="display:grid;gap:1em;'
        f'grid-template-columns:repeat({len(columns)},minmax(0,1fr))">{cells}</div>'
    )


# -- rendering ahead of the end of a stream -------------------------------------------------------

_COL0_FENCE = re.compile(r"(`{3,})[^`]*|(~{3,}).*")
_CLOSING_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_LIST_OR_INDENT = frozenset(" \t-*+0123456789")


class _BlockCuts:
    """Finds where streamed Markdown can be cut so that the parts render as the whole would.

    A cut goes after a blank line, before a line that cannot continue anything above it: outside
    any fenced code, not indented (or, when no list is open, indented by at most three spaces),
    and not a list item. Anything this scanner cannot follow exactly (indented fences, fences
    inside other blocks, carriage returns) stops cutting for the rest of the text. Link reference
    definitions can reach across cuts, so ``MarkdownAhead`` checks for them at the end.
    """

    def __init__(self) -> None:
        self.cut = 0
        self._pos = 0
        self._fence: str | None = None
        self._previous_blank = False
        self._list_since_cut = False
        self._stopped = False

    def advance(self, text: str) -> int:
        """Scan the complete lines not seen yet; returns the furthest safe cut."""
        while not self._stopped:
            end = text.find("\n", self._pos)
            if end < 0:
                # A line's first characters are enough to know whether a cut may go before it.
                if self._may_cut_before(text[self._pos : self._pos + 4]):
                    self.cut = self._pos
                    self._list_since_cut = False
                break
            line = text[self._pos : end]
            if self._may_cut_before(line):
                self.cut = self._pos
                self._list_since_cut = False
            self._follow(line)
            self._pos = end + 1
        return self.cut

    def _may_cut_before(self, line: str) -> bool:
        if not self._previous_blank or self._fence is not None or not line.strip(" \t"):
            return False
        first = line.lstrip(" ")
        indent = len(line) - len(first)
        if first[0] in _LIST_OR_INDENT:
            return False
        return indent == 0 or (indent <= 3 and not self._list_since_cut)

    def _follow(self, line: str) -> None:
        if "\r" in line:
            self._stopped = True
            return
        self._previous_blank = not line.strip(" \t")
        if "```" in line or "~~~" in line:
            self._follow_fence(line)
        elif self._fence is None and _LIST_ITEM.match(line):
            self._list_since_cut = True

    def _follow_fence(self, line: str) -> None:
        if self._fence is not None:
            closing = _CLOSING_FENCE.fullmatch(line)
            if closing and closing.group(1).startswith(self._fence):
                self._fence = None
            elif line.lstrip(" ") != line and _CLOSING_FENCE.fullmatch(line.lstrip(" ")):
                self._stopped = True  # an indented closing fence: beyond this scanner
            return
        opening = _COL0_FENCE.fullmatch(line)
        if opening is None:
            self._stopped = True  # a fence inside a list, a quote, or indented
        else:
            self._fence = opening.group(1) or opening.group(2)


class MarkdownAhead:
    """Renders the finished blocks of an answer while the rest of it is still streaming in.

    The thread reading a stream mostly waits for the next bytes (even from a fast local server,
    it waits about half the time); rendering finished blocks as they come (``catch_up``) uses
    those waits and leaves only the last blocks to render when the stream ends. The HTML is
    exactly that of ``render_markdown`` on the whole text (the tests compare them); when a cut
    cannot be shown harmless (link reference definitions), the whole text is rendered at the
    end. No helper thread: it would only take the interpreter lock from the reading thread.
    """

    def __init__(
        self,
        *,
        batch_chars: int = 2000,
        interval_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pieces: list[str] = []
        #: the per-delta hot path: one list append
        self.add = self._pieces.append
        self._batch_chars = batch_chars
        self._interval_s = interval_s
        self._clock = clock
        self._last = clock()
        self._cuts = _BlockCuts()
        self._rendered = 0
        self._html: list[str] = []
        self._text = ""
        self._seen = 0

    def catch_up(self) -> None:
        """Render the blocks finished so far, once there are enough or a while has passed."""
        count = len(self._pieces)
        if count == self._seen:
            return
        self._text += "".join(self._pieces[self._seen : count])
        self._seen = count
        cut = self._cuts.advance(self._text)
        if cut == self._rendered:
            return
        now = self._clock()
        if cut - self._rendered < self._batch_chars and now - self._last < self._interval_s:
            return
        self._last = now
        self._html.append(_render(self._text[self._rendered : cut]))
        self._rendered = cut

    def html(self, text: str) -> str:
        """The HTML of ``text`` (the whole answer), remembered for ``render_markdown``."""
        done = self._rendered
        if done == 0 or "]:" in text or self._text[:done] != text[:done]:
            html = _render(text)
        else:
            html = "".join(self._html) + (_render(text[done:]) if done < len(text) else "")
        _remember(text, html)
        return html
