"""Sums by model and by local day, filters, threads rebuilt from marks, and the pictures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.history.test_store import entry
from xai_magics.history.chart import svg_bars, text_bars
from xai_magics.history.queries import (
    Filter,
    calls,
    parse_day,
    sums_by,
    thread_from_history,
    thread_names,
)
from xai_magics.history.store import HistoryStore


def at(day: str, hour: int = 12) -> float:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00").timestamp()


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore(tmp_path)
    store.add(
        [
            entry(at=at("2026-05-01", 9), model="grok-4.3", cost_usd=0.01, output_tokens=10),
            entry(at=at("2026-05-01", 23), model="grok-3-mini", cost_usd=0.002, output_tokens=5),
            entry(at=at("2026-05-02", 0), model="grok-4.3", cost_usd=0.03, estimated=1),
            entry(
                at=at("2026-05-03"), kind="batch", model="grok-4.3 (batch)", requests=40,
                cost_usd=0.05,
            ),
            entry(at=at("2026-05-03"), model_requested="grok-9", outcome="error", prompt="oops"),
        ]
    )  # fmt: skip
    return store


def test_sums_by_model_put_the_costliest_first(store: HistoryStore) -> None:
    sums = sums_by(store, "model")
    assert [(s.key, s.requests) for s in sums] == [
        ("grok-4.3 (batch)", 40),
        ("grok-4.3", 2),
        ("grok-3-mini", 1),
        ("grok-9", 1),
    ]
    assert sums[1].cost_usd == pytest.approx(0.04)
    assert sums[1].estimated_usd == pytest.approx(0.03)
    assert sums[3].unknown_cost == 0  # a failed call cost nothing, it is not "unknown"


def test_sums_by_local_day_and_since(store: HistoryStore) -> None:
    days = sums_by(store, "day")
    assert [(s.key, s.requests) for s in days] == [
        ("2026-05-01", 2),
        ("2026-05-02", 1),
        ("2026-05-03", 41),
    ]
    later = sums_by(store, "day", Filter(since=parse_day("2026-05-02")))
    assert [s.key for s in later] == ["2026-05-02", "2026-05-03"]


def test_search_is_a_substring_in_any_case(store: HistoryStore) -> None:
    store.add([entry(prompt="What about 100% of {x}?", answer="Fine")])
    assert [c.prompt for c in calls(store, Filter(search="OOPS"))] == ["oops"]
    assert [c.prompt for c in calls(store, Filter(search="100% of {"))] == [
        "What about 100% of {x}?"
    ]
    assert calls(store, Filter(search="_")) == []


def test_parse_day_says_how_to_write_a_date() -> None:
    assert parse_day("2026-05-01") == at("2026-05-01", 0)
    with pytest.raises(ValueError, match="write YYYY-MM-DD"):
        parse_day("May 1st")


def test_a_thread_is_rebuilt_as_its_reruns_left_it_and_starts_over_after_a_mark(
    tmp_path: Path,
) -> None:
    store = HistoryStore(tmp_path)
    nb = "/work/lesson.ipynb"

    def turn(when: float, key: str, prompt: str, **more: object) -> dict[str, object]:
        return entry(
            at=when, notebook=nb, thread="t", turn_key=key, prompt=prompt, answer=prompt.upper(),
            response_id=f"resp-{prompt}", **more,
        )  # fmt: skip

    store.add(
        [
            turn(1.0, "cell:a", "one", system="Be brief."),
            turn(2.0, "cell:b", "two"),
            turn(3.0, "cell:a", "one again"),  # cell a re-run: replaces "one", drops "two"
            turn(4.0, "cell:c", "three"),
            turn(5.0, "cell:d", "failed", outcome="error"),
            entry(at=6.0, notebook="/other.ipynb", thread="t", turn_key="cell:x", prompt="x"),
        ]
    )
    thread = thread_from_history(store, nb, "t")
    assert thread is not None
    assert thread.system == "Be brief."
    assert [turn.prompt for turn in thread.turns] == ["one again", "three"]
    assert thread.previous_response_id("cell:new") == "resp-three"
    assert thread_names(store, nb) == ["t"]
    store.mark_thread(nb, "t", 4.5)
    assert thread_from_history(store, nb, "t") is None
    assert thread_names(store, nb) == []
    assert thread_names(store, "/other.ipynb") == ["t"]


def test_the_charts_draw_each_day_and_never_hide_a_small_one() -> None:
    labels, values = ["2026-05-01", "2026-05-02"], [1.0, 0.001]
    notes = ["$1.0000 · 3 requests", "$0.001000 · 1 requests"]
    lines = text_bars(labels, values, notes).splitlines()
    assert lines[0].count("█") == 30
    assert lines[1].count("█") == 1
    svg = svg_bars(labels, values, ["<b>", "&"], title="Cost <by> day")
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert "&amp;" in svg
    assert "<script" not in svg
