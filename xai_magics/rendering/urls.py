"""Which link targets model output may keep: the one allow-list for Markdown and TeX links."""

from __future__ import annotations

import html
import re

__all__ = ["SAFE_SCHEMES", "is_safe_tex_url", "is_safe_url", "readings"]

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What a browser ignores inside a URL (tab, newline, leading controls and spaces), what other
# readers may ignore (any control, whitespace or invisible format character), and backslashes,
# which TeX and Markdown take out as escapes ("javascript\:" is read as "javascript:").
_URL_NOISE = re.compile(
    "[\\s\\\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)


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


def is_safe_tex_url(url: str) -> bool:
    """The allow-list for the URL argument of a TeX link (``\\href{URL}``, ``\\url{URL}``).

    Judged as written and with character references decoded (a Markdown front end decodes
    them before MathJax reads the text), each with every whitespace, control, invisible and
    backslash character taken out: MathJax's own filter reads "java<TAB>script:" as a relative
    URL, the browser as ``javascript:``. Empty targets are refused (they only reload the page),
    and so is a relative target with a ``#``: in a macro body ``\\href{#1}`` the scheme is
    whatever the macro's argument says.
    """
    for cleaned in readings(url):
        if not cleaned or not is_safe_url(cleaned):
            return False
        if "#" in cleaned and _SCHEME.match(cleaned) is None:
            return False
    return True


def readings(value: str) -> tuple[str, str]:
    """``value`` as written and with character references decoded, each without whitespace,
    controls, invisible characters and backslashes: what some reader may make of it."""
    return _URL_NOISE.sub("", value), _URL_NOISE.sub("", html.unescape(value))
