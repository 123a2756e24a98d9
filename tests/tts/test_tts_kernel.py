"""``%grok_tts`` in a real kernel: what reaches the player and what the cell keeps."""

from __future__ import annotations

import io
import wave
from typing import TYPE_CHECKING, Any

import miniaudio
import pytest

from xai_magics.client import XAIClient

if TYPE_CHECKING:
    from tests.tts.conftest import Cell, TTSKernel
    from xai_magics.emulator import Emulator

pytestmark = pytest.mark.kernel

TEXT = "Hello there. This sentence is spoken by the emulator, chunk by chunk, as it streams."


def reference_pcm(api_env: dict[str, str], text: str, voice: str = "eve") -> bytes:
    """The same words through REST as raw PCM: what every codec must decode to in length."""
    with XAIClient(api_key=api_env["XAI_API_KEY"], base_url=api_env["XAI_BASE_URL"]) as client:
        return client.tts.speak(text, voice=voice, codec="pcm", sample_rate=24000).audio


def wav_frames(clip: bytes) -> tuple[bytes, int]:
    with wave.open(io.BytesIO(clip)) as reader:
        return reader.readframes(reader.getnframes()), reader.getframerate()


def tts_requests(emu: Emulator) -> list[dict[str, Any]]:
    return [r for r in emu.control.log() if r["path"].startswith("/v1/tts")]


def chunks_and_end(cell: Cell) -> tuple[list[tuple[dict[str, Any], list[bytes]]], dict[str, Any]]:
    messages = cell.player_messages()
    assert messages, "the player received nothing"
    *chunks, (end, _) = messages
    assert all(m["type"] == "chunk" for m, _ in chunks)
    return chunks, end


def test_chunks_reach_the_player_in_order_and_the_cell_keeps_the_same_audio_as_wav(
    kernel: TTSKernel, api_env: dict[str, str]
) -> None:
    cell = kernel.ok(f"%grok_tts --voice rex {TEXT}")
    chunks, end = chunks_and_end(cell)
    assert len(chunks) > 3
    assert [m["seq"] for m, _ in chunks] == list(range(1, len(chunks) + 1))
    assert end == {"type": "end", "chunks": len(chunks), "status": "complete", "note": ""}
    streamed = b"".join(buffers[0] for _, buffers in chunks)
    assert streamed == reference_pcm(api_env, TEXT, voice="rex")

    [(mime, clip)] = cell.audio_outputs()
    frames, rate = wav_frames(clip)
    assert (mime, frames, rate) == ("audio/wav", streamed, 24000)
    kinds = [m["msg_type"] for m in cell.messages]
    last_chunk = max(i for i, m in enumerate(cell.messages) if m["msg_type"] == "comm_msg")
    assert kinds.index("display_data", last_chunk) > last_chunk  # the clip comes after the stream
    state = cell.player_state()
    assert (state["codec"], state["sample_rate"], state["text"]) == ("pcm", 24000, TEXT)
    # the kept clip names its player, which hides it while it holds the audio itself
    [kept] = [d for d in cell.displays if "<audio" in d["data"].get("text/html", "")]
    assert (
        f'<div class="xai-audio-clip" data-xai-clip="{state["uid"]}">' in kept["data"]["text/html"]
    )
    assert (
        kept["data"]["text/plain"] == f"<audio clip: {len(streamed) / 2 / 24000:.1f} s, audio/wav>"
    )
    assert "format='wav'" in cell.result_repr
    assert f"characters={len(TEXT)}" in cell.result_repr


def test_character_timestamps_travel_with_the_chunks(kernel: TTSKernel) -> None:
    cell = kernel.ok(f"%grok_tts {TEXT}")
    chunks, _ = chunks_and_end(cell)
    chars = "".join("".join(m.get("chars", [])) for m, _ in chunks)
    starts = [s for m, _ in chunks for s in m.get("starts", [])]
    assert chars == TEXT
    assert starts == sorted(starts)


@pytest.mark.parametrize("codec", ["wav", "pcm", "mp3"])
def test_the_saved_clip_decodes_to_the_spoken_duration(
    kernel: TTSKernel, api_env: dict[str, str], codec: str
) -> None:
    expected_s = len(reference_pcm(api_env, TEXT)) / 2 / 24000
    cell = kernel.ok(f"%grok_tts --codec {codec} {TEXT}")
    [(mime, clip)] = cell.audio_outputs()
    if codec == "mp3":
        decoded = miniaudio.decode(clip, output_format=miniaudio.SampleFormat.SIGNED16)
        assert mime == "audio/mpeg"
        seconds = decoded.num_frames / decoded.sample_rate
        assert expected_s <= seconds <= expected_s + 3 * 1152 / 24000  # encoder delay + padding
    else:
        frames, rate = wav_frames(clip)
        assert mime == "audio/wav"
        assert len(frames) / 2 / rate == pytest.approx(expected_s)
    assert f"format='{codec}'" in cell.result_repr


def test_cell_text_is_interpolated_from_the_namespace(kernel: TTSKernel, emu: Emulator) -> None:
    kernel.ok("guest = 'Ada'")
    cell = kernel.ok(
        "%%grok_tts --voice ara --speed 1.2\nWelcome, {guest}. Code like {{guest}} stays."
    )
    assert cell.player_state()["text"] == "Welcome, Ada. Code like {guest} stays."
    [request] = tts_requests(emu)
    assert "voice=ara" in request["query"]
    assert "speed=1.2" in request["query"]


def test_a_custom_voice_id_is_sent_as_written(kernel: TTSKernel, emu: Emulator) -> None:
    """xAI takes custom voice ids where a built-in name goes; the id keeps its case."""
    kernel.ok("%grok_tts --voice Voice_7Qx Hello")
    [request] = tts_requests(emu)
    assert "voice=Voice_7Qx" in request["query"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("%grok_tts " + "x" * 15_001, "15,001 characters", id="text-too-long"),
        pytest.param("%grok_tts --voice evee Hello", "Did you mean 'eve'", id="unknown-voice"),
        pytest.param("%grok_tts --codec ogg Hello", "Unknown codec 'ogg'", id="bad-codec"),
        pytest.param("%grok_tts --codec alaw Hello", "mp3, wav or pcm", id="codec-not-for-magic"),
        pytest.param("%grok_tts --speed 3 Hello", "0.7 to 1.5", id="speed-out-of-range"),
        pytest.param("%%grok_tts\nHello {gueest}", "Did you mean {guest}", id="unknown-name"),
        pytest.param("%grok_tts --speed fast Hello", "invalid float", id="malformed-option"),
    ],
)
def test_input_errors_stop_before_any_request(
    kernel: TTSKernel, emu: Emulator, code: str, message: str
) -> None:
    kernel.ok("guest = 'Ada'")
    cell = kernel.run(code)
    assert not cell.ok
    assert cell.reply["ename"] == "UsageError"
    assert message in cell.reply["evalue"]
    assert tts_requests(emu) == []
    assert cell.of_type("comm_open") == []


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        pytest.param("reset_mid_stream", "stream broke after 0.5 s", id="socket-reset"),
        pytest.param("error_event", "Synthesis failed (simulated)", id="server-error-event"),
        pytest.param("eof_mid_stream", "stream broke after 0.5 s", id="closed-without-done"),
        pytest.param("corrupt_event", "malformed audio.delta", id="bad-base64-piece"),
    ],
)
def test_a_stream_that_breaks_keeps_what_played_and_says_so(
    kernel: TTSKernel, emu: Emulator, kind: str, says: str
) -> None:
    # Paced like the real service, so the three pieces are read before the socket goes down
    # (a TCP reset discards bytes the client has not read yet).
    emu.control.configure(tts_realtime_factor=0.3)
    emu.control.inject(kind, "/v1/tts", method="GET", after_events=3)
    cell = kernel.ok(f"%grok_tts {TEXT}")
    chunks, end = chunks_and_end(cell)
    assert len(chunks) == 3
    assert end["status"] == "incomplete"
    assert says in end["note"]
    assert says in cell.stderr
    [(_, clip)] = cell.audio_outputs()
    frames, rate = wav_frames(clip)
    assert frames == b"".join(buffers[0] for _, buffers in chunks)
    assert len(frames) / 2 / rate == pytest.approx(0.45)
    assert "incomplete" in cell.result_repr


def test_interrupt_stops_the_player_and_the_stream(kernel: TTSKernel, emu: Emulator) -> None:
    emu.control.configure(tts_realtime_factor=1.0)  # 150 ms of audio every 150 ms
    interrupted = []

    def interrupt_after_two_chunks(msg: dict[str, Any]) -> None:
        data = msg["content"].get("data", {})
        if data.get("method") == "custom" and data["content"].get("seq") == 2 and not interrupted:
            interrupted.append(True)
            kernel.km.interrupt_kernel()

    cell = kernel.run(f"%grok_tts {TEXT * 3}", on_message=interrupt_after_two_chunks)
    assert cell.reply["ename"] == "KeyboardInterrupt"
    kinds = [m["type"] for m, _ in cell.player_messages()]
    assert kinds[-1] == "clear"
    assert 2 <= kinds.count("chunk") < 10
    assert cell.audio_outputs() == []
    after = kernel.ok("print('still usable')")
    assert after.ok


def test_speech_cost_is_added_to_the_session_usage(kernel: TTSKernel) -> None:
    kernel.ok("%grok_usage --clear")
    kernel.ok(f"%grok_tts {TEXT}")
    cell = kernel.ok("%grok_usage")
    shown = "".join(
        m["content"]["data"].get("text/plain", "") for m in cell.of_type("display_data")
    ) + "".join(m["content"].get("text", "") for m in cell.of_type("stream"))
    assert "tts (eve)" in shown
    assert f"{len(TEXT) * 4.20 / 1e6:.6f}".rstrip("0") in shown


def test_a_clip_over_the_embed_limit_is_played_but_not_kept(kernel: TTSKernel) -> None:
    kernel.ok("%config TTSMagics.max_embed_mb = 0.1")
    try:
        cell = kernel.ok(f"%grok_tts {TEXT}")
    finally:
        kernel.ok("%config TTSMagics.max_embed_mb = 20.0")
    assert cell.audio_outputs() == []
    assert "is not kept in the notebook" in cell.stderr
    _, end = chunks_and_end(cell)
    assert end["status"] == "complete"


def test_a_rejected_key_is_one_line_and_the_player_says_so(kernel: TTSKernel) -> None:
    kernel.ok("os.environ['XAI_API_KEY'] = 'xai-bad-key'")  # the emulator rejects this one
    cell = kernel.run(f"%grok_tts {TEXT}")
    assert cell.reply["ename"] == "UsageError"
    assert "XAI_API_KEY was rejected" in cell.reply["evalue"]
    assert "xai-bad-key" not in cell.error_text
    assert "Traceback" not in cell.error_text
    chunks, end = chunks_and_end(cell)
    assert chunks == []
    assert end["status"] == "error"
    assert "XAI_API_KEY was rejected" in end["note"]
