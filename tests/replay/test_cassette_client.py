"""Record against the emulator, then play with the network unreachable and no key: every
kind of exchange (JSON, streamed SSE, speech over REST and WebSocket, a batch polled until done)
comes back the same, and the cassette never holds the key in any form."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from xai_magics import replay
from xai_magics.client import IncompleteStreamError, XAIClient
from xai_magics.client.tts_stream import AudioDone

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

CANARY = "xai-canary-replay-0123456789abcdefghijklmnop"
DEAD_URL = "http://127.0.0.1:9/v1"  # the discard port: nothing answers there


@pytest.fixture(autouse=True)
def replay_off() -> Iterator[None]:
    yield
    replay.off()


def canary_forms() -> list[str]:
    return [
        CANARY,
        CANARY[4:20],
        base64.b64encode(CANARY.encode()).decode()[:24],
        base64.b64encode(("Bearer " + CANARY).encode()).decode()[:24],
        urllib.parse.quote(CANARY),
    ]


def assert_no_key(path: Path) -> None:
    text = path.read_text()
    for form in canary_forms():
        assert form not in text, form


def speak_stream(client: XAIClient, text: str) -> bytes:
    with client.tts.stream(codec="pcm", sample_rate=8000) as session:
        session.send_text(text)
        session.done()
        events = list(session)
    assert isinstance(events[-1], AudioDone)
    return b"".join(getattr(e, "audio", b"") for e in events)


def poll_batch(client: XAIClient, batch_id: str) -> tuple[int, list[str]]:
    polls = 0
    while True:
        polls += 1
        batch = client.batches.get(batch_id)
        if batch.state.num_pending == 0:
            break
        assert polls < 500, "polling did not end"
        time.sleep(0.01)
    texts = [r.completion.text for r in client.batches.iter_results(batch_id) if r.completion]
    return polls, sorted(texts)


def every_kind(client: XAIClient) -> dict[str, object]:
    """One call of each kind the magics make, and what a user would compare."""
    made = client.responses.create(model="grok-4.3", input="Plain answer please")
    streamed = client.responses.stream(model="grok-4.3", input="Stream this").until_done()
    chat = client.chat.stream(
        model="grok-4.3", messages=[{"role": "user", "content": "Chat stream"}]
    ).until_done()
    speech = client.tts.speak("Hello from the cassette", codec="mp3")
    batch = client.batches.create("replayed")
    client.batches.add_requests(
        batch.batch_id,
        [
            {
                "batch_request_id": f"row-{i}",
                "batch_request": {
                    "chat_get_completion": {
                        "model": "grok-4.3",
                        "messages": [{"role": "user", "content": f"Row {i}?"}],
                    }
                },
            }
            for i in range(3)
        ],
    )
    _, batch_texts = poll_batch(client, batch.batch_id)
    return {
        "made": (made.text, made.id, made.usage),
        "streamed": (streamed.text, streamed.reasoning, streamed.usage),
        "chat": chat.text,
        "speech": speech.audio,
        "socket": speak_stream(client, "Streamed speech from the cassette"),
        "batch": batch_texts,
    }


def test_every_kind_replays_offline_without_key(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", CANARY)
    path = tmp_path / "all.grok.jsonl"
    replay.record(path)
    with XAIClient() as client:
        live = every_kind(client)
    assert replay.state().recorded >= 8
    assert_no_key(path)

    monkeypatch.delenv("XAI_API_KEY")
    monkeypatch.setenv("XAI_BASE_URL", DEAD_URL)
    before = len(emu.control.log())
    replay.play(path, pace="instant")
    with XAIClient() as client:
        assert repr(client).endswith("(from replay))")
        played = every_kind(client)
    assert played == live
    assert len(emu.control.log()) == before  # nothing reached any server
    assert replay.state().misses == 0


@pytest.fixture
def cassette(api_env: dict[str, str], emu: Emulator, tmp_path: Path) -> Path:
    """A fresh cassette being recorded against the emulator."""
    path = tmp_path / "test.grok.jsonl"
    replay.record(path)
    return path


def play_offline(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XAI_BASE_URL", DEAD_URL)
    replay.play(path, pace="instant")


def test_a_miss_names_the_closest_recorded_request(
    cassette: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cassette
    with XAIClient() as client:
        client.responses.create(model="grok-4.3", input="What is a monad?", temperature=0.2)
        client.responses.create(model="grok-4.3", input="Name three rivers")
    play_offline(path, monkeypatch)
    with XAIClient() as client, pytest.raises(replay.ReplayMiss) as caught:
        client.responses.create(model="grok-4.3", input="What is a monad?", temperature=0.7)
    message = str(caught.value)
    assert "\n" not in message
    assert "closest recorded: POST /v1/responses (grok-4.3, “What is a monad?”)" in message
    assert "temperature 0.7 vs 0.2" in message
    assert "--fallback live" in message
    assert (replay.state().hits, replay.state().misses) == (0, 1)


def test_fallback_live_sends_a_miss_to_the_service(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "fallback.grok.jsonl"
    replay.record(path)
    with XAIClient() as client:
        recorded = client.responses.create(model="grok-4.3", input="Recorded question")
    replay.play(path, pace="instant", fallback="live")
    before = len(emu.control.log())
    with XAIClient() as client:
        again = client.responses.create(model="grok-4.3", input="Recorded question")
        fresh = client.responses.create(model="grok-4.3", input="A new question")
    assert again.id == recorded.id
    assert fresh.text
    assert fresh.id != recorded.id
    assert len(emu.control.log()) == before + 1
    state = replay.state()
    assert (state.hits, state.misses, state.live) == (1, 1, 1)


def test_cache_keys_and_previous_ids_do_not_change_the_fingerprint(
    cassette: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cassette
    with XAIClient() as client:
        first = client.responses.stream(
            model="grok-4.3", input="Same question", prompt_cache_key="run-1"
        ).until_done()
    play_offline(path, monkeypatch)
    with XAIClient() as client:
        second = client.responses.stream(
            model="grok-4.3", input="Same question", prompt_cache_key="run-2"
        ).until_done()
    assert second.text == first.text


def test_recorded_pace_replays_a_stream_as_slowly_as_it_came(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.control.configure(ttft_ms=150, tokens_per_second=400)
    path = tmp_path / "pace.grok.jsonl"
    replay.record(path)
    with XAIClient() as client:
        live = client.responses.stream(model="grok-4.3", input="Paced answer").until_done()
    monkeypatch.setenv("XAI_BASE_URL", DEAD_URL)
    timings = {}
    for pace in ("recorded", "instant"):
        replay.play(path, pace=pace)  # type: ignore[arg-type]
        with XAIClient() as client:
            played = client.responses.stream(model="grok-4.3", input="Paced answer").until_done()
        assert played.text == live.text
        timings[pace] = played.elapsed_s
    assert live.elapsed_s is not None
    assert timings["recorded"] is not None
    assert timings["recorded"] >= 0.8 * live.elapsed_s
    assert timings["instant"] is not None
    assert timings["instant"] < 0.5 * live.elapsed_s


def test_a_stream_cut_short_is_not_recorded(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "cut.grok.jsonl"
    replay.record(path)
    emu.control.inject("reset_mid_stream", "/v1/responses", after_events=5)
    with XAIClient(max_retries=0) as client, pytest.raises(IncompleteStreamError):
        client.responses.stream(model="grok-4.3", input="Cut me").until_done()
    emu.control.inject("status", "/v1/responses", status=503, times=1)
    with XAIClient() as client:
        client.responses.create(model="grok-4.3", input="Retried")
    replay.off()  # finishes writing the cassette
    lines = path.read_text().splitlines()[1:]
    assert [json.loads(line)["status"] for line in lines] == [200]
    assert json.loads(lines[0])["request"]["body"]["input"] == "Retried"
