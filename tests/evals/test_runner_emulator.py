"""``evals.run`` in this process against the emulator: paths by tier, and frames whose columns
share names with a job's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.batch.helpers import FAST, client_for, creates
from xai_magics.emulator.quiz import quiz_answer
from xai_magics.evals import run

ROWS = 12
TERSE = "What is {a} + {b}? Reply with just the number."


@pytest.fixture
def client(api_env: dict[str, str]) -> Iterator[Any]:
    made = client_for(api_env)
    try:
        yield made
    finally:
        made.close()


def _quiz() -> pd.DataFrame:
    quiz = pd.DataFrame({"a": range(20, 20 + ROWS), "b": range(3, 3 + ROWS)})
    quiz["answer"] = quiz.a + quiz.b  # named like a job's default output column
    return quiz


def test_a_priority_variant_runs_in_real_time_at_the_priority_tier_beside_a_batch(
    emu: Any, client: Any, tmp_path: Path
) -> None:
    result = run(
        _quiz(),
        prompt=TERSE,
        expected="answer",
        models="grok-4.3,grok-4.3@priority",
        grader="number",
        client=client,
        data_dir=str(tmp_path),
        settings=FAST,
    )
    assert creates(emu) == 1  # the default-tier variant, as a batch
    chats = [e for e in emu.control.log() if e["path"] == "/v1/chat/completions"]
    assert len(chats) == ROWS
    assert {e["body"]["service_tier"] for e in chats} == {"priority"}
    rows = result.rows
    assert set(rows["tier"]) == {"default", "priority"}
    # granted: each answer says the tier it was asked for (the batch's say "default")
    assert (rows["tier_served"] == rows["tier"]).all()
    assert set(result.leaderboard["tier_served"]) == {"default", "priority"}
    cost = rows.groupby("tier")["cost_usd"].sum()
    assert cost["priority"] > cost["default"]  # a batch is billed below list, priority above
    latency = rows.groupby("tier")["latency_s"]
    assert latency.apply(lambda s: s.isna().all())["default"]
    assert latency.apply(lambda s: s.gt(0).all())["priority"]
    for r in rows.itertuples():
        assert r.answer == quiz_answer(TERSE.format(a=20 + r.row, b=3 + r.row), "grok-4.3", None)


def test_a_template_reading_a_column_named_answer_still_runs(
    emu: Any, client: Any, tmp_path: Path
) -> None:
    quiz = _quiz().rename(columns={"a": "answer", "answer": "total"})
    template = "What is {answer} + {b}? Reply with just the number."
    result = run(
        quiz,
        prompt=template,
        expected="total",
        grader="number",
        mode="now",
        client=client,
        data_dir=str(tmp_path),
    )
    assert result.rows["answer"].notna().all()
    assert list(result.rows["expected"]) == list(quiz["total"])
