"""A retried request that is not streamed still says why nothing has arrived yet.

The line ("retrying in 1.0 s (attempt 2): rate limited (HTTP 429)") is transient: the answer
takes its place, so the saved cell holds the answer alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Execution, Kernel
from xai_magics.api import Grok
from xai_magics.threads import ThreadStore
from xai_magics.usage import Ledger

from .kernel_harness import requests_to

if TYPE_CHECKING:
    from xai_magics.client import Retrying
    from xai_magics.emulator import Emulator

ENDPOINTS = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}


def shown_lines(run: Execution) -> list[str]:
    """Every text/plain a display showed during the run, in order (updates included)."""
    return [
        m["content"]["data"].get("text/plain", "")
        for m in run.messages
        if m["msg_type"] in ("display_data", "update_display_data")
    ]


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_no_stream_shows_the_retry_then_the_answer_in_its_place(
    grok_kernel: Kernel, emu: Emulator, api: str
) -> None:
    path = ENDPOINTS[api]
    emu.control.inject("status", path, status=429, retry_after="1")
    emu.control.inject("answer", path, text="after the wait")
    run = grok_kernel.run(f"%%grok --no-stream --api {api} -o r\nQ")
    assert run.ok, run.error_text
    assert run.error_text.strip() == ""
    notices = [line for line in shown_lines(run) if line.startswith("retrying in")]
    assert notices == ["retrying in 1.0 s (attempt 2): rate limited (HTTP 429)"]
    final = run.only_display()["data"]
    assert final["text/plain"].startswith("after the wait")
    assert "retrying" not in final["text/plain"]
    log = requests_to(emu, path)
    assert [r["status"] for r in log] == [429, 200]
    assert log[1]["time"] - log[0]["time"] >= 1.0  # Retry-After was honoured
    assert grok_kernel.value("r.status") == "completed"


def test_no_stream_without_a_retry_shows_only_the_answer(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text="straight away")
    run = grok_kernel.ok("%%grok --no-stream\nQ")
    assert shown_lines(run) == [run.only_display()["data"]["text/plain"]]
    assert run.only_display()["data"]["text/plain"].startswith("straight away")


def test_no_stream_that_runs_out_of_retries_leaves_the_error_alone(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("status", "/v1/responses", status=429, retry_after_ms=50, times=3)
    run = grok_kernel.run("%%grok --no-stream\nQ")
    assert run.reply["ename"] == "UsageError"
    assert "Traceback" not in run.error_text
    assert sum(line.startswith("retrying in") for line in shown_lines(run)) == 2
    assert [o["data"] for o in run.displays] == [{"text/plain": ""}]  # the notice is gone
    assert len(requests_to(emu, "/responses")) == 3


def test_compare_shows_which_model_is_retrying_then_the_columns(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("status", "/v1/responses", status=429, retry_after_ms=300)
    run = grok_kernel.run("%%grok --compare grok-4.3,grok-3-mini\nQ")
    assert run.ok, run.error_text
    lines = shown_lines(run)
    assert lines[0] == "Asking grok-4.3, grok-3-mini…"
    retried = [line for line in lines if "retrying in" in line]
    assert len(retried) == 1
    assert retried[0].startswith("Asking grok-4.3, grok-3-mini… grok-")
    assert "rate limited (HTTP 429)" in retried[0]
    final = run.only_display()["data"]
    assert "== grok-4.3 ==" in final["text/plain"]
    assert "== grok-3-mini ==" in final["text/plain"]
    assert "retrying" not in final["text/plain"]
    assert sorted(r["status"] for r in requests_to(emu, "/responses")) == [200, 200, 429]


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_grok_ask_hands_retry_notices_to_on_retry(
    api_env: dict[str, str], emu: Emulator, stream: bool
) -> None:
    emu.control.inject("status", "/v1/responses", status=503, retry_after_ms=20)
    notices: list[Retrying] = []
    grok = Grok(ledger=Ledger(), threads=ThreadStore())
    try:
        result = grok.ask("Q", stream=stream, on_retry=notices.append)
    finally:
        grok.close()
    assert result.status == "completed"
    assert [(n.attempt, n.delay_s) for n in notices] == [(1, 0.02)]
    assert "503" in notices[0].reason


def test_grok_compare_names_the_spec_that_retried(api_env: dict[str, str], emu: Emulator) -> None:
    emu.control.inject("status", "/v1/responses", status=429, retry_after_ms=20)
    heard: list[tuple[str, Any]] = []
    grok = Grok(ledger=Ledger(), threads=ThreadStore())
    try:
        results = grok.compare(
            "Q", ["grok-4.3", "grok-3-mini"], on_retry=lambda s, n: heard.append((s, n))
        )
    finally:
        grok.close()
    assert all(r.status == "completed" for r in results)
    assert len(heard) == 1
    assert heard[0][0] in ("grok-4.3", "grok-3-mini")
    assert "429" in heard[0][1].reason
