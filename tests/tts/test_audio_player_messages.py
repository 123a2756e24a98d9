"""What AudioPlayer puts on the comm: binary buffers in order, an end count, a clear."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xai_magics.widgets.audio_player import AudioPlayer


@pytest.fixture
def player(make_player: Callable[..., AudioPlayer]) -> AudioPlayer:
    return make_player(codec="pcm", sample_rate=16000, text="Hi there")


def custom(player: AudioPlayer) -> list[tuple[dict[str, Any], list[bytes]]]:
    return player.comm.custom()  # type: ignore[no-any-return]


def updates(player: AudioPlayer) -> list[dict[str, Any]]:
    return [d["state"] for d, _ in player.comm.sent if d.get("method") == "update"]


def test_chunks_travel_as_binary_buffers_in_order(player: AudioPlayer) -> None:
    pieces = [bytes([i]) * (100 + i) for i in range(5)]
    for piece in pieces:
        player.push(piece)
    player.finish()
    messages = custom(player)
    assert [m["seq"] for m, _ in messages[:-1]] == [1, 2, 3, 4, 5]
    assert [b[0] for _, b in messages[:-1]] == pieces
    assert messages[-1] == ({"type": "end", "chunks": 5, "status": "complete", "note": ""}, [])
    assert player.status == "complete"


def test_timestamps_travel_as_chars_and_start_seconds(player: AudioPlayer) -> None:
    player.push(b"\x00\x00", [("H", 0.0), ("i", 0.12345678)])
    content, _ = custom(player)[0]
    assert content["chars"] == ["H", "i"]
    assert content["starts"] == [0.0, 0.1235]


def test_state_the_view_needs_is_synced_once(player: AudioPlayer) -> None:
    player.push(b"\x00\x00")
    player.push(b"\x00\x00")
    assert [u.get("status") for u in updates(player)] == ["streaming"]


def test_after_clear_nothing_more_is_sent(player: AudioPlayer) -> None:
    player.push(b"\x01\x01")
    player.clear("Stopped.")
    player.push(b"\x02\x02")
    kinds = [m["type"] for m, _ in custom(player)]
    assert kinds == ["chunk", "clear"]
    assert (player.status, player.note) == ("stopped", "Stopped.")


def test_incomplete_stream_says_why(player: AudioPlayer) -> None:
    player.push(b"\x01\x01")
    player.finish("incomplete", "The audio stream broke")
    end, _ = custom(player)[-1]
    assert end == {
        "type": "end",
        "chunks": 1,
        "status": "incomplete",
        "note": "The audio stream broke",
    }
    assert (player.status, player.note) == ("incomplete", "The audio stream broke")


def test_each_player_has_its_own_front_end_key(make_player: Callable[..., AudioPlayer]) -> None:
    assert make_player().uid != make_player().uid
