"""What a browser would build from rendered model text, and the check that it is inert."""

from __future__ import annotations

from html.parser import HTMLParser

from xai_magics.render import is_safe_url

# Tags a rendered answer may contain: the output of CommonMark + tables + our wrappers.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "s", "strong", "summary", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
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
            name == "style" and (own_styles or value.startswith("opacity"))
        ), (name, value)
        if name == "href":
            assert is_safe_url(value), value
