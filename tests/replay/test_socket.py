"""The speech socket stand-in on its own: utterances looked up by their text, frames due at
their recorded times, a receive timeout honoured, and a miss handed to the miss policy."""

from __future__ import annotations

import json
import time

import pytest

from xai_magics.replay.cassette import Exchange
from xai_magics.replay.fingerprint import Canonical
from xai_magics.replay.socket import FRAMES, ReplayedSocket, utterance

URL = "ws://127.0.0.1:9/v1/tts?voice=eve&codec=pcm"
FIRST = json.dumps({"type": "audio.delta", "delta": "AAAA"})
DONE = json.dumps({"type": "audio.done", "trace_id": "t"})


def recorded(text: str, gap_s: float) -> Exchange:
    frames = [(0.0, FIRST.encode()), (gap_s, DONE.encode())]
    return Exchange(utterance(URL, text), 101, {"content-type": FRAMES}, 0.0, frames)


def socket_for(found: Exchange | None, *, paced: bool) -> tuple[ReplayedSocket, list[Canonical]]:
    asked: list[Canonical] = []

    def lookup(request: Canonical) -> Exchange | None:
        asked.append(request)
        return found if found is not None and request == found.request else None

    def on_miss(request: Canonical) -> None:
        raise LookupError(request.describe())

    return ReplayedSocket(URL, lookup, on_miss, paced=paced), asked


def speak(socket: ReplayedSocket, *pieces: str) -> None:
    for piece in pieces:
        socket.send(json.dumps({"type": "text.delta", "delta": piece}))
    socket.send(json.dumps({"type": "text.done"}))


def test_frames_come_when_due_and_a_timeout_is_kept() -> None:
    socket, asked = socket_for(recorded("Hello there", 0.3), paced=True)
    speak(socket, "Hello ", "there")
    assert asked == [utterance(URL, "Hello there")]  # the text as one, voice and codec from the URL
    assert socket.recv(timeout=0.05) == FIRST
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        socket.recv(timeout=0.05)
    assert time.monotonic() - started < 0.2  # the timeout, not the frame's due time
    assert socket.recv() == DONE
    assert time.monotonic() - started >= 0.2


def test_instant_pace_hands_every_frame_at_once() -> None:
    socket, _ = socket_for(recorded("Hi", 5.0), paced=False)
    speak(socket, "Hi")
    started = time.monotonic()
    assert [socket.recv(timeout=1), socket.recv(timeout=1)] == [FIRST, DONE]
    assert time.monotonic() - started < 1.0


def test_nothing_asked_yet_times_out() -> None:
    socket, _ = socket_for(recorded("Hi", 0.0), paced=False)
    with pytest.raises(TimeoutError):
        socket.recv(timeout=0.01)


def test_an_unrecorded_utterance_goes_to_the_miss_policy() -> None:
    socket, _ = socket_for(recorded("Hi", 0.0), paced=False)
    with pytest.raises(LookupError, match="WEBSOCKET /v1/tts"):
        speak(socket, "Something else")
