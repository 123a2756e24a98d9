"""What a browser would build from rendered model text, and the check that it is inert."""

from __future__ import annotations

import re
from html import unescape as html_unescape
from html.parser import HTMLParser

from xai_magics.render import is_safe_url
from xai_magics.rendering.code_blocks import CODE_STYLE, PRE_STYLE, TABLE_WRAPPER_STYLE

# Tags a rendered answer may contain: the output of CommonMark + tables + our wrappers.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "s", "span", "strong", "summary", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip


class LiveMarkup(HTMLParser):
    """Collects every tag and attribute a browser would build from an HTML string."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)


def live_markup(html: str) -> LiveMarkup:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser


# The styles of code blocks, their highlighting and table wrappers: ours, whatever the answer.
_LAYOUT_STYLE = re.compile(
    "|".join(
        [
            re.escape(PRE_STYLE),
            re.escape(CODE_STYLE),
            re.escape(TABLE_WRAPPER_STYLE),
            r"color:(#[0-9a-f]{6});color:var\(--jp-mirror-editor-[a-z]+-color,\1\)"
            r"(;font-style:italic)?",
        ]
    )
)


def assert_inert(html: str, *, own_styles: bool = False) -> None:
    """No tag a browser would run or fetch, no handler, no unsafe link.

    ``own_styles`` admits ``style`` attributes: the layout of tables and receipts we write
    ourselves around escaped text. Rendered model text never carries one.
    """
    found = live_markup(html)
    assert set(found.tags) <= ALLOWED_TAGS, found.tags
    for name, value in found.attrs:
        assert not name.startswith("on"), (name, value)
        assert name not in {"src", "srcdoc", "action", "formaction", "style"} or (
            name == "style"
            and (own_styles or value.startswith("opacity") or _LAYOUT_STYLE.fullmatch(value))
        ), (name, value)
        if name == "href":
            assert is_safe_url(value), value


class _Text(HTMLParser):
    """The text a browser shows, outside <code> and <pre> (where MathJax never looks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._code += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self._code -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.parts.append(data)


def typeset_text(html: str) -> str:
    """What MathJax reads in ``html``: its text outside code, joined across every tag (more
    than MathJax joins, so a check on it is never weaker)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


# A TeX link as MathJax and KaTeX read one: the command, spaces, a braced URL (one level of
# nested braces, "\x" escapes), and MathJax's \mmlToken, whose attributes may hold an href.
_TEX_LINK = re.compile(
    r"\\(?:href|url)[\s\ufeff]*\{((?:[^{}\\]|\\.|\{(?:[^{}\\]|\\.)*\})*)\}", re.S
)
_INVISIBLE = re.compile(
    "[\\s\\\\\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_TEX_COMMENT = re.compile(r"%[^\n]*\n")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def unsafe_tex_links(text: str, *, dom: bool = False) -> list[str]:
    """URLs of TeX links in ``text`` whose scheme, as any reader may see it, is not http(s) or
    mailto; and every ``\\mmlToken`` (it can carry an href). Readers: as written, with
    character references decoded, with Markdown's backslash escapes and with TeX comments
    taken out; in a URL, whitespace, controls, invisible characters and backslashes dropped.
    ``dom``: the text is already what a browser shows (no Markdown, no references to decode)."""
    readings = {text, _TEX_COMMENT.sub("", text)}
    if not dom:
        readings |= {html_unescape(text), _MARKDOWN_ESCAPE.sub(r"\1", text)}
    found = [m.group() for reading in readings for m in re.finditer(r"\\mmlToken", reading)]
    for reading in readings:
        for match in _TEX_LINK.finditer(reading):
            url = match.group(1)
            for url_reading in (url, html_unescape(url)):
                scheme = _SCHEME.match(_INVISIBLE.sub("", url_reading))
                if scheme and scheme.group(1).lower() not in {"http", "https", "mailto"}:
                    found.append(url)
    return found


# TeX links that MathJax's own filter lets through (or that viewers without a filter would
# follow), in every shape that could reach a typesetter: the scheme split by a character a
# browser drops, encoded, shouted, other commands, other schemes, odd argument shapes.
JS = "window.__xaiPwned=1"
TEX_LINKS = {
    "tab": f"$\\href{{java\tscript:{JS}}}{{x}}$",
    "newline": f"$\\href{{java\nscript:{JS}}}{{x}}$",
    "carriage-return": f"$\\href{{java\rscript:{JS}}}{{x}}$",
    "c0-first": f"$\\href{{\x01javascript:{JS}}}{{x}}$",
    "del": f"$\\href{{java\x7fscript:{JS}}}{{x}}$",
    "c1": f"$\\href{{\x85javascript:{JS}}}{{x}}$",
    "zero-width": f"$\\href{{java\u200bscript:{JS}}}{{x}}$",
    "bom": f"$\\href{{\ufeffjavascript:{JS}}}{{x}}$",
    "entity-tab": f"$\\href{{java&#x09;script:{JS}}}{{x}}$",
    "entity-letter": f"$\\href{{&#106;avascript:{JS}}}{{x}}$",
    "entity-colon": f"$\\href{{javascript&colon;{JS}}}{{x}}$",
    "entity-backslash": f"&#92;(&#92;href{{javascript:{JS}}}{{x}}&#92;)",
    "upper-case": f"$\\href{{JAVASCRIPT:{JS}}}{{x}}$",
    "url": f"$\\url{{javascript:{JS}}}$",
    "url-tab": f"$\\url{{java\tscript:{JS}}}$",
    "file": "$\\href{file:///etc/passwd}{x}$",
    "data": "$\\href{data:text/html,<script>alert(1)</script>}{x}$",
    "vbscript": "$\\href{vbscript:msgbox(1)}{x}$",
    "nested-braces": f"$\\href{{javascript:{{{JS}}}}}{{x}}$",
    "spaces-before-brace": f"$\\href   {{java\tscript:{JS}}}  {{x}}$",
    "split-across-lines": f"$$\n\\href\n{{java\nscript:{JS}}}\n{{x}}\n$$",
    "hard-line-break": f"$\\href{{java  \nscript:{JS}}}{{x}}$",
    "backslash-line-break": f"$\\href{{java\\\nscript:{JS}}}{{x}}$",
    "display-brackets": f"\\\\[\\href{{java\tscript:{JS}}}{{x}}\\\\]",
    "environment": f"\\begin{{align}}\\href{{java\tscript:{JS}}}{{x}}\\end{{align}}",
    "markdown-escaped-backslash": f"$\\\\href{{java\tscript:{JS}}}{{x}}$",
    "markdown-escaped-braces": f"$\\href\\{{javascript:{JS}\\}}{{x}}$",
    "escaped-colon": f"$\\href{{javascript\\:{JS}}}{{x}}$",
    "comment-before-brace": f"$\\href%\n{{javascript:{JS}}}{{x}}$",
    "in-a-link-text": f"[$\\href{{java\tscript:{JS}}}{{x}}$](https://example.com)",
    "in-a-table": f"| a |\n|---|\n| $\\href{{java\tscript:{JS}}}{{x}}$ |",
    "second-link-in-url": f"$\\href{{https://a\\}}\\href{{javascript:{JS}}}{{y}}}}{{z}}$",
    "mmltoken-href": f'$\\mmlToken{{mi}}[href="java\tscript:{JS}"]{{x}}$',
}
# Links whose target comes from elsewhere: a macro's argument, or a command renamed.
TEX_MACROS = {
    "macro-argument": f"$\\def\\h#1{{\\href{{#1}}{{x}}}}\\h{{javascript:{JS}}}$",
    "newcommand": f"$\\newcommand{{\\h}}[1]{{\\href{{#1}}{{x}}}}\\h{{javascript:{JS}}}$",
    "let": f"$\\let\\h\\href \\h{{javascript:{JS}}}{{x}}$",
    "def-bare": f"$\\def\\h{{\\href}}\\h{{javascript:{JS}}}{{x}}$",
}
