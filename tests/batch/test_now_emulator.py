"""submit_now() against the emulator over real sockets: rate limits, stored rows, resumption."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel

from xai_magics.batch.now import NowDryRun, NowSettings, submit_now

PROMPT = "Label: {review}"
WARM = {"model": "grok-4.3", "messages": [{"role": "user", "content": "warm"}]}


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"review": [f"review number {i}" for i in range(n)]})


def _answered_prompts(emu: Any, path: str = "/v1/responses") -> Counter[str]:
    """How often each prompt was answered (status 200) according to the emulator's log."""
    seen: Counter[str] = Counter()
    for entry in emu.control.log():
        if entry["path"] == path and entry["status"] == 200:
            body = entry["body"]
            seen[body.get("input") or body["messages"][-1]["content"]] += 1
    return seen


@pytest.fixture
def now(batch_client: Any, tmp_path: Path) -> Any:
    def run(df: Any, **kw: Any) -> Any:
        kw.setdefault("data_dir", str(tmp_path))
        return submit_now(df, PROMPT, client=batch_client, **kw)

    return run


def test_every_row_is_answered_under_a_requests_limit_with_429s_waited_out(
    emu: Any, now: Any, batch_client: Any
) -> None:
    emu.control.configure(
        rate_limit_enforced=True, rate_limit_requests=600, rate_limit_window_seconds=1.0
    )
    # use up the first window, so the run meets real 429s before it learns the limit
    for _ in range(10):
        batch_client.transport.request("POST", "/chat/completions", json=WARM, max_retries=0)
    out = now(_frame(30), settings=NowSettings(max_concurrency=8))
    assert list(out["answer_status"]) == ["ok"] * 30
    assert out["answer"].notna().all()
    assert (out["answer_input_tokens"] > 0).all()
    assert (out["answer_output_tokens"] > 0).all()
    assert (out["answer_cost_usd"] > 0).all()
    log = emu.control.log()
    refused = [e for e in log if e["status"] == 429]
    assert refused, "the run never met the limit"
    answered = _answered_prompts(emu)
    assert set(answered.values()) == {1}
    assert len(answered) == 30
    # after each 429, no request arrived before the wait it named was over (a request already
    # on its way when the 429 was answered may arrive within the first moments)
    arrivals = [e["time"] for e in log if e["path"] == "/v1/responses"]
    for r in refused:
        start, end = r["time"] + 0.1, r["time"] + r["retry_after_ms"] / 1000 - 0.01
        assert not [t for t in arrivals if start < t < end]


def test_a_stopped_run_keeps_its_answers_and_a_rerun_sends_only_the_rest(
    emu: Any, now: Any
) -> None:
    emu.control.configure(ttft_ms=30)
    stop = threading.Event()
    seen: list[int] = []

    def progress(snapshot: Any) -> None:
        seen.append(snapshot.succeeded)
        if snapshot.succeeded >= 5:
            stop.set()

    first = now(_frame(40), on_progress=progress, stop=stop)
    statuses = Counter(first["answer_status"])
    assert statuses["ok"] >= 5
    assert statuses["cancelled"] > 0
    assert statuses["ok"] + statuses["cancelled"] == 40
    second = now(_frame(40))
    assert list(second["answer_status"]) == ["ok"] * 40
    answered = _answered_prompts(emu)
    assert len(answered) == 40
    assert set(answered.values()) == {1}
    # the first run's answers are the ones kept
    kept = first["answer_status"] == "ok"
    assert list(second["answer"][kept]) == list(first["answer"][kept])


def test_chat_endpoint_priority_tier_and_schema_fields(emu: Any, now: Any) -> None:
    class Label(BaseModel):
        sentiment: str

    out = now(
        _frame(3),
        schema=Label,
        settings=NowSettings(endpoint="chat", tier="priority"),
    )
    assert list(out["answer_status"]) == ["ok"] * 3
    assert out["sentiment"].notna().all()
    bodies = [e["body"] for e in emu.control.log() if e["path"] == "/v1/chat/completions"]
    assert len(bodies) == 3
    assert all(b["service_tier"] == "priority" for b in bodies)
    assert all(b["response_format"]["json_schema"]["name"] == "Label" for b in bodies)


def test_dry_run_compares_prices_and_time_and_sends_nothing(emu: Any, now: Any) -> None:
    dry = now(_frame(20), dry_run=True)
    assert isinstance(dry, NowDryRun)
    text = dry.summary()
    for line in ("--now:", "--now --tier priority:", "batch (no --now):"):
        assert line in text
    assert "Nothing was sent" in text
    assert not [e for e in emu.control.log() if e["path"].startswith("/v1/")]


def test_the_batch_dry_run_suggests_now_for_a_small_frame_and_a_batch_for_a_large_one(
    emu: Any,
) -> None:
    from xai_magics.batch import submit
    from xai_magics.batch.now.estimate import batch_hint

    small = submit(_frame(20), PROMPT, dry_run=True).summary()
    assert "--now answers them in about" in small
    assert "A batch suits 200,000 rows" in batch_hint(200_000)
    assert not [e for e in emu.control.log() if e["path"].startswith("/v1/")]


def test_the_runs_spend_reaches_the_session_ledger_by_echoed_tier(emu: Any, now: Any) -> None:
    from xai_magics.usage import session_ledger

    before = len(session_ledger().receipts)
    out = now(_frame(4), settings=NowSettings(tier="priority"))
    receipts = session_ledger().receipts[before:]
    assert [(r.tier_requested, r.tier, r.requests) for r in receipts] == [
        ("priority", "priority", 4)
    ]
    assert receipts[0].cost_usd == pytest.approx(out["answer_cost_usd"].sum())


def test_two_runs_of_one_job_at_once_send_each_row_once(emu: Any, now: Any) -> None:
    emu.control.configure(ttft_ms=20)
    frames: list[Any] = []
    runs = [threading.Thread(target=lambda: frames.append(now(_frame(24)))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert len(frames) == 2
    for frame in frames:
        assert list(frame["answer_status"]) == ["ok"] * 24
    answered = _answered_prompts(emu)
    assert len(answered) == 24
    assert set(answered.values()) == {1}


def test_schema_fields_over_responses_with_its_text_format(emu: Any, now: Any) -> None:
    class Label(BaseModel):
        sentiment: str

    out = now(_frame(2), schema=Label)
    assert out["sentiment"].notna().all()
    bodies = [e["body"] for e in emu.control.log() if e["path"] == "/v1/responses"]
    assert [b["text"]["format"]["name"] for b in bodies] == ["Label", "Label"]
    assert all(b["store"] is False for b in bodies)


def test_a_refused_row_ends_error_with_the_servers_words_and_is_sent_again_next_run(
    emu: Any, now: Any
) -> None:
    emu.control.inject(
        "status", "/v1/responses", status=400, message="This prompt was refused (simulated)."
    )
    first = now(_frame(5), settings=NowSettings(max_concurrency=1))
    assert Counter(first["answer_status"]) == {"ok": 4, "error": 1}
    assert "refused (simulated)" in first["answer_error"][first["answer_status"] == "error"].iloc[0]
    second = now(_frame(5))
    assert list(second["answer_status"]) == ["ok"] * 5
    answered = _answered_prompts(emu)
    assert len(answered) == 5
    assert set(answered.values()) == {1}


def test_server_errors_and_resets_are_retried_and_every_row_answered(emu: Any, now: Any) -> None:
    emu.control.inject("status", "/v1/responses", status=503)
    emu.control.inject("reset", "/v1/responses")
    out = now(_frame(6), settings=NowSettings(max_concurrency=1))
    assert list(out["answer_status"]) == ["ok"] * 6
    statuses = [e["status"] for e in emu.control.log() if e["path"] == "/v1/responses"]
    assert statuses.count(503) == 1
    assert statuses.count(200) == 6
