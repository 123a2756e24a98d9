"""``%grok_batch --now`` in a real kernel against an emulator that limits requests per minute."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.batch.kernel import kernel_with

pytestmark = pytest.mark.kernel

ROWS = 50
SETUP = f"""
%load_ext xai_magics
import pandas as pd
reviews = pd.DataFrame({{"review": [f"review number {{i}}" for i in range({ROWS})]}})
"""
CELL = '%grok_batch reviews --prompt "Sentiment of: {review}" --now --concurrency 8'


def _answers(emu: Any) -> Counter[str]:
    """Each prompt's answered (200) requests, from the emulator's request log."""
    return Counter(
        e["body"]["input"]
        for e in emu.control.log()
        if e["path"] == "/v1/responses" and e["status"] == 200
    )


def test_now_answers_every_row_once_across_an_interrupt_honouring_429s(
    emu: Any, api_env: dict[str, str], tmp_path: Path
) -> None:
    # 300 requests per minute, counted over 6 s windows: 30 per window
    emu.control.configure(
        rate_limit_enforced=True,
        rate_limit_requests=300,
        rate_limit_window_seconds=6.0,
        ttft_ms=20,
    )
    with kernel_with(api_env, tmp_path, SETUP) as kernel:
        _use_up_the_window(emu, api_env)
        cell = kernel.start(CELL)
        deadline = time.monotonic() + 60
        while sum(_answers(emu).values()) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        kernel.kernel.interrupt()
        stopped = kernel.finish(cell)
        assert "Run the cell again" in stopped
        before = _answers(emu)
        assert 15 <= sum(before.values()) < ROWS
        out = kernel.run(f"done = {CELL}\nprint(done['answer_status'].value_counts().to_dict())")
        assert f"{{'ok': {ROWS}}}" in out["stdout"]
    answers = _answers(emu)
    assert len(answers) == ROWS
    assert set(answers.values()) == {1}  # no row sent twice, across the interrupt too
    log = emu.control.log()
    refused = [e for e in log if e["path"] == "/v1/responses" and e["status"] == 429]
    assert refused
    arrivals = [e["time"] for e in log if e["path"] == "/v1/responses"]
    for r in refused:
        start, end = r["time"] + 0.1, r["time"] + r["retry_after_ms"] / 1000 - 0.01
        assert not [t for t in arrivals if start < t < end]


def _use_up_the_window(emu: Any, api_env: dict[str, str]) -> None:
    """Spend the current window from outside the kernel, so its first requests meet 429s."""
    headers = {"Authorization": f"Bearer {api_env['XAI_API_KEY']}"}
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "elsewhere"}]}
    with httpx.Client(base_url=emu.base_url, headers=headers, timeout=10) as http:
        while http.post("/chat/completions", json=body).status_code == 200:
            pass


def test_tab_completion_offers_now_and_its_choices(api_env: dict[str, str], tmp_path: Path) -> None:
    with kernel_with(api_env, tmp_path, SETUP) as kernel:
        options, _ = kernel.kernel.complete("%grok_batch reviews --no")
        assert "--now" in options
        tiers, _ = kernel.kernel.complete("%grok_batch reviews --now --tier ")
        assert sorted(tiers) == ["default", "priority"]
        apis, _ = kernel.kernel.complete("%grok_batch reviews --now --api ")
        assert sorted(apis) == ["chat", "responses"]
