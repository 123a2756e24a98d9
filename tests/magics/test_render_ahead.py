"""Rendering an answer's Markdown ahead of the end of its stream gives exactly the whole render."""

from __future__ import annotations

import itertools
import random

import pytest

from xai_magics.render import MarkdownAhead, _BlockCuts, _render, render_markdown

# Blocks whose meaning can reach across blank lines: lists (tight/loose, continuation), code
# (fenced, indented, fences inside lists and quotes), quotes, tables, headings, references.
BLOCKS = [
    "Plain paragraph with **bold** and `code`.",
    "Second line\ncontinues the paragraph.",
    "  indented by two",
    "    indented code",
    "\tTabbed code",
    "- item one\n- item two",
    "- loose item",
    "  continuation of an item",
    "1. first\n2. second",
    "3) third",
    "* star item",
    "> quoted\n> more",
    "> - list in a quote",
    "```python\ncode = 1\n\nmore = 2\n```",
    "```\nopen fence without end",
    "~~~\ntilde fence\n\n~~~",
    "````\n```\nnested\n````",
    "- ```\n  fence in a list\n\n  still\n  ```",
    "  ```\n  indented fence\n\n  ```",
    "> ```\n> quoted fence",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "# Heading",
    "Setext\n===",
    "---",
    "[ref] and [x](http://example.com)",
    "[ref]: http://example.com",
    "<script>alert(1)</script>",
    "[bad](javascript:alert(1)) ![img](data:image/png;base64,AAAA)",
    "use ```inline``` fences",
    "10. numbered",
    "text with trailing spaces  ",
    "",
]
SEPARATORS = ["\n", "\n\n", "\n\n\n", "\n \n"]


def corpus(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [rng.choice(BLOCKS) for _ in range(rng.randint(2, 9))]
        seps = [rng.choice(SEPARATORS) for _ in parts]
        texts.append("".join(p + s for p, s in zip(parts, seps, strict=True)).rstrip("\n"))
    return texts


def every_cut(text: str) -> list[int]:
    """The cuts the scanner allows, fed one character at a time as a stream would."""
    cuts = _BlockCuts()
    found = [0]
    for end in range(1, len(text) + 1):
        cut = cuts.advance(text[:end])
        if cut != found[-1]:
            found.append(cut)
    return found


@pytest.mark.parametrize("seed", range(6), ids=[f"seed-{s}" for s in range(6)])
def test_rendering_the_parts_at_every_cut_equals_rendering_the_whole(seed: int) -> None:
    checked_cuts = 0
    for text in corpus(150, seed):
        if "]:" in text:
            continue  # reference definitions reach across cuts: rendered whole (tested below)
        cuts = [*every_cut(text), len(text)]
        checked_cuts += len(cuts) - 2
        parts = "".join(_render(text[a:b]) for a, b in itertools.pairwise(cuts))
        assert parts == _render(text), (text, cuts)
    assert checked_cuts > 50  # the corpus does exercise cutting


def test_a_long_answer_is_cut_into_many_blocks() -> None:
    answer = " ".join(f"word{i}" if i % 17 else f"**bold{i}**\n\n" for i in range(2000))
    assert len(every_cut(answer)) > 100


def stream_through(ahead: MarkdownAhead, text: str, pieces: int) -> str:
    size = max(1, len(text) // pieces)
    for start in range(0, len(text), size):
        ahead.add(text[start : start + size])
        ahead.catch_up()
    return ahead.html(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "\n\n".join(f"Paragraph {i} with *emphasis*." for i in range(200)), id="paragraphs"
        ),
        pytest.param(
            "\n\n".join(f"See [r{i}].\n\n- a\n- b" for i in range(50)) + "\n\n[r3]: http://e.com",
            id="reference-at-the-end",
        ),
        pytest.param("a\r\n\r\nb\r\n\r\n" * 100, id="carriage-returns"),
        pytest.param(
            "Intro\n\n```\n" + "\n\n".join(f"line {i}" for i in range(100)) + "\n```\n\nEnd",
            id="long-fence",
        ),
        pytest.param(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n" * 40, id="hostile"
        ),
    ],
)
def test_markdown_ahead_gives_the_whole_render_and_remembers_it(text: str) -> None:
    ahead = MarkdownAhead(interval_s=0)
    html = stream_through(ahead, text, pieces=60)
    assert html == _render(text)
    assert render_markdown(text) is html  # the final display does not render it again


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_finished_blocks_are_rendered_in_batches_or_after_an_interval() -> None:
    clock = Clock()
    ahead = MarkdownAhead(batch_chars=1000, interval_s=0.05, clock=clock)
    ahead.add("\n\n".join(f"Paragraph {i}." for i in range(30)))  # < 1000 characters
    ahead.catch_up()
    assert ahead._html == []  # neither enough text nor enough time
    clock.now = 0.06
    ahead.add(" more")
    ahead.catch_up()
    assert "".join(ahead._html).count("<p>") == 29  # all but the last block, maybe unfinished
    ahead.add("".join(f"\n\nParagraph {i}." for i in range(30, 300)))  # > 1000 characters
    ahead.catch_up()
    assert "".join(ahead._html).count("<p>") == 299
    assert len(ahead._html) == 2


def test_text_that_differs_from_the_streamed_pieces_is_rendered_whole() -> None:
    ahead = MarkdownAhead(interval_s=0)
    streamed = "\n\n".join(f"Part {i}." for i in range(50))
    ahead.add(streamed)
    ahead.catch_up()
    assert ahead._html
    final = "Different start.\n\n" + streamed
    assert ahead.html(final) == _render(final)
