"""What the magic tests check in a kernel's output: the key that must never show, inert HTML,
and the requests the emulator saw."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.inert_html import assert_inert

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

CANARY_KEY = "xai-canary-0123456789abcdefghijklmnopqrstuv"


def assert_inert_html(html: str) -> None:
    """A magic's HTML output is inert: rendered answers, and the tables we lay out around them."""
    assert_inert(html, own_styles=True)


def requests_to(emu: Emulator, suffix: str) -> list[dict[str, Any]]:
    """Logged requests whose path ends with ``suffix`` (inference calls, not admin)."""
    return [r for r in emu.control.log() if r["path"].endswith(suffix)]


def text_table_rows(text: str) -> list[dict[str, str]]:
    """The rows of a ``render.text_table`` (the first table in ``text``), keyed by header.

    Columns are cut where the dashes under the headers are, so cells may hold spaces.
    """
    lines = text.split("\n\n")[0].splitlines()
    spans, start = [], 0
    for dashes in lines[1].split("  "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 2
    headers = [lines[0][a:b].strip() for a, b in spans]
    return [
        {h: line[a:b].strip() for h, (a, b) in zip(headers, spans, strict=True)}
        for line in lines[2:]
    ]
