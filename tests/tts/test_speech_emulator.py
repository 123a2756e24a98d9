"""``speak`` and ``Speaker`` against the emulator over real sockets, without a kernel."""

from __future__ import annotations

import io
import struct
import time
import wave
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import miniaudio
import pytest

from xai_magics.audio import alaw_to_pcm16, mulaw_to_pcm16
from xai_magics.client import XAIClient
from xai_magics.speech import Speaker, speak
from xai_magics.widgets.audio_player import AudioPlayer

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

TEXT = "Numbers, please: one, two, three. The emulator speaks these words with a simulated voice."
ANSWER = (
    "Here is a short answer. It has three sentences, streamed in small pieces! "
    "The last one ends without a full stop"
)


@pytest.fixture
def client(api_env: dict[str, str]) -> Iterator[XAIClient]:
    with XAIClient(api_key=api_env["XAI_API_KEY"], base_url=api_env["XAI_BASE_URL"]) as c:
        yield c


def samples(pcm: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(pcm) // 2}h", pcm)


def relative_error(decoded: bytes, reference: bytes) -> float:
    a, b = samples(decoded), samples(reference)
    assert len(a) == len(b)
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / sum(abs(y) for y in b)


@pytest.mark.parametrize("codec", ["wav", "pcm", "mulaw", "alaw", "mp3"])
def test_every_codec_decodes_to_the_spoken_audio(client: XAIClient, codec: str) -> None:
    reference = client.tts.speak(TEXT, codec="pcm", sample_rate=16000).audio
    expected_s = len(reference) / 2 / 16000
    result = speak(TEXT, client=client, codec=codec, sample_rate=16000)
    assert (result.format, result.complete) == (codec, True)
    if codec == "wav":
        with wave.open(io.BytesIO(result.audio)) as reader:
            assert reader.getframerate() == 16000
            assert reader.readframes(reader.getnframes()) == reference
    elif codec == "pcm":
        assert result.audio == reference
    elif codec in ("mulaw", "alaw"):
        expand = mulaw_to_pcm16 if codec == "mulaw" else alaw_to_pcm16
        assert relative_error(expand(result.audio), reference) < 0.05  # G.711 quantisation
    else:
        decoded = miniaudio.decode(result.audio, output_format=miniaudio.SampleFormat.SIGNED16)
        seconds = decoded.num_frames / decoded.sample_rate
        assert expected_s <= seconds <= expected_s + 3 * 576 / 16000
    if codec != "mp3":
        assert result.duration_s == pytest.approx(expected_s)


def test_mp3_arrives_whole_with_the_spoken_characters(
    client: XAIClient, make_player: Callable[..., AudioPlayer]
) -> None:
    player = make_player(codec="mp3")
    speak(TEXT, client=client, codec="mp3", player=player)
    [(chunk, buffers), (end, _)] = player.comm.custom()
    assert "".join(chunk["chars"]) == TEXT
    assert buffers[0][:2] in (b"\xff\xf3", b"\xff\xfb", b"ID")
    assert end["status"] == "complete"


def test_speaker_speaks_a_streamed_answer_and_keeps_timing_across_sentences(
    client: XAIClient, make_player: Callable[..., AudioPlayer]
) -> None:
    player = make_player(codec="pcm")
    speaker = Speaker(client=client, voice="sal", player=player)
    for start in range(0, len(ANSWER), 7):
        speaker.feed(ANSWER[start : start + 7])
    result = speaker.finish()
    assert (result.complete, result.format, result.voice) == (True, "wav", "sal")
    assert result.text.split() == ANSWER.split()
    assert player.text == ANSWER  # the player shows the sentences spaced as written
    spoken = "".join(chars for chars, _ in result.marks)
    assert spoken.replace(" ", "") == ANSWER.replace(" ", "")
    starts = [start for _, start in result.marks]
    assert starts == sorted(starts)
    assert starts[-1] < result.duration_s
    messages = player.comm.custom()
    assert messages[-1][0]["type"] == "end"
    assert messages[-1][0]["status"] == "complete"
    pushed = b"".join(b[0] for m, b in messages if m["type"] == "chunk")
    with wave.open(io.BytesIO(result.audio)) as reader:
        assert reader.readframes(reader.getnframes()) == pushed


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def test_cancel_clears_the_utterance_on_the_server_and_stops_the_player(
    client: XAIClient, emu: Emulator, make_player: Callable[..., AudioPlayer]
) -> None:
    emu.control.configure(tts_realtime_factor=1.0)
    player = make_player(codec="pcm")
    speaker = Speaker(client=client, player=player)
    speaker.feed(TEXT * 4 + " ")
    wait_for(lambda: sum(m["type"] == "chunk" for m, _ in player.comm.custom()) >= 2)
    result = speaker.cancel()
    assert not result.complete
    assert "the service dropped the rest of the text" in result.note
    assert 0.2 < result.duration_s < 2.0
    kinds = [m["type"] for m, _ in player.comm.custom()]
    assert "clear" in kinds
    assert "chunk" not in kinds[kinds.index("clear") :]


def test_speaker_keeps_what_arrived_when_the_socket_breaks(
    client: XAIClient, emu: Emulator, make_player: Callable[..., AudioPlayer]
) -> None:
    emu.control.configure(tts_realtime_factor=0.3)
    emu.control.inject("reset_mid_stream", "/v1/tts", method="GET", after_events=2)
    player = make_player(codec="pcm")
    speaker = Speaker(client=client, player=player)
    speaker.feed(ANSWER)
    result = speaker.finish()
    assert not result.complete
    assert "stream broke after 0.3 s" in result.note
    assert result.duration_s == pytest.approx(0.3)
    end = player.comm.custom()[-1][0]
    assert (end["type"], end["status"], end["chunks"]) == ("end", "incomplete", 2)


def test_speaker_refuses_an_unknown_voice_before_connecting(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="Unknown voice 'zed'"):
        Speaker(voice="zed")
    assert [r for r in emu.control.log() if r["path"].startswith("/v1/tts")] == []


@pytest.mark.parametrize(
    ("codec", "player_codec", "rate"),
    [
        pytest.param("mp3", "pcm", 24000, id="mp3-into-pcm-player"),
        pytest.param("wav", "pcm", 16000, id="other-sample-rate"),
    ],
)
def test_a_player_set_up_for_other_audio_is_refused_before_connecting(
    emu: Emulator, make_player: Callable[..., AudioPlayer], codec: str, player_codec: str, rate: int
) -> None:
    player = make_player(codec=player_codec, sample_rate=24000)
    with pytest.raises(ValueError, match="AudioPlayer\\(codec="):
        speak("Hello", codec=codec, sample_rate=rate, player=player)
    assert [r for r in emu.control.log() if r["path"].startswith("/v1/tts")] == []
