"""A batch dry run reads like %%grok's: pretty JSON once, then only what differs per request."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from xai_magics.batch import DryRun, submit
from xai_magics.batch.dry_view import FIRST, OTHERS

REVIEWS = pd.DataFrame(
    {
        "product": ["kettle", "lamp", "", "desk"],
        "review": ["Boils fast.", "Warm light. " * 20, "", "costs $5 and <b>$6</b>"],
    },
    index=[101, 102, 103, 104],
)


def _dry(tmp_path: Path) -> DryRun:
    dry = submit(
        REVIEWS,
        "Sentiment of this {product}: {review}",
        system="Be brief.",
        max_tokens=20,
        dry_run=True,
        data_dir=str(tmp_path),
    )
    assert isinstance(dry, DryRun)
    return dry


def test_the_first_request_is_pretty_json_of_exactly_the_line_that_would_be_sent(
    tmp_path: Path,
) -> None:
    dry = _dry(tmp_path)
    text = dry.text()
    pretty = text.split(FIRST + "\n", 1)[1].split("\n\n", 1)[0]
    assert json.loads(pretty) == json.loads(dry.requests[0])
    assert pretty.startswith("{\n  ")
    # the shared parts appear once; the other rows by their index label, id and prompt only
    assert text.count('"grok-4.3"') == 1
    assert text.count("Be brief.") == 1
    others = text.split(OTHERS + "\n", 1)[1].splitlines()
    assert [line.split(",")[0].strip() for line in others] == [
        "row 1 (index 102)",
        "row 3 (index 104)",
    ]
    assert others[1].endswith("Sentiment of this desk: costs $5 and <b>$6</b>")
    # the number of requests is said once, and the skipped row with its label
    assert "3 would be sent" in text
    assert "3 requests" not in text
    assert "row 2 (index 103): skipped" in text


def test_the_html_form_escapes_prompts_and_wraps_only_between_words(tmp_path: Path) -> None:
    bundle = _dry(tmp_path)._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<b>$6</b>" not in html
    assert "&lt;b&gt;$6&lt;/b&gt;" in html
    assert "white-space:pre-wrap;word-break:normal" in html
    assert "mathjax_ignore" in html
    assert bundle["text/plain"] == _dry(tmp_path).text()


def test_prices_keep_their_fraction_of_a_cent(tmp_path: Path) -> None:
    summary = _dry(tmp_path).summary()
    batch, sync = summary.split("≈ ")[1].split(" as a batch (")
    assert batch != sync.split(" one by one")[0]  # 0.8 of the list price, visibly
    assert batch.startswith("$0.000")
