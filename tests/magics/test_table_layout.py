"""Session tables and the comparison summary: names left, figures right, model text escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from xai_magics.magics.grok import compare_summary
from xai_magics.magics.session import aligned_table
from xai_magics.result import GrokResult
from xai_magics.usage import Receipt

from .kernel_harness import assert_inert_html


class _Cells(HTMLParser):
    """(tag, style, text) of every th/td, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str, str, str]] = []
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("th", "td"):
            self._open = (tag, dict(attrs).get("style") or "")

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.cells.append((*self._open, data))
            self._open = None


def cells_of(html: str) -> list[tuple[str, str, str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


@pytest.mark.parametrize(
    ("align", "expected"),
    [("lr", ["left", "right"]), ("rl", ["right", "left"])],
    ids=["name-then-figure", "figure-then-name"],
)
def test_each_column_takes_its_own_alignment(align: str, expected: list[str]) -> None:
    html = aligned_table(["a", "b"], [["x", 1]], align=align)
    sides = [style.split("text-align:")[1].split(";")[0] for _, style, _ in cells_of(html)]
    assert sides == expected * 2


def test_hostile_cell_text_is_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    html = aligned_table(["model"], [[hostile]], align="l")
    assert_inert_html(html)
    assert cells_of(html)[1][2] == hostile


@pytest.mark.parametrize("total_row", [True, False], ids=["with-total", "without-total"])
def test_only_a_total_row_is_bold(total_row: bool) -> None:
    html = aligned_table(["m", "n"], [["a", 1], ["total", 1]], align="lr", total_row=total_row)
    bold = [text for tag, style, text in cells_of(html) if "font-weight:bold" in style]
    assert bold == (["total", "1"] if total_row else [])


def test_compare_summary_reads_latency_tokens_and_cost_per_model() -> None:
    receipt = Receipt(
        model_requested="grok-4.3",
        model="grok-4.3",
        endpoint="responses",
        tier_requested="priority",
        tier="default",
        input_tokens=1200,
        output_tokens=34,
        cost_usd=0.00042,
        ttft_s=0.123,
        elapsed_s=1.5,
    )
    done = GrokResult(text="ok", status="completed", model_requested="grok-4.3", receipt=receipt)
    failed = GrokResult(text="", status="error", model_requested="grok-3-mini")
    headers, rows = compare_summary(["grok-4.3@priority", "grok-3-mini"], [done, failed])
    first = dict(zip(headers, rows[0], strict=True))
    assert first == {
        "asked": "grok-4.3@priority",
        "served by": "grok-4.3",
        "tier": "asked priority, served default",
        "first token": "0.12 s",
        "total": "1.50 s",
        "in": "1,200",
        "out": "34",
        "reasoning": "0",
        "cost": "$0.000420",
        "status": "completed",
    }
    assert rows[1][0] == "grok-3-mini"
    assert rows[1][headers.index("status")] == "error"


def test_compare_columns_escape_labels_and_keep_each_answer() -> None:
    from xai_magics.render import render_columns

    hostile = "<script>alert(1)</script>@priority"
    html = render_columns([(hostile, "<p>first</p>"), ("grok-3-mini", "<p>second</p>")])
    assert_inert_html(html)
    assert hostile not in html
    assert html.index("<p>first</p>") < html.index("<p>second</p>")
    assert html.count('class="xai-compare-cell"') == 2
