"""examples/batch.ipynb, executed end to end by nbclient in a real kernel against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.notebooks import cell_text, run_example

pytestmark = pytest.mark.kernel

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "batch.ipynb"


def test_batch_notebook_runs_end_to_end(
    emu: Any, api_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path))
    code = run_example(NOTEBOOK, tmp_path)
    dry, labelled, structured, python_api, lazy, now_dry, now, listing = (
        cell_text(c) for c in code if "%grok_batch" in c.source or "submit(" in c.source
    )
    assert "8 rows: 7 would be sent, 1 skipped. Nothing was sent." in dry
    assert "row 3 (index 202): skipped, column 'review text' is empty" in dry
    assert '"max_tokens": 20' in dry  # the first request, pretty-printed
    assert labelled.count(" ok ") == 7
    assert "skipped" in labelled
    assert "review_id" in labelled  # the index came back
    for column in ("sentiment", "score", "mentions_defect", "label_status"):
        assert column in structured
    assert structured.count(" ok") == 7
    assert "mood_status" in python_api
    assert "shape: (8, 3)" in python_api
    assert "shape: (8, 3)" in lazy  # collected only here, from the LazyFrame that came back
    assert lazy.count(" ok ") == 7
    assert list((tmp_path / "topics").glob("part-*.parquet"))  # --to
    for price in ("--now:", "--now --tier priority:", "batch (no --now):"):
        assert price in now_dry
    assert now.count(" ok ") == 3  # one of the four rows is the empty review
    assert "skipped" in now
    for name in (
        "reviews.sentiment",
        "reviews.label",
        "moods",
        "lazy_reviews.topic",
        "few.mood.now",
    ):
        assert name in listing
    assert "(answered now, no batch)" in listing
    log = emu.control.log()
    assert sum(1 for e in log if e["method"] == "POST" and e["path"] == "/v1/batches") == 4
    sent = [
        r["batch_request"]["chat_get_completion"]["messages"][-1]["content"]
        for e in log
        if e["method"] == "POST" and e["path"].endswith("/requests")
        for r in e["body"]["batch_requests"]
    ]
    assert len(sent) == 28
    answered_now = [e for e in log if e["path"] == "/v1/responses" and e["status"] == 200]
    assert len(answered_now) == 3
    braces = "Easy to assemble; the {drawer} sticks a little."
    assert f"Label this review of a desk: {braces}" in sent
