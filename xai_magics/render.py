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
  ends that prefer Markdown to HTML, with its math kept typesettable
  (:mod:`xai_magics.rendering.markdown_copy`).
* Front ends typeset TeX in both (MathJax, KaTeX): TeX links pass the same allow-list or lose
  their target, and TeX that sets attributes or loads extensions loses them
  (:mod:`xai_magics.rendering.tex`).
* Control and invisible format characters are taken out of the answer first
  (:mod:`xai_magics.rendering.controls`): they split URL schemes and hide text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import cmarkgfm
from cmarkgfm.cmark import Options

from xai_magics.rendering.code_blocks import lay_out_code_and_tables
from xai_magics.rendering.controls import strip_controls
from xai_magics.rendering.markdown_copy import defang_markdown, fence_for, safe_markdown
from xai_magics.rendering.math_spans import PROSE_DOLLAR, put_back_math, take_out_math
from xai_magics.rendering.tex import has_tex_command, neutralise_tex
from xai_magics.rendering.tool_report import render_sources, render_tools
from xai_magics.rendering.urls import SAFE_SCHEMES, is_safe_url

__all__ = [
    "SAFE_SCHEMES",
    "escape",
    "is_safe_url",
    "render_bundle",
    "render_markdown",
    "safe_markdown",
    "strip_controls",
]


def escape(text: str) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(text, quote=True)


# cmark (safe mode) writes raw HTML as a comment and escapes every ``<`` of the text, so each tag
# below is one cmark wrote: links ``<a href="URL"[ title="T"]>``, images ``<img src="URL"
# alt="TEXT"[ title="T"] />``, their attributes escaped. That small, known shape lets this pass be
# exact rather than a general HTML sanitiser.
_LINK_OR_IMAGE = re.compile(
    r'<(?:a href="(?P<href>[^"]*)"(?P<title> title="[^"]*")?>'
    r"|(?P<close>/a>)"
    r'|img src="(?P<src>[^"]*)" alt="(?P<alt>[^"]*)"(?: title="[^"]*")? />)'
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
    if "<a href=" not in cmark_html and "<img src=" not in cmark_html:
        return cmark_html
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
            # (Its dollars are kept from MathJax, as in the prose: "$5 and $10" is no math.)
            label = f"image: {match.group('alt') or 'image'}".replace("$", PROSE_DOLLAR)
            src = match.group("src")
            if _allowed_target(src) and not any(kept):
                out.append(f'<a href="{src}"{_LINK_ATTRS}>{label}</a>')
            else:
                out.append(label)
    out.append(cmark_html[pos:])
    return "".join(out)


def render_markdown(text: str) -> str:
    """Model Markdown -> HTML that is safe to put straight into a trusted page."""
    return _render_clean_markdown(strip_controls(text))


def _render_clean_markdown(text: str) -> str:
    try:
        source = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (JSON allows them) have no UTF-8 form
        source = text.encode("utf-8", "replace")
    text = source.decode("utf-8")
    protected, math = take_out_math(text)
    cmark_html = _CODE.sub(_unescape_code, _cmark(protected))
    restored = put_back_math(cmark_html, math)
    if restored is None:  # math in a link's URL: rendered as before, without the protection
        restored = _CODE.sub(_unescape_code, _cmark(text))
    return _neutralise_tex_in_html(_restrict_links(lay_out_code_and_tables(restored)))


def _cmark(text: str) -> str:
    return str(
        cmarkgfm.markdown_to_html_with_extensions(
            _escape_raw_html(text), options=_OPTIONS, extensions=_EXTENSIONS
        )
    )


# What MathJax reads: the text between tags, outside <code> and <pre> (cmark puts a <code> in
# every <pre>), character references decoded. Comments would join the text on either side; cmark
# only writes one for raw HTML, which never reaches it, but they are taken out all the same.
_CODE_OR_TAG = re.compile(r"<code[^>]*>.*?</code>|<[^>]*>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _neutralise_tex_in_html(cmark_html: str) -> str:
    # Judged piece by piece, never on the whole: a <br /> inside "java<br />script:" hides the
    # scheme from a reading of the markup, while MathJax reads the two pieces as one, joined by
    # a line break the browser drops from the URL. Split apart, the command has no argument.
    if not has_tex_command(cmark_html):
        return cmark_html  # no TeX command anywhere: one search
    if "<!--" in cmark_html:
        cmark_html = _COMMENT.sub("", cmark_html)
    out: list[str] = []
    pos = 0
    for match in _CODE_OR_TAG.finditer(cmark_html):
        out += [_neutralise_tex_in_text(cmark_html[pos : match.start()]), match.group()]
        pos = match.end()
    out.append(_neutralise_tex_in_text(cmark_html[pos:]))
    return "".join(out)


def _neutralise_tex_in_text(escaped: str) -> str:
    text = html.unescape(escaped)
    safe = neutralise_tex(text)
    return escaped if safe == text else html.escape(safe, quote=False)


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


def _details(summary: str, body_html: str, *, css_class: str) -> str:
    return f'<details class="{css_class}"><summary>{escape(summary)}</summary>{body_html}</details>'


# Our own lines are not math ("$0.0012 ... $0.0030" would be typeset): MathJax 3 and 2 skip these.
_NO_TEX = "mathjax_ignore tex2jax_ignore"
# for our other HTML that shows model output (the batch widget's first rows)
NO_TEX_CLASSES = _NO_TEX


def render_bundle(
    text: str,
    *,
    reasoning: str = "",
    status_line: str = "",
    receipt_line: str = "",
    fmt: str = "markdown",
    server_tools: Sequence[Any] = (),
    tool_results: Sequence[Any] = (),
    sources: Sequence[Any] = (),
) -> dict[str, str]:
    """The final mime bundle of one answer: ``text/html``, ``text/markdown`` and ``text/plain``.

    ``fmt`` is ``markdown`` (rendered), ``text`` (preformatted), ``code`` or ``json`` (code block).
    ``status_line`` (stopped, error) and ``receipt_line`` are our own text but may quote the server,
    so they are escaped like everything else.
    """
    # Control characters go from every copy (text/plain reaches terminals); the status and
    # receipt lines may quote the server, and front ends typeset TeX wherever it stands.
    text, reasoning = strip_controls(text), strip_controls(reasoning)
    status_line = neutralise_tex(strip_controls(status_line))
    receipt_line = neutralise_tex(strip_controls(receipt_line))
    if fmt == "markdown":
        body = _render_clean_markdown(text)
        markdown = defang_markdown(text)
    else:
        lang = "json" if fmt == "json" else ""
        body = (
            lay_out_code_and_tables(
                f'<pre><code class="language-{lang}">{escape(text)}</code></pre>'
            )
            if lang
            else f"<pre>{escape(text)}</pre>"
        )
        fence = fence_for(text)
        markdown = f"{fence}{lang}\n{text}\n{fence}"
    parts = ['<div class="xai-answer">']
    if reasoning:
        parts.append(
            _details("Reasoning", f"<pre>{escape(reasoning)}</pre>", css_class="xai-reasoning")
        )
    tools_html, tools_plain = render_tools(server_tools, tool_results)
    if tools_html:
        parts.append(tools_html)
    parts.append(body)
    sources_html, sources_md, sources_plain = render_sources(sources)
    if sources_html:
        parts.append(sources_html)
        markdown += "\n\n" + sources_md
    if status_line:
        parts.append(
            f'<div class="xai-status {_NO_TEX}" style="opacity:0.8;font-style:italic">'
            f"{escape(status_line)}</div>"
        )
    if receipt_line:
        parts.append(
            f'<div class="xai-receipt {_NO_TEX}" style="opacity:0.7;font-size:0.85em">'
            f"{escape(receipt_line)}</div>"
        )
    parts.append("</div>")
    plain = text + (f"\n\n{sources_plain}" if sources_plain else "")
    if tools_plain:
        plain = f"[{tools_plain.splitlines()[0]}]\n\n{plain}"
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
    """Answers side by side: ``(title, html)`` pairs, the html being ``render_bundle`` output.

    Columns are at least 20em wide, so in a narrow notebook they wrap onto rows instead of
    squeezing code blocks to a few characters; colours are inherited from the theme.
    """
    cells = "".join(
        '<div class="xai-compare-cell" style="min-width:0">'
        '<div style="font-weight:bold;border-bottom:1px solid;padding-bottom:2px;'
        f'margin-bottom:0.5em">{escape(title)}</div>{body}</div>'
        for title, body in columns
    )
    return (
        '<div class="xai-compare" style="display:grid;gap:1em 1.5em;'
        'grid-template-columns:repeat(auto-fit,minmax(min(100%,20em),1fr))">'
        f"{cells}</div>"
    )
