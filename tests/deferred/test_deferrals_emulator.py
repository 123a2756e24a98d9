"""``Deferrals`` from plain Python against the emulator: the store's file, where a request may be
polled, one fetch among several followers, and polls that fail on the way."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import TEST_KEY
from xai_magics.api import Grok
from xai_magics.deferred import Deferrals, DeferredError
from xai_magics.deferred.store import DeferredStore

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

OTHER_KEY = TEST_KEY + "-other"
CANARY = "xai-canary-store-0123456789abcdefghijklmn"
POLL = "/v1/chat/deferred-completion/"


@pytest.fixture
def sessions(api_env: dict[str, str]) -> Iterator[list[Deferrals]]:
    made: list[Deferrals] = []
    yield made
    for later in made:
        later.close()
        later.grok.close()


def deferrals(sessions: list[Deferrals], data_dir: Path) -> Deferrals:
    """A session of its own, with a store connection of its own (as another kernel has)."""
    later = Deferrals(Grok(), store=DeferredStore(data_dir), first_s=0.05, max_s=0.1)
    sessions.append(later)
    return later


def fetches(emu: Emulator, request_id: str, status: int | None = 200) -> list[dict[str, Any]]:
    return [
        e
        for e in emu.control.log()
        if e["path"] == POLL + request_id and status in (None, e["status"])
    ]


def test_the_store_is_private_and_never_holds_the_key(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", CANARY)
    later = deferrals(sessions, tmp_path)
    answer = later.ask("Is the key in here?")
    assert answer.result(timeout=30).text
    files = sorted(tmp_path.iterdir())
    assert files[0].name == "deferred.sqlite3"
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        content = path.read_bytes()
        assert CANARY.encode() not in content
        assert CANARY[4:20].encode() not in content
    assert "Is the key in here?" in later.store.get(answer.request_id).prompt


def test_the_answer_is_stored_before_anyone_is_told(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path
) -> None:
    emu.control.configure(deferred_seconds=0.2)
    later = deferrals(sessions, tmp_path)
    answer = later.ask("Stored first?")
    seen: list[str] = []
    answer.on_end(lambda ending: seen.append(DeferredStore(tmp_path).get(answer.request_id).state))
    answer.result(timeout=30)
    assert seen == ["arrived"]


def test_two_followers_fetch_the_answer_once_and_both_show_it(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path
) -> None:
    emu.control.configure(deferred_seconds=0.6)
    first = deferrals(sessions, tmp_path)
    second = deferrals(sessions, tmp_path)
    asked = first.ask("Who fetches me?")
    other = second.attach(asked.request_id[:8])
    assert other.result(timeout=30).text == asked.result(timeout=30).text
    assert len(fetches(emu, asked.request_id)) == 1


def test_a_request_is_only_polled_with_the_key_that_made_it(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.control.configure(deferred_seconds=30)
    asked = deferrals(sessions, tmp_path).ask("Mine alone")
    monkeypatch.setenv("XAI_API_KEY", OTHER_KEY)
    other = deferrals(sessions, tmp_path)
    stranger = other.attach(asked.request_id)
    with pytest.raises(DeferredError, match="another API key"):
        stranger.result(timeout=30)
    assert other.store.get(asked.request_id).state == "pending"  # for its own key to fetch
    sent = {e["key_sha256"] for e in fetches(emu, asked.request_id, status=None)}
    assert hashlib.sha256(OTHER_KEY.encode()).hexdigest() not in sent  # never asked with it


def test_server_trouble_is_noted_and_polled_through(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path
) -> None:
    emu.control.configure(deferred_seconds=0.8)
    emu.control.inject("status", POLL + "*", method="GET", status=503, times=2)
    later = deferrals(sessions, tmp_path)
    troubles: list[str] = []
    answer = later.ask("Through the storm")
    answer.on_trouble(troubles.append)
    assert answer.result(timeout=30).text
    assert troubles[0].startswith("still waiting; the last poll failed:")
    assert troubles[-1] == ""  # said to be over once a poll got through again
    assert len(fetches(emu, answer.request_id, status=503)) == 2
    assert len(fetches(emu, answer.request_id)) == 1
    assert later.store.get(answer.request_id).error is None


def test_an_answer_lost_on_its_way_is_said_to_be_gone(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path
) -> None:
    # xAI hands the answer out, then the connection drops: the next poll can only get a 404
    emu.control.inject("commit_then_fail", POLL + "*", method="GET", then="reset")
    later = deferrals(sessions, tmp_path)
    answer = later.ask("Lost in transit")
    with pytest.raises(DeferredError, match="connection broke") as failure:
        answer.result(timeout=30)
    assert "expired" in str(failure.value)
    assert later.store.get(answer.request_id).state == "expired"


def test_an_unknown_or_ambiguous_prefix_is_refused(
    emu: Emulator, sessions: list[Deferrals], tmp_path: Path
) -> None:
    later = deferrals(sessions, tmp_path)
    with pytest.raises(DeferredError, match="no deferred request"):
        later.attach("0000")
    ids = [later.ask(f"Question {n}").request_id for n in range(17)]
    # seventeen ids over sixteen hex digits: two share their first character
    shared = next(a[:1] for a in ids if sum(1 for b in ids if b.startswith(a[:1])) > 1)
    with pytest.raises(DeferredError, match="fits"):
        later.attach(shared)
