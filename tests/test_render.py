"""Model text -> HTML: hostile payloads must come out as text, never as live markup."""

from __future__ import annotations

import re
from collections.abc import Callable

import cmarkgfm  # type: ignore[import-untyped]
import pytest
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]
from markdown_it import MarkdownIt

from tests.inert_html import (
    ALLOWED_TAGS,
    JS,
    TEX_LINKS,
    TEX_MACROS,
    assert_inert,
    live_markup,
    typeset_text,
    unsafe_tex_links,
)
from xai_magics.render import (
    is_safe_url,
    render_bundle,
    render_markdown,
    safe_markdown,
    strip_controls,
)

EXFIL = "http://127.0.0.1:9/?d=secret"
HOSTILE = {
    "script": "<script>window.__pwned=1</script>",
    "img-onerror": '<img src=x onerror="window.__pwned=1">',
    "svg-onload": "<svg onload=alert(1)>",
    "iframe-srcdoc": "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "a-javascript": '<a href="javascript:alert(1)">x</a>',
    "md-javascript": "[click](javascript:alert(1))",
    "md-javascript-entity": "[click](java&#115;cript&#58;alert(1))",
    "md-javascript-mixed-case": "[click](JaVaScRiPt:alert(1))",
    "md-vbscript": "[click](vbscript:msgbox(1))",
    "md-data": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-data-image": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "autolink-javascript": "<javascript:alert(1)>",
    "reference-javascript": "[x][r]\n\n[r]: javascript:alert(1)",
    "style": "<style>body{display:none}</style>",
    "form": "<form action='http://evil'><input name=x></form>",
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=http://evil">',
    "base": '<base href="http://evil/">',
    "entity-script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "mixed-case-script": "<ScRiPt>alert(1)</sCrIpT>",
    "fenced": "```html\n<script>alert(1)</script>\n```",
    "inline-code": "`<img src=x onerror=alert(1)>`",
    "escaped-backtick": "\\`<img src=x onerror=alert(1)>`",
    "exfil-image": f"![x]({EXFIL})",
    "html-block": "<div onclick=alert(1)>\n\n*x*\n\n</div>",
    "table": "| a | b |\n|---|---|\n| <script>x</script> | [l](javascript:x) |",
    "bare-url": "http://127.0.0.1:9/canary",
    "path": "/etc/passwd",
}


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_renders_inert(payload: str) -> None:
    assert_inert(render_markdown(payload))


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdown_copy_stays_inert_even_in_a_front_end_that_renders_raw_html(payload: str) -> None:
    permissive = MarkdownIt("commonmark", {"html": True}).enable("table")
    # The default markdown-it validator still lets some data: images through: be stricter here.
    permissive.validateLink = lambda url: True  # type: ignore[method-assign]
    rendered = permissive.render(safe_markdown(payload))
    found = live_markup(rendered)
    assert set(found.tags) <= ALLOWED_TAGS, found.tags
    assert [a for a in found.attrs if a[0] in {"href", "src"} or a[0].startswith("on")] == []


# Payloads aimed at the Markdown copy: reference definitions the first line does not show, and
# fences that a parser reads differently from a line-by-line scan (containers, info strings,
# line breaks other than "\n").
MARKDOWN_COPY = {
    "reference-label-over-two-lines": "[x][a b]\n\n[a\nb]: javascript:alert(1)",
    "reference-in-a-quote": "[x][r]\n\n> [r]: javascript:alert(1)",
    "reference-in-a-list": "[x][r]\n\n- [r]: javascript:alert(1)",
    "backtick-in-info-is-no-fence": "``` a`b\n<img src=x onerror=alert(1)>\n```",
    "fence-ended-by-its-list-item": "- a\n\n  ```\n<img src=x onerror=alert(1)>\n",
    "fence-closed-by-a-carriage-return": "```\nx\r```\n<img src=x onerror=alert(1)>\n```",
    "form-feed-before-a-fence": "x\x0c```\n<img src=x onerror=alert(1)>\n",
    "closing-line-with-info": "```\nA\n```x\n<img src=x onerror=1>\n```\n<img src=y onerror=2>",
    "fence-in-a-quote": "> ```\n<img src=x onerror=alert(1)>\n> ```",
    "tilde-fence-with-backticks": "~~~\n```\n~~~\n<img src=x onerror=alert(1)>\n```",
}


def permissive_renderers() -> list[Callable[[str], str]]:
    """Two front ends that put raw HTML and any link on the page, with different parsers."""
    markdown_it = MarkdownIt("commonmark", {"html": True}).enable("table")
    markdown_it.validateLink = lambda url: True  # type: ignore[method-assign]
    return [
        markdown_it.render,
        lambda text: cmarkgfm.github_flavored_markdown_to_html(text, Options.CMARK_OPT_UNSAFE),
    ]


@pytest.mark.parametrize("payload", MARKDOWN_COPY.values(), ids=MARKDOWN_COPY.keys())
def test_markdown_copy_defeats_fences_and_references_that_parsers_read_differently(
    payload: str,
) -> None:
    for render in permissive_renderers():
        found = live_markup(render(safe_markdown(payload)))
        assert set(found.tags) <= ALLOWED_TAGS, found.tags
        assert [a for a in found.attrs if a[0] in {"href", "src"} or a[0].startswith("on")] == []


def test_markdown_copy_keeps_code_text_in_an_unambiguous_fence() -> None:
    text = "- item\n\n  ```py\n  if a < b: x = `q`\n  ```\n\n````\n```\n<b>\n````\n"
    assert safe_markdown(text) == (
        "- item\n\n```py\n  if a < b: x = `q`\n```\n\n````\n```\n<b>\n````\n"
    )


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_final_bundle_is_inert_in_every_mime_type(payload: str) -> None:
    bundle = render_bundle(payload, reasoning=payload, status_line=payload, receipt_line=payload)
    assert_inert(bundle["text/html"])
    assert bundle["text/plain"].startswith(payload)


@pytest.mark.parametrize("fmt", ["text", "code", "json"])
def test_non_markdown_formats_escape_everything(fmt: str) -> None:
    bundle = render_bundle(HOSTILE["script"] + "\n```\n" + HOSTILE["img-onerror"], fmt=fmt)
    assert_inert(bundle["text/html"])
    shown = re.sub(r"<[^>]*>", "", bundle["text/html"])  # highlighting may split the text
    assert "&lt;script&gt;" in shown


def test_payload_split_across_deltas_is_inert_once_joined() -> None:
    deltas = ["<scr", "ipt>window.__pw", "ned=1</scr", "ipt> and <img sr", "c=x oner", "ror=a()>"]
    assert_inert(render_markdown("".join(deltas)))


def test_images_become_links_and_are_never_loaded() -> None:
    html = render_markdown("![chart](https://example.com/c.png)")
    assert "<img" not in html
    assert 'href="https://example.com/c.png"' in html
    assert "image: chart" in html


def test_safe_links_survive_with_noopener() -> None:
    html = render_markdown("[docs](https://docs.x.ai) [rel](./a.md) [m](mailto:a@b.c)")
    assert 'href="https://docs.x.ai" rel="noopener noreferrer"' in html
    assert 'href="./a.md"' in html
    assert 'href="mailto:a@b.c"' in html


def test_ordinary_markdown_renders() -> None:
    html = render_markdown("# Title\n\n**bold** `code` ~~gone~~\n\n| a |\n|---|\n| 1 |\n")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<del>gone</del>" in html
    assert "<td>1</td>" in html


def test_code_blocks_keep_their_text_in_the_markdown_copy() -> None:
    text = "Use:\n\n```python\nif a < b and c[0](x):\n    pass\n```\n"
    assert safe_markdown(text) == text


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://x.ai", True),
        ("HTTP://x.ai", True),
        ("mailto:a@b", True),
        ("/rel/path?q=1:2", True),
        ("#anchor", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
        ("java\tscript:x", False),
    ],
)
def test_url_allow_list(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


def test_reasoning_is_collapsed_and_receipt_is_present() -> None:
    bundle = render_bundle("answer", reasoning="thinking", receipt_line="grok-4.3 · $0.001")
    html = bundle["text/html"]
    assert "<details" in html
    assert "open" not in html
    assert "grok-4.3 · $0.001" in html
    assert bundle["text/plain"] == "answer\n\n[grok-4.3 · $0.001]"


def test_tables_and_columns_escape_every_cell() -> None:
    from xai_magics.render import render_columns, render_table, text_table

    hostile = HOSTILE["img-onerror"]
    assert_inert(render_table(["model", hostile], [[hostile, 1]]))
    columns = render_columns([(hostile, render_markdown(hostile))] * 2)
    found = live_markup(columns)
    assert set(found.tags) <= ALLOWED_TAGS
    assert not [a for a in found.attrs if a[0].startswith("on") or a[0] in {"src", "href"}]
    assert columns.count('class="xai-compare-cell"') == 2
    assert "minmax(min(100%,20em),1fr)" in columns  # narrow notebooks wrap, never squeeze
    assert text_table(["a", "bb"], [["xxx", 1]]) == "a    bb\n---  --\nxxx  1"


# cmark-gfm specifics: what its safe mode leaves to us, and the GFM extensions we do (not) enable.
CMARK_CASES = {
    "refused-link-keeps-text": ("[click](javascript:alert(1))", "click", "<a"),
    "empty-target-is-no-link": ("[click]()", "click", "<a"),
    "autolink-refused": ("<javascript:alert(1)>", "javascript:alert(1)", "<a"),
    "data-image-refused": ("![x](data:image/png;base64,AA)", "image: x", "<a"),
    "file-image-refused": ("![x](file:///etc/passwd)", "image: x", "<a"),
    "raw-html-shown-as-text": (
        "Vec<String> and <b>x</b>",
        "Vec&lt;String&gt; and &lt;b&gt;",
        "<b>",
    ),
    "html-block-shown-as-text": (
        "<div onclick=x>\n\nhi\n\n</div>",
        "&lt;div onclick=x&gt;",
        "<div",
    ),
    "angle-in-code-span": ("`<a href=x>`", "<code>&lt;a href=x&gt;</code>", "\\"),
    "angle-in-fenced-code": ("```\nif a < b:\n```", "if a &lt; b:", "\\"),
    "backslash-angle-in-code-kept": ("`\\<`", "<code>\\&lt;</code>", "raw HTML"),
    "no-tasklist-checkboxes": ("- [ ] task", "[ ] task", "<input"),
    "single-tilde-is-not-strikethrough": ("~5 ms to ~7 ms", "~5 ms to ~7 ms", "<del"),
    "bare-urls-are-not-linked": ("see www.example.com", "www.example.com", "<a"),
    "table-alignment": ("| a |\n|:-:|\n| 1 |", '<td align="center">1</td>', "text-align"),
    "lone-surrogate-replaced": ("text \ud800 more", "text ? more", "\ud800"),
}


@pytest.mark.parametrize(("markdown", "shown", "absent"), CMARK_CASES.values(), ids=CMARK_CASES)
def test_cmark_output_shows_text_and_only_allowed_links(
    markdown: str, shown: str, absent: str
) -> None:
    html = render_markdown(markdown)
    assert shown in html
    assert absent not in html
    assert_inert(html)


def test_autolinks_to_the_web_and_mail_stay_links() -> None:
    html = render_markdown("<https://x.ai/docs> and <ada@example.com>")
    assert '<a href="https://x.ai/docs" rel="noopener noreferrer" target="_blank">' in html
    assert '<a href="mailto:ada@example.com" rel="noopener noreferrer"' in html


def test_an_image_inside_a_link_is_its_label_not_a_second_anchor() -> None:
    html = render_markdown("[![logo](https://x.ai/l.png)](https://x.ai)")
    assert live_markup(html).tags == ["p", "a"]
    assert "image: logo" in html
    assert "l.png" not in html


def test_a_refused_link_around_an_image_leaves_the_image_as_a_link() -> None:
    html = render_markdown("[![logo](https://x.ai/l.png)](javascript:alert(1))")
    assert live_markup(html).attrs[0] == ("href", "https://x.ai/l.png")
    assert "javascript" not in html


def test_link_titles_and_odd_characters_stay_inside_the_attribute() -> None:
    html = render_markdown('[x](http://a.example/"q\'<>&amp; "t\\" onmouseover=1")')
    found = live_markup(html)
    assert found.tags == ["p", "a"]
    assert {name for name, _ in found.attrs} == {"href", "rel", "target", "title"}


def typeset_views(payload: str) -> dict[str, tuple[str, bool]]:
    """The text each front end hands a typesetter, and whether a browser built it: the HTML's,
    the Markdown copy as JupyterLab keeps math (as written), the copy rendered by two parsers."""
    bundle = render_bundle(payload)
    views = {
        "text/html": (typeset_text(bundle["text/html"]), True),
        "text/markdown": (bundle["text/markdown"], False),
    }
    for index, render in enumerate(permissive_renderers()):
        rendered = typeset_text(render(bundle["text/markdown"]))
        views[f"text/markdown rendered by parser {index}"] = (rendered, True)
    return views


@pytest.mark.parametrize("payload", TEX_LINKS.values(), ids=TEX_LINKS.keys())
def test_no_unsafe_tex_link_survives_in_any_mime_type(payload: str) -> None:
    assert unsafe_tex_links(payload), "some reader must see an unsafe link in the payload"
    for view, (text, dom) in typeset_views(payload).items():
        assert unsafe_tex_links(text, dom=dom) == [], (view, text)
    bundle = render_bundle(payload)
    assert_inert(bundle["text/html"], own_styles=True)


@pytest.mark.parametrize("payload", TEX_MACROS.values(), ids=TEX_MACROS.keys())
def test_no_link_command_survives_where_its_target_comes_from_a_macro(payload: str) -> None:
    for view, (text, _) in typeset_views(payload).items():
        assert "\\href" not in text, (view, text)


@pytest.mark.parametrize(
    "tex",
    [
        r"\class{jp-Dialog}{x}",
        r"\cssId{main}{x}",
        r"\style{cursor:url(http://127.0.0.1:9/x),auto}{x}",
        r"\data{mjx-x=1}{x}",
        r"\htmlClass{jp-Dialog}{x}",
        r"\htmlId{main}{x}",
        r"\htmlStyle{position:fixed}{x}",
        r"\htmlData{a=b}{x}",
        r"\require{action}x",
        r"\includegraphics[width=1em]{http://127.0.0.1:9/x.png}x",
        r"\bbox[cursor:url(http://127.0.0.1:9/x)]{x}",
    ],
)
def test_tex_that_sets_attributes_loads_or_fetches_keeps_only_its_math(tex: str) -> None:
    bundle = render_bundle(f"$a + {tex}$")
    for text in (typeset_text(bundle["text/html"]).strip(), bundle["text/markdown"]):
        assert re.search(r"\\(?!bbox)[a-zA-Z]+", text) is None, text
        assert re.fullmatch(r"\$a \+ (\{x\}|x|\{\}x|\\bbox\{x\})\$", text), text


@pytest.mark.parametrize(
    "tex",
    [
        r"\href{https://example.com}{ok}",
        r"\href{mailto:a@example.com}{mail}",
        r"\url{https://example.com/a_b}",
        r"\href{https://example.com/#section}{ok}",
        r"\href{./notes.html}{rel}",
        r"\frac{a}{b} \text{href} \hrefx \unicode{x263A} \bbox[red,5px]{x}",
    ],
)
def test_safe_tex_stays_as_written(tex: str) -> None:
    bundle = render_bundle(f"${tex}$")
    assert tex in typeset_text(bundle["text/html"])
    assert bundle["text/markdown"] == f"${tex}$"


def test_a_refused_href_keeps_its_text() -> None:
    bundle = render_bundle(f"Click $\\href{{java\tscript:{JS}}}{{\\text{{here}}}}$ now")
    assert "Click ${\\text{here}}$ now" in bundle["text/html"]
    assert bundle["text/markdown"] == "Click ${\\text{here}}$ now"


def test_tex_links_in_code_are_left_as_written_in_the_html() -> None:
    code = f"\\href{{java\tscript:{JS}}}{{x}}"
    html = render_markdown(f"`{code}`\n\n```tex\n{code}\n```")
    shown = re.sub(r"<(?!/?(?:code|pre)[ >])[^>]*>", "", html)  # highlighting spans out
    assert shown.count(code) == 2  # MathJax never typesets <code> or <pre>


def test_status_and_receipt_lines_are_not_typeset() -> None:
    bundle = render_bundle(
        "a", status_line=f"server said $\\href{{java\tscript:{JS}}}{{x}}$", receipt_line="$1 $2"
    )
    assert "\\href" not in bundle["text/html"] + bundle["text/markdown"]
    found = live_markup(bundle["text/html"])
    classes = [value for name, value in found.attrs if name == "class"]
    assert sum("mathjax_ignore" in c and "tex2jax_ignore" in c for c in classes) == 2


# The Markdown copy keeps math typesettable: JupyterLab hands MathJax the math as written, so
# "&lt;" there would be an error. A "<" that could open a tag gets a space (TeX ignores it).
MATH_COPY = {
    "less-than": ("$a < b$", "$a < b$"),
    "less-than-letter": ("$a<b$ and <b>x</b>", "$a< b$ and &lt;b>x&lt;/b>"),
    "greater-and-ampersand": (
        "$$\\begin{aligned} a &> b \\\\ c &= d \\end{aligned}$$",
        "$$\\begin{aligned} a &> b \\\\ c &= d \\end{aligned}$$",
    ),
    "tag-in-math": ("$<img src=x onerror=alert(1)>$", "$< img src=x onerror=alert(1)>$"),
    "brackets-in-math": ("$[0,1](x) + [a]: b + n![k]$", "$[0,1]{}(x) + [a]{}: b + n!{}[k]$"),
    "escaped-parens": ("\\\\(a<b\\\\)", "\\\\(a< b\\\\)"),
    "display-then-link": (
        "\\\\[x\\\\](javascript:alert(1))",
        "\\\\[x\\\\]\\(javascript:alert(1))",
    ),
    "not-across-a-blank-line": ("$5 <b>\n\nand $6", "$5 &lt;b>\n\nand $6"),
    "not-in-code": ("`$a<b$` and $a<b$", "`$a&lt;b$` and $a< b$"),
    "escaped-dollar": ("\\$5 <b> \\$6", "\\$5 &lt;b> \\$6"),
}


@pytest.mark.parametrize(("text", "copy"), MATH_COPY.values(), ids=MATH_COPY.keys())
def test_markdown_copy_keeps_math_as_typesettable_tex(text: str, copy: str) -> None:
    assert safe_markdown(text) == copy
    for render in permissive_renderers():
        found = live_markup(render(copy))
        assert set(found.tags) <= ALLOWED_TAGS, found.tags
        assert [a for a in found.attrs if a[0] in {"href", "src"} or a[0].startswith("on")] == []


INVISIBLE = {
    "c0": "\x00\x01\x08\x0b\x0c\x0e\x1b\x1f",
    "del-and-c1": "\x7f\x80\x85\x9b\x9f",
    "format": "\u00ad\u061c\u180e\u200b\u200e\u200f\u2060\u2064\ufeff\ufff9",
    "bidi": "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    "tags": "\U000e0001\U000e0041\U000e007f",
    "joiners-next-to-ascii": "\u200c\u200d",
}


@pytest.mark.parametrize("chars", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_control_and_invisible_characters_are_stripped_from_every_copy(chars: str) -> None:
    text = f"java{chars}script: {chars}é{chars}"
    bundle = render_bundle(text, reasoning=text, status_line=text, receipt_line=text)
    for mime, value in bundle.items():
        assert not set(chars) & set(value), mime
    assert bundle["text/plain"].startswith("javascript: é")


def test_joiners_between_letters_of_other_scripts_stay() -> None:
    emoji = "\U0001f468\u200d\U0001f4bb"  # man technologist: one glyph only with the joiner
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    text = f"{emoji} {persian} tab\tand\nnewline"
    assert strip_controls(text) == text
    assert emoji in render_bundle(text)["text/html"]


def test_exactly_the_invisible_characters_are_stripped_among_all_code_points() -> None:
    # The BMP and the first astral planes, the tag block and the ends of the range.
    points = [*range(0x30000), *range(0xDFF00, 0xE1000), *range(0x10FF00, 0x110000)]
    every = {chr(c) for c in points if not 0xD800 <= c <= 0xDFFF}
    expected = {
        *map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]),
        *"\u00ad\u061c\u180e\ufeff\ufff9\ufffa\ufffb",
        *map(chr, [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065)]),
        *map(chr, [*range(0x2066, 0x2070), *range(0xE0000, 0xE0080)]),
    }
    # Each character once, between ASCII letters, then between other letters.
    assert every - set(strip_controls("a".join(every))) == expected
    kept_joiners = strip_controls("\u00e9".join(every))
    assert every - set(kept_joiners) == expected - {"\u200c", "\u200d"}
