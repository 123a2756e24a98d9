"""What the magic tests check in a kernel's output: the key that must never show, inert HTML,
and the requests the emulator saw."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

CANARY_KEY = "xai-canary-0123456789abcdefghijklmnopqrstuv"

SAFE_TAGS = {
    "a", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "s", "strong", "summary", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)


def assert_inert_html(html: str) -> None:
    """No tag a browser would run or fetch, no event handler, no unsafe link."""
    from xai_magics.render import is_safe_url

    markup = _Markup()
    markup.feed(html)
    markup.close()
    assert set(markup.tags) <= SAFE_TAGS, markup.tags
    for name, value in markup.attrs:
        assert not name.startswith("on"), (name, value)
        assert name not in {"src", "srcdoc", "action", "formaction"}, (name, value)
        if name == "href":
            assert is_safe_url(value), value


def requests_to(emu: Emulator, suffix: str) -> list[dict[str, Any]]:
    """Logged requests whose path ends with ``suffix`` (inference calls, not admin)."""
    return [r for r in emu.control.log() if r["path"].endswith(suffix)]
