"""Calls from plain Python land in the history as the magics would leave them, and threads
are rebuilt from it by a fresh session (a restarted kernel, without the kernel)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from xai_magics.api import Grok
from xai_magics.history import recorder
from xai_magics.history.hooks import restore_thread
from xai_magics.history.queries import Filter, calls
from xai_magics.threads import ThreadStore
from xai_magics.usage import Ledger

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator
    from xai_magics.history.recorder import Recorder

CANARY = "xai-canary-history-0123456789abcdefghijklmnop"


_SESSIONS: list[Grok] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _SESSIONS:
        _SESSIONS.pop().close()


@pytest.fixture
def history(tmp_path: Path) -> Iterator[Recorder]:
    active = recorder.enable(tmp_path)
    yield active
    recorder.disable()


def session() -> Grok:
    """A session as the magic makes one: its threads are looked up in the history."""
    grok = Grok(ledger=Ledger(), threads=ThreadStore(loader=restore_thread))
    _SESSIONS.append(grok)
    return grok


def recorded(active: Recorder) -> list[dict[str, object]]:
    """Every call in the store, oldest first."""
    assert active.flush()
    return [c.fields for c in reversed(calls(active.store(), Filter()))]


def test_an_answer_is_recorded_with_its_receipt(
    api_env: dict[str, str], emu: Emulator, history: Recorder
) -> None:
    emu.control.inject("answer", "/v1/responses", text="Tides follow the moon.")
    result = session().ask("Why tides?", tier="priority", temperature=0.5)
    [row] = recorded(history)
    assert result.receipt is not None
    assert row["prompt"] == "Why tides?"
    assert row["answer"] == "Tides follow the moon."
    assert (row["kind"], row["model_requested"], row["model"]) == (
        "responses",
        "grok-4.3",
        result.model,
    )
    assert (row["tier_requested"], row["tier"]) == ("priority", result.tier)
    assert (row["input_tokens"], row["output_tokens"]) == (
        result.receipt.input_tokens,
        result.receipt.output_tokens,
    )
    assert row["cost_usd"] == pytest.approx(result.cost_usd)
    assert row["response_id"] == result.response_id
    assert row["outcome"] == "ok"
    assert row["server"] == api_env["XAI_BASE_URL"].rstrip("/")
    assert json.loads(str(row["options"])) == {"temperature": 0.5}
    assert row["session"] == history.session


def test_each_compare_column_is_an_entry(
    api_env: dict[str, str], emu: Emulator, history: Recorder
) -> None:
    session().compare("Haiku about rain", ["grok-4.3", "grok-3-mini"])
    rows = recorded(history)
    assert sorted(str(r["model_requested"]) for r in rows) == ["grok-3-mini", "grok-4.3"]
    assert {r["prompt"] for r in rows} == {"Haiku about rain"}


def test_a_failed_call_is_recorded_as_an_error(
    api_env: dict[str, str], emu: Emulator, history: Recorder
) -> None:
    emu.control.inject("status", "/v1/responses", status=400, body={"error": "bad thing here"})
    result = session().ask("This fails")
    assert result.status == "error"
    [row] = recorded(history)
    assert row["outcome"] == "error"
    assert row["prompt"] == "This fails"
    assert "bad thing here" in str(row["error"])


def test_a_stopped_answer_is_recorded_as_stopped(
    api_env: dict[str, str], emu: Emulator, history: Recorder
) -> None:
    emu.control.configure(tokens_per_second=100)
    emu.control.inject("answer", "/v1/responses", text=" ".join(["word"] * 300))
    from xai_magics.client import TextDelta

    answer = session().stream("Talk a lot")
    for event in answer:
        if isinstance(event, TextDelta):
            answer.stop()
    result = answer.result()
    [row] = recorded(history)
    assert (row["outcome"], row["answer"]) == ("stopped", result.text)
    assert row["estimated"] == 1


def test_nothing_is_recorded_when_history_is_off(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    active = recorder.enable(tmp_path)
    recorder.disable()
    session().ask("Not kept")
    assert recorder.active() is None
    assert recorded(active) == []


def test_the_key_never_reaches_the_store_file(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, history: Recorder
) -> None:
    monkeypatch.setenv("XAI_API_KEY", CANARY)
    # The key in the URL's credentials too: the server is kept without them.
    monkeypatch.setenv("XAI_BASE_URL", emu.base_url.replace("http://", f"http://u:{CANARY}@"))
    grok = session()
    grok.ask("A normal question")
    emu.control.inject("status", "/v1/responses", status=401, body={"error": f"bad key {CANARY}"})
    grok.ask("A rejected question")
    rows = recorded(history)
    assert [r["outcome"] for r in rows] == ["ok", "error"]
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"A rejected question" in on_disk  # the files do hold what was written
    assert CANARY.encode() not in on_disk


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_thread_continues_in_a_fresh_session(
    api: str, api_env: dict[str, str], emu: Emulator, history: Recorder
) -> None:
    first = session()
    one = first.ask("My name is Ada.", api=api, thread="intro", turn_key="cell:1")
    seen = len(emu.control.log())
    # A new session holds no threads: the history gives "intro" back.
    later = session()
    two = later.ask("What is my name?", api=api, thread="intro", turn_key="cell:2")
    assert two.ok, two.error
    [body] = [r["body"] for r in emu.control.log()[seen:] if r["path"].endswith(_path(api))]
    if api == "responses":
        assert body["previous_response_id"] == one.response_id
    else:
        said = [(m["role"], m["content"]) for m in body["messages"]]
        assert said[:2] == [("user", "My name is Ada."), ("assistant", one.text)]
    thread = later.threads.get("intro")
    assert thread is not None
    assert [t.prompt for t in thread.turns] == ["My name is Ada.", "What is my name?"]


def _path(api: str) -> str:
    return "/responses" if api == "responses" else "/chat/completions"


def test_a_new_thread_does_not_continue_the_old_one(
    api_env: dict[str, str], emu: Emulator, history: Recorder
) -> None:
    first = session()
    first.ask("Old turn", new_thread=True, turn_key="cell:a")
    later = session()
    later.ask("New turn", new_thread=True, turn_key="cell:b")  # chat-1 again, started over
    again = session()
    thread = again.threads.get("chat-1")
    assert thread is not None
    assert [t.prompt for t in thread.turns] == ["New turn"]


def test_an_unwritable_history_never_costs_an_answer(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data dir should be")
    active = recorder.enable(blocked)
    try:
        result = session().ask("Still answered?")
        assert result.ok
        assert active.flush()
        assert active.error is not None
        assert "1 call(s) were not recorded" in active.error
        assert "cannot open the history" in active.error
    finally:
        recorder.disable()


def _record_in_child() -> None:
    active = recorder.active()
    assert active is not None
    active.add({**_CHILD_ENTRY, "at": 1.0})
    assert active.flush(timeout=20)
    assert active.error is None, active.error


_CHILD_ENTRY = {
    "kind": "chat",
    "model_requested": "m",
    "prompt": "from the child",
    "answer": "",
    "outcome": "ok",
}


def test_a_forked_child_records_with_its_own_writer(history: Recorder) -> None:
    history.add({**_CHILD_ENTRY, "prompt": "from the parent", "at": 0.5})
    assert history.flush()
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=_record_in_child)
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    prompts = [row["prompt"] for row in recorded(history)]
    assert prompts == ["from the parent", "from the child"]
