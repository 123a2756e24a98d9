"""The AudioPlayer front end, run in Node with a scripted AudioContext: decoding and scheduling.

The real-browser test proves it plays in JupyterLab; these pin the arithmetic: pieces decode to
the same samples as the kernel's decoder, play back to back without gaps, survive a header or a
sample split across pieces, and stop on clear.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import pathlib
import shutil
import struct
import subprocess
from typing import Any

import pytest

from xai_magics import audio

HERE = pathlib.Path(__file__).parent
MODULE = HERE.parent.parent / "xai_magics" / "widgets" / "audio_player.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the widget's module")


def run(codec: str, rate: int, steps: list[dict[str, Any]], text: str = "") -> dict[str, Any]:
    scenario = {"module": str(MODULE), "codec": codec, "rate": rate, "steps": steps, "text": text}
    done = subprocess.run(
        [str(NODE), str(HERE / "audio_player_harness.mjs")],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def chunk(data: bytes, seq: int, **extra: Any) -> dict[str, Any]:
    return {"chunk": base64.b64encode(data).decode(), "seq": seq, **extra}


def tone(samples: int) -> bytes:
    return b"".join(struct.pack("<h", int(12000 * math.sin(i / 7))) for i in range(samples))


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    pieces, pos = [], 0
    for size in sizes:
        pieces.append(data[pos : pos + size])
        pos += size
    return [*pieces, data[pos:]]


def assert_back_to_back(scheduled: list[dict[str, Any]]) -> None:
    for before, after in itertools.pairwise(scheduled):
        assert after["at"] == pytest.approx(before["at"] + before["duration"], abs=1e-9)


def test_pcm_pieces_split_mid_sample_play_back_to_back_from_the_first_piece() -> None:
    pcm = tone(16000)  # one second at 16 kHz
    pieces = split(pcm, [3201, 6399, 7001, 5000])  # odd sizes: samples cut in two
    steps: list[dict[str, Any]] = []
    for seq, piece in enumerate(pieces, 1):
        steps += [chunk(piece, seq), {"advance": 0.1}]
    steps.append({"message": {"type": "end", "chunks": len(pieces), "status": "complete"}})
    result = run("pcm", 16000, steps)
    scheduled, data = result["scheduled"], result["dataset"]
    assert len(scheduled) == len(pieces)
    assert_back_to_back(scheduled)
    assert sum(s["duration"] for s in scheduled) == pytest.approx(1.0)
    assert scheduled[0]["first"] == pytest.approx(
        [v / 32768 for v in struct.unpack("<8h", pcm[:16])]
    )
    assert (data["chunksReceived"], data["chunksScheduled"], data["chunksExpected"]) == (
        "5",
        "5",
        "5",
    )
    assert 1 <= int(data["playingStartedAtChunk"]) < len(pieces)
    assert (data["status"], data["underruns"]) == ("complete", "0")


@pytest.mark.parametrize("codec", ["mulaw", "alaw"])
def test_g711_decodes_to_the_same_samples_as_the_kernel(codec: str) -> None:
    data = bytes(range(256))
    result = run(codec, 8000, [chunk(data[:100], 1), chunk(data[100:], 2)])
    expand = audio.mulaw_to_pcm16 if codec == "mulaw" else audio.alaw_to_pcm16
    expected = struct.unpack("<256h", expand(data))
    first, second = result["scheduled"]
    assert first["first"] == pytest.approx([v / 32768 for v in expected[:8]])
    assert second["first"] == pytest.approx([v / 32768 for v in expected[100:108]])
    assert first["duration"] + second["duration"] == pytest.approx(256 / 8000)


def test_streamed_wav_header_split_over_pieces_uses_the_header_rate() -> None:
    pcm = tone(8000)
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    header = b"RIFF\xff\xff\xff\xffWAVEfmt " + struct.pack("<I", 16) + fmt + b"data\xff\xff\xff\xff"
    pieces = split(header + pcm, [10, 30, 1001])
    result = run("wav", 24000, [chunk(p, i) for i, p in enumerate(pieces, 1)])
    played = [s for s in result["scheduled"] if s["duration"] > 0]
    assert sum(s["duration"] for s in played) == pytest.approx(0.5)
    assert played[0]["first"] == pytest.approx([v / 32768 for v in struct.unpack("<8h", pcm[:16])])
    assert result["dataset"]["chunksScheduled"] == str(len(pieces))


def test_a_late_piece_is_counted_as_an_underrun_and_scheduled_after_now() -> None:
    result = run("pcm", 16000, [chunk(tone(800), 1), {"advance": 1.0}, chunk(tone(800), 2)])
    first, second = result["scheduled"]
    assert second["at"] == pytest.approx(1.05)
    assert second["at"] > first["at"] + first["duration"]
    assert result["dataset"]["underruns"] == "1"


def test_clear_stops_what_was_scheduled_and_ignores_later_pieces() -> None:
    steps = [
        chunk(tone(4000), 1),
        chunk(tone(4000), 2),
        {"message": {"type": "clear"}},
        chunk(tone(4000), 3),
    ]
    result = run("pcm", 16000, steps)
    assert result["stopped"] == 2
    assert len(result["scheduled"]) == 2
    assert (result["dataset"]["status"], result["dataset"]["chunksReceived"]) == ("stopped", "2")


@pytest.mark.parametrize(
    ("text", "covered", "clip_s", "shown"),
    [
        pytest.param("", 17, 0.65, ["Hello ", "world", " again"], id="inside-a-word"),
        pytest.param("", 17, 0.55, ["", "Hello", " world again"], id="between-words"),
        pytest.param(
            "Hello world again", 12, 0.65, ["Hello ", "world", " again"], id="text-ahead-of-marks"
        ),
    ],
)
def test_the_word_being_spoken_is_highlighted_from_timestamps(
    text: str, covered: int, clip_s: float, shown: list[str]
) -> None:
    words = "Hello world again"[:covered]
    marks = {"chars": list(words), "starts": [i * 0.1 for i in range(len(words))]}
    # Playback begins 50 ms after the first piece arrives.
    steps = [chunk(tone(16000 * 2), 1, **marks), {"advance": 0.05 + clip_s}]
    assert run("pcm", 16000, steps, text=text)["spoken"] == shown
