"""The live view's block splitter: blocks are rendered once, when complete, by the final
output's renderer, and the pieces add up to the final output whatever the deltas' sizes."""

from __future__ import annotations

import random

import pytest

from tests.inert_html import assert_inert
from xai_magics.render import render_markdown
from xai_magics.rendering.live_blocks import LiveBlocks

ANSWER = "\n".join(
    [
        "## Tides",
        "The **moon** pulls the sea; $x^2$ costs $5 and $10.",
        "",
        "1. first",
        "2. second",
        "",
        "3. third, in the same loose list",
        "",
        "    indented code after a blank line",
        "",
        "```python",
        "def area(r):",
        "",
        "    return 3.14 * r ** 2  # $5",
        "```",
        "| a | b |",
        "|---|---|",
        "| $1 | `|` |",
        "",
        "$$",
        "\\frac{a}{b}",
        "",
        "c",
        "$$",
        "",
        "\\begin{align} a &= b \\\\",
        "",
        "c &= d \\end{align}",
        "",
        "> quoted",
        "",
        "- [x](javascript:alert(1)) and ![i](http://127.0.0.1:9/?d=1) and <script>x</script>",
        "- last 😀 item",
        "",
        "Done.",
    ]
)


def feed_all(pieces: list[str]) -> list[tuple[int, str, int]]:
    """(index of the piece that completed it, html, consumed) of every rendered chunk."""
    blocks = LiveBlocks()
    out = []
    for index, piece in enumerate(pieces):
        rendered = blocks.feed(piece, last=index == len(pieces) - 1)
        if rendered is not None:
            out.append((index, rendered.html, rendered.consumed))
    return out


def cut(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 10_000])
def test_blocks_add_up_to_the_final_html_whatever_the_deltas(size: int) -> None:
    out = feed_all(cut(ANSWER, size))
    assert "".join(html for _, html, _ in out) == render_markdown(ANSWER)
    # every character is rendered exactly once, counted as a browser counts (😀 is two units)
    assert sum(consumed for _, _, consumed in out) == len(ANSWER) + 1
    if size <= 7:
        assert len(out) >= 8  # rendered as it streams, not all at the end


def test_random_splits_add_up_to_the_final_html() -> None:
    rng = random.Random(12)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(ANSWER)), 40))
        pieces = [ANSWER[a:b] for a, b in zip([0, *cuts], [*cuts, len(ANSWER)], strict=True)]
        assert "".join(html for _, html, _ in feed_all(pieces)) == render_markdown(ANSWER)


def rendered_after_each_line(text: str) -> list[str]:
    """The HTML each whole line of ``text`` completes ("" while nothing completes)."""
    blocks = LiveBlocks()
    shown = []
    for line in text.splitlines(keepends=True):
        rendered = blocks.feed(line)
        shown.append(rendered.html if rendered else "")
    return shown


def test_a_fenced_block_with_blank_lines_is_rendered_whole_once_closed() -> None:
    shown = rendered_after_each_line("Here:\n```python\nx = 1\n\n\ny = 2\n```\nAfter.\n")
    assert shown[0] == ""
    assert shown[1] == "<p>Here:</p>\n"  # a fence at the start of a line ends the paragraph
    assert shown[2:6] == ["", "", "", ""]  # blank lines inside the fence end nothing
    assert shown[6] == render_markdown("```python\nx = 1\n\n\ny = 2\n```\n")
    assert shown[6].startswith('<pre class="xai-code"')


def test_a_fence_in_a_list_item_waits_for_the_list_to_end() -> None:
    text = "- step:\n\n  ```sh\n  ls\n\n  ```\n- next\n\nAfter\n"
    shown = rendered_after_each_line(text)
    assert shown[:-1] == [""] * (len(shown) - 1)
    assert shown[-1] == render_markdown("- step:\n\n  ```sh\n  ls\n\n  ```\n- next\n")


@pytest.mark.parametrize(
    "math",
    [
        "$$\n\\frac{a}{b}\n\n= c\n$$\n",
        "\\[\nx\n\ny\n\\]\n",
        "\\begin{align}\na &= b\n\n\\begin{align}c\\end{align}\n\nd\n\\end{align}\n",
    ],
    ids=["dollars", "brackets", "nested-environment"],
)
def test_display_math_with_blank_lines_waits_for_its_closer(math: str) -> None:
    shown = rendered_after_each_line(math + "\nAfter\n")
    assert shown[:-1] == [""] * (len(shown) - 1)
    assert shown[-1] == render_markdown(math)


def test_math_and_fences_in_code_spans_open_nothing() -> None:
    first, second = "Use `$$` or `\\[` here\n", "And ``` `x` in text\n"
    shown = rendered_after_each_line(f"{first}\n{second}\nEnd\n")
    assert shown == ["", "", render_markdown(first), "", render_markdown(second)]


def test_loose_list_items_stay_one_list() -> None:
    shown = rendered_after_each_line("- a\n\n- b\n\n  more of b\n\n3. c\n\nAfter\n")
    rendered = [html for html in shown if html]
    assert rendered == [render_markdown("- a\n\n- b\n\n  more of b\n\n3. c\n")]


def test_headings_and_interruptions_complete_at_once() -> None:
    shown = rendered_after_each_line("# One\nText\n## Two\n| a |\n|---|\n| 1 |\n\nEnd")
    assert shown[0] == "<h1>One</h1>\n"
    assert shown[1] == ""
    assert shown[2] == "<p>Text</p>\n<h2>Two</h2>\n"
    assert shown[3:6] == ["", "", ""]  # a table ends at a blank line
    assert shown[6] == ""  # ... followed by a line it cannot continue
    blocks = LiveBlocks()
    for line in ("| a |\n", "|---|\n", "| 1 |\n", "\n"):
        assert blocks.feed(line) is None
    table = blocks.feed("E")
    assert table is not None
    assert table.html == render_markdown("| a |\n|---|\n| 1 |\n\n")


HOSTILE_SPLITS = [
    ["[x](javascript:", "alert(1)) ok\n\n", "next"],
    ["[x](java", "script:alert(1))\n\n", "next"],
    ["![i](http://127.0.0.1:9/?d=se", "cret)\n\n", "next"],
    ["<scr", "ipt>alert(1)</scr", "ipt>\n\n", "next"],
    ["$\\href{javascript:", "alert(1)}{x}$\n\n", "next"],
    ["<img src=x on", 'error="alert(1)">\n\n', "next"],
]


@pytest.mark.parametrize("pieces", HOSTILE_SPLITS, ids=[p[0] for p in HOSTILE_SPLITS])
def test_payloads_split_across_deltas_are_rendered_whole_and_inert(pieces: list[str]) -> None:
    out = feed_all(pieces)
    # nothing rendered from the payload's first half alone: its block completes later
    assert all(index >= 1 for index, _, _ in out)
    html = "".join(h for _, h, _ in out)
    assert html == render_markdown("".join(pieces))
    assert_inert(html)
    assert "<img" not in html
    assert "<script" not in html


def test_each_block_is_rendered_once_and_the_work_is_linear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import xai_magics.render

    rendered: list[str] = []
    real = xai_magics.render.render_markdown

    def counting(text: str) -> str:
        rendered.append(text)
        return real(text)

    monkeypatch.setattr(xai_magics.render, "render_markdown", counting)
    paragraphs = [f"Paragraph {i} with **bold** text." for i in range(300)]
    feed_all(cut("\n\n".join(paragraphs), 5))
    assert "".join(rendered) == "\n\n".join(paragraphs)
    assert max(len(text) for text in rendered) < 60  # one block at a time, never the prefix


def test_the_end_of_the_stream_renders_the_open_tail_even_blank() -> None:
    blocks = LiveBlocks()
    assert blocks.feed("Unfinished *para") is None
    end = blocks.feed("graph*", last=True)
    assert end is not None
    assert end.html == "<p>Unfinished <em>paragraph</em></p>\n"
    assert end.consumed == len("Unfinished *paragraph*")
    blocks = LiveBlocks()
    assert blocks.feed("# H\n") is not None
    blank = blocks.feed("\n", last=True)
    assert blank is not None
    assert (blank.html, blank.consumed) == ("", 1)  # the tail is emptied
