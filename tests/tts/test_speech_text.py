"""Text checked before any request, cut into speakable sentences, and priced."""

from __future__ import annotations

import pytest

from xai_magics.magics.tts import split_options
from xai_magics.speech import (
    SentenceChunker,
    SpeechInputError,
    SpeechResult,
    check_request,
    speakable,
    speech_cost_usd,
)

ANSWER = (
    "Hello there, this is a simulated answer. Dr. Smith said it works! Does it? "
    "Yes: it speaks in **short** pieces, see [the docs](https://example.com).\n\n"
    "Here is code:\n```python\nprint('not read aloud. really.')\n```\n"
    "After the code, one more sentence without an end"
)


def feed_in_pieces(text: str, size: int, **options: int) -> list[str]:
    chunker = SentenceChunker(**options)
    pieces: list[str] = []
    for start in range(0, len(text), size):
        pieces.extend(chunker.feed(text[start : start + size]))
    rest = chunker.flush()
    return [*pieces, rest] if rest else pieces


def test_answer_is_cut_into_sentences_without_markup_or_code() -> None:
    assert feed_in_pieces(ANSWER, len(ANSWER)) == [
        "Hello there, this is a simulated answer.",
        "Dr. Smith said it works!",
        "Does it? Yes: it speaks in short pieces, see the docs.",
        "Here is code:",
        "After the code, one more sentence without an end",
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13, 64], ids=lambda n: f"delta-{n}")
def test_pieces_do_not_depend_on_how_the_text_was_streamed(size: int) -> None:
    assert feed_in_pieces(ANSWER, size) == feed_in_pieces(ANSWER, len(ANSWER))


@pytest.mark.parametrize("size", [1, 9, 1000], ids=lambda n: f"delta-{n}")
def test_a_long_run_without_sentence_end_is_cut_at_a_space(size: int) -> None:
    text = " ".join(f"word{i}" for i in range(300))
    pieces = feed_in_pieces(text, size, max_chars=100)
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces) == text


def test_unclosed_code_block_is_never_spoken() -> None:
    assert feed_in_pieces("Look at this one.\n```\nx = 1. y = 2. z = 3.\n", 4) == [
        "Look at this one."
    ]


def test_speakable_keeps_words_and_drops_markdown_marks() -> None:
    assert (
        speakable("# Title with `code` and *stars* > quote") == " Title with code and stars quote"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"text": "x" * 15_001}, "15,001 characters", id="text-too-long"),
        pytest.param({"text": "  \n"}, "no text", id="text-blank"),
        pytest.param({"voice": "evee"}, "Did you mean 'eve'", id="unknown-voice"),
        pytest.param({"codec": "ogg"}, "Unknown codec 'ogg'", id="unknown-codec"),
        pytest.param({"language": "english"}, "Unknown language", id="unknown-language"),
        pytest.param({"sample_rate": 11025}, "11025 is not offered", id="bad-sample-rate"),
        pytest.param({"speed": 2.0}, "0.7 to 1.5", id="speed-too-fast"),
    ],
)
def test_bad_requests_are_refused_before_sending(options: dict[str, object], message: str) -> None:
    options = {"text": "Hello", **options}
    with pytest.raises(SpeechInputError, match=message):
        check_request(**options)  # type: ignore[arg-type]


def test_accepted_spellings_are_normalised() -> None:
    assert check_request("Hi", voice="REX", language="PT-br", codec="ulaw") == (
        "rex",
        "pt-BR",
        "mulaw",
    )


def test_text_of_exactly_the_limit_is_accepted() -> None:
    assert check_request("x" * 15_000)[0] == "eve"


@pytest.mark.parametrize(
    ("characters", "usd"),
    [pytest.param(1_000_000, 4.20, id="million"), pytest.param(120, 0.000504, id="sentence")],
)
def test_speech_costs_four_dollars_twenty_per_million_characters(
    characters: int, usd: float
) -> None:
    assert speech_cost_usd(characters) == pytest.approx(usd)
    result = SpeechResult(b"\x00\x00" * 24000, "pcm", 24000, "x" * characters, "eve")
    assert result.cost_usd == pytest.approx(usd)
    assert result.duration_s == pytest.approx(1.0)
    assert f"cost=${usd:.6f}" in repr(result)


@pytest.mark.parametrize(
    ("line", "options", "text"),
    [
        pytest.param("Hello world", "", "Hello world", id="text-only"),
        pytest.param("--voice rex Don't panic!", "--voice rex", "Don't panic!", id="apostrophe"),
        pytest.param(
            "-v ara --speed=1.2 Hi  there", "-v ara --speed=1.2", "Hi  there", id="spacing"
        ),
        pytest.param(
            "--codec mp3 -- --not an option", "--codec mp3", "--not an option", id="dashdash"
        ),
        pytest.param('"quoted" text', "", '"quoted" text', id="quotes-kept"),
    ],
)
def test_line_options_are_split_from_the_text_as_written(
    line: str, options: str, text: str
) -> None:
    got_options, got_text = split_options(line)
    assert (got_options.strip(), got_text) == (options, text)


@pytest.mark.parametrize("option", ["--voice", "--language", "--codec", "--speed", "--sample-rate"])
def test_help_lists_every_option(option: str) -> None:
    from xai_magics.magics.tts import TTSMagics

    doc = TTSMagics.grok_tts.__doc__ or ""
    assert doc.startswith("::\n\n  %grok_tts [")
    assert option in doc
