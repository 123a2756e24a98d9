"""``%%grok --speak`` in a real kernel: the answer streams as text and as audio, in order."""

from __future__ import annotations

import base64
import io
import wave
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Execution, Kernel

from .kernel_harness import requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

ANSWER = (
    "Tides rise twice a day. The moon pulls the near side of the sea. "
    "The far side bulges too, as the earth is pulled away from it. That makes two tides."
)


def player_messages(run: Execution) -> list[tuple[dict[str, Any], list[bytes]]]:
    """The AudioPlayer's custom messages with their binary buffers, in the order sent."""
    players = {
        m["content"]["comm_id"]
        for m in run.messages
        if m["msg_type"] == "comm_open" and "sample_rate" in m["content"]["data"].get("state", {})
    }
    assert len(players) == 1, f"expected one AudioPlayer, saw {len(players)}"
    return [
        (m["content"]["data"]["content"], [bytes(b) for b in m.get("buffers", [])])
        for m in run.messages
        if m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] in players
        and m["content"]["data"]["method"] == "custom"
    ]


def audio_clips(run: Execution) -> list[bytes]:
    """The bytes of every ``<audio>`` output the cell keeps."""
    clips = []
    for out in run.displays:
        html = out["data"].get("text/html", "")
        if "<audio" in html:
            uri = html.split('src="', 1)[1].split('"', 1)[0]
            clips.append(base64.b64decode(uri.split(",", 1)[1]))
    return clips


def wav_frames(clip: bytes) -> bytes:
    with wave.open(io.BytesIO(clip)) as reader:
        assert reader.getframerate() == 24000
        return reader.readframes(reader.getnframes())


def test_speak_streams_audio_to_the_player_in_order_and_keeps_the_clip(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    run = grok_kernel.ok("%%grok --speak rex\nExplain tides")

    # the text answer is intact: streamed deltas, then one ordinary display with the receipt
    assert run.streamed_text == ANSWER
    answer = [o for o in run.displays if "xai_magics" in o.get("metadata", {})]
    assert len(answer) == 1
    assert answer[0]["data"]["text/plain"].startswith(ANSWER)

    *chunks, (end, _) = player_messages(run)
    assert len(chunks) >= 2
    assert all(m["type"] == "chunk" for m, _ in chunks)
    assert [m["seq"] for m, _ in chunks] == list(range(1, len(chunks) + 1))
    assert end == {"type": "end", "chunks": len(chunks), "status": "complete", "note": ""}
    spoken = "".join("".join(m.get("chars", [])) for m, _ in chunks)
    assert "".join(spoken.split()) == "".join(ANSWER.split())

    # the kept clip is exactly the audio the player received, after the player's last piece
    [clip] = audio_clips(run)
    assert wav_frames(clip) == b"".join(buffers[0] for _, buffers in chunks)
    kinds = [m["msg_type"] for m in run.messages]
    last_piece = max(i for i, k in enumerate(kinds) if k == "comm_msg")
    assert "display_data" in kinds[last_piece:]

    [socket] = [r for r in emu.control.log() if r["path"].startswith("/v1/tts")]
    assert "voice=rex" in socket["query"]
    assert grok_kernel.value("_.speech.complete") is True
    assert grok_kernel.value("_.speech.voice") == "rex"
    assert grok_kernel.value("round(_.speech.duration_s * 24000 * 2)") == len(wav_frames(clip))


def test_speak_before_other_options_keeps_the_default_voice(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text="Short answer. Spoken by eve.")
    run = grok_kernel.ok("%%grok --speak --tier priority\nHi")
    assert player_messages(run)[-1][0]["status"] == "complete"
    [socket] = [r for r in emu.control.log() if r["path"].startswith("/v1/tts")]
    assert "voice=eve" in socket["query"]
    [request] = requests_to(emu, "/responses")
    assert request["body"]["service_tier"] == "priority"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("%%grok --speak bob\nHello", "Unknown voice 'bob'", id="unknown-voice"),
        pytest.param("%grok --speak Hello there", "%grok --speak -- PROMPT", id="prompt-as-voice"),
        pytest.param(
            "%%grok --speak --compare grok-4.3,grok-4.5\nHi", "drop --compare", id="with-compare"
        ),
    ],
)
def test_speak_input_errors_stop_before_any_request(
    grok_kernel: Kernel, emu: Emulator, code: str, message: str
) -> None:
    run = grok_kernel.run(code)
    assert not run.ok
    assert run.reply["ename"] == "UsageError"
    assert message in run.reply["evalue"]
    assert not [r for r in emu.control.log() if r["path"].startswith("/v1/")]


def test_a_broken_speech_stream_keeps_the_text_answer_and_says_so(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    emu.control.inject("reset_mid_stream", "/v1/tts", method="GET", after_events=1)
    run = grok_kernel.ok("%%grok --speak\nExplain tides")
    answer = [o for o in run.displays if "xai_magics" in o.get("metadata", {})]
    assert answer[0]["data"]["text/plain"].startswith(ANSWER)
    assert player_messages(run)[-1][0]["status"] == "incomplete"
    assert "audio stream broke" in run.stderr
    assert grok_kernel.value("_.status") == "completed"
    assert grok_kernel.value("_.speech.complete") is False


def test_interrupt_stops_the_answer_and_the_speech(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(tokens_per_second=40)
    long_answer = " ".join(f"Sentence number {i} is here." for i in range(200))
    emu.control.inject("answer", "/v1/responses", text=long_answer)
    interrupted = False

    def interrupt_after_audio(msg: dict[str, Any]) -> None:
        nonlocal interrupted
        if interrupted or msg["msg_type"] != "comm_msg" or not msg.get("buffers"):
            return
        interrupted = True
        grok_kernel.km.interrupt_kernel()

    run = grok_kernel.run("%%grok --speak\nTalk a lot", on_message=interrupt_after_audio)
    assert interrupted
    assert run.ok, run.error_text
    assert player_messages(run)[-1][0]["type"] == "clear"
    assert grok_kernel.value("_.status") == "stopped"
    assert grok_kernel.value("_.speech.complete") is False
    assert 0 < len(grok_kernel.value("_.text")) < len(long_answer)
    # the kernel is free again: the next cell works
    emu.control.configure(tokens_per_second=0)
    emu.control.inject("answer", "/v1/responses", text="next")
    assert grok_kernel.ok("%%grok\nnext?").streamed_text == "next"
