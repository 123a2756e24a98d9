"""Without a notebook: terminal IPython degrades to text, and ``Grok`` works from plain Python."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from xai_magics.api import Grok, PromptRefused
from xai_magics.threads import ThreadStore
from xai_magics.usage import Ledger

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


def test_terminal_ipython_streams_text_then_the_receipt(
    api_env: dict[str, str], emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text="Plain **text** answer")
    script = (
        "get_ipython().run_line_magic('load_ext', 'xai_magics')\n"
        "get_ipython().run_line_magic('grok', 'hello there')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", script],
        capture_output=True, text=True, timeout=60, env={**os.environ, **api_env}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Plain **text** answer" in done.stdout
    assert "[grok-4.3 · default tier ·" in done.stdout
    assert "<" not in done.stdout  # no HTML in a terminal


@pytest.fixture
def grok(api_env: dict[str, str], emu: Emulator) -> Iterator[Grok]:
    session = Grok(ledger=Ledger(), threads=ThreadStore())
    yield session
    session.close()


def test_ask_returns_a_result_with_receipt(grok: Grok, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text="hi there")
    r = grok.ask("hello")
    assert (r.text, r.status, r.tier) == ("hi there", "completed", "default")
    assert r.receipt is not None
    assert r.receipt.output_tokens == r.usage.output_tokens
    assert grok.ledger.calls == 1


def test_stream_yields_deltas_and_stop_keeps_partial(grok: Grok, emu: Emulator) -> None:
    from xai_magics.client import TextDelta

    full = " ".join(["w"] * 200)
    emu.control.configure(tokens_per_second=200)
    emu.control.inject("answer", "/v1/responses", text=full)
    answer = grok.stream("x")
    pieces = []
    for event in answer:
        if isinstance(event, TextDelta):
            pieces.append(event.text)
        if len(pieces) == 10:
            answer.stop()
            break
    r = answer.result()
    assert r.status == "stopped"
    # the snapshot holds at least what was handed out (the client may have read a bit more)
    assert r.text.startswith("".join(pieces))
    assert len(r.text) < len(full)
    # xAI bills what was generated: the session counts it, marked as an estimate
    assert r.usage is None
    assert r.receipt is not None
    assert r.receipt.estimated
    assert r.receipt.output_tokens > 0
    assert grok.ledger.estimated_usd == grok.ledger.spend_usd == r.cost_usd > 0


def test_terminal_ipython_says_why_an_answer_is_incomplete(
    api_env: dict[str, str], emu: Emulator
) -> None:
    script = (
        "get_ipython().run_line_magic('load_ext', 'xai_magics')\n"
        "get_ipython().run_line_magic('grok', '--max-tokens 3 hello there')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", script],
        capture_output=True, text=True, timeout=60, env={**os.environ, **api_env}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "[incomplete: cut at --max-tokens 3; raise --max-tokens to get the rest]" in done.stdout
    assert "[grok-4.3 · default tier ·" in done.stdout


def test_threads_from_python(grok: Grok, emu: Emulator) -> None:
    a = grok.ask("one", thread="t", turn_key="1")
    grok.ask("two", thread="t", turn_key="2")
    bodies = [r["body"] for r in emu.control.log() if r["path"] == "/v1/responses"]
    assert bodies[1]["previous_response_id"] == a.response_id


def test_prompt_with_the_key_is_refused_before_sending(grok: Grok, emu: Emulator) -> None:
    with pytest.raises(PromptRefused, match="XAI_API_KEY"):
        grok.ask("key: " + os.environ["XAI_API_KEY"])
    assert emu.control.log() == []


def test_repr_never_holds_the_key(grok: Grok, emu: Emulator) -> None:
    r = grok.ask("x")
    key = os.environ["XAI_API_KEY"]
    for text in (repr(grok), repr(r), str(grok.dry_run("x")), repr(r.receipt)):
        assert key not in text


def test_key_never_reaches_logs_results_or_errors(
    api_env: dict[str, str], emu: Emulator, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import logging

    canary = "xai-canary-logs-0123456789abcdefghij"
    monkeypatch.setenv("XAI_API_KEY", canary)
    caplog.set_level(logging.DEBUG)
    session = Grok(ledger=Ledger(), threads=ThreadStore())
    try:
        results = [session.ask("ok")]
        emu.control.inject("reset_mid_stream", "/v1/responses", after_events=8)
        results.append(session.ask("cut"))
        emu.control.inject("status", "/v1/responses", status=401)
        results.append(session.ask("rejected"))
        results.append(session.ask("no stream", stream=False))
    finally:
        session.close()
    assert [r.status for r in results] == ["completed", "error", "error", "completed"]
    texts = [repr(r) + str(r.error) + str(r.mime_bundle()) for r in results]
    texts += [r.getMessage() + repr(r.args) for r in caplog.records]
    assert caplog.records  # DEBUG logging was on and said something
    assert not [t for t in texts if canary in t]
