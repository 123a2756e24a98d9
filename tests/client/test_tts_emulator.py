"""Speech against the emulator over real sockets: REST in every codec, and the WebSocket."""

from __future__ import annotations

import io
import logging
import wave
from collections.abc import Iterator
from typing import TYPE_CHECKING

import miniaudio
import pytest

from xai_magics.client import AuthenticationError, XAIClient
from xai_magics.client.tts import TTSInputError
from xai_magics.client.tts_stream import (
    AudioCleared,
    AudioDelta,
    AudioDone,
    TTSEvent,
    TTSStreamClosedError,
    TTSStreamError,
)

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

TEXT = "Hello from the notebook"
# The emulator speaks each character for 60 ms at speed 1 (xai_magics.emulator.audio_synth).
SECONDS_PER_CHAR = 0.06


def samples(text: str, rate: int) -> int:
    return round(len(text) * SECONDS_PER_CHAR * rate)


@pytest.fixture
def client(api_env: dict[str, str]) -> Iterator[XAIClient]:
    with XAIClient() as c:
        yield c


@pytest.mark.parametrize("rate", [16000, 24000, 44100], ids=lambda r: f"{r}Hz")
def test_wav_decodes_with_the_promised_length(client: XAIClient, rate: int) -> None:
    speech = client.tts.speak(TEXT, codec="wav", sample_rate=rate)  # type: ignore[arg-type]
    assert speech.content_type == "audio/wav"
    with wave.open(io.BytesIO(speech.audio)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (rate, 1, 2)
        assert reader.getnframes() == samples(TEXT, rate)
    assert speech.duration_s == pytest.approx(len(TEXT) * SECONDS_PER_CHAR, abs=1e-3)


@pytest.mark.parametrize("bit_rate", [None, 64000], ids=["default-bit-rate", "64kbps"])
def test_mp3_decodes_with_roughly_the_promised_duration(
    client: XAIClient, bit_rate: int | None
) -> None:
    speech = client.tts.speak(TEXT, codec="mp3", bit_rate=bit_rate)  # type: ignore[arg-type]
    assert speech.content_type == "audio/mpeg"
    decoded = miniaudio.decode(speech.audio, nchannels=1, sample_rate=24000)
    # MP3 frames pad the end (and the encoder adds a delay), so allow a few frames' slack.
    assert decoded.duration == pytest.approx(len(TEXT) * SECONDS_PER_CHAR, abs=0.15)
    assert max(decoded.samples) > 1000


@pytest.mark.parametrize(
    ("codec", "content_type", "bytes_per_sample"),
    [
        pytest.param("pcm", "audio/pcm", 2, id="pcm"),
        pytest.param("mulaw", "audio/basic", 1, id="mulaw"),
        pytest.param("alaw", "audio/alaw", 1, id="alaw"),
    ],
)
def test_raw_codecs_have_the_promised_sample_count(
    client: XAIClient, codec: str, content_type: str, bytes_per_sample: int
) -> None:
    speech = client.tts.speak(TEXT, codec=codec, sample_rate=8000)  # type: ignore[arg-type]
    assert speech.content_type == content_type
    assert len(speech.audio) == samples(TEXT, 8000) * bytes_per_sample
    assert speech.duration_s == pytest.approx(len(TEXT) * SECONDS_PER_CHAR, abs=1e-3)
    assert len(set(speech.audio)) > 16  # a tone, not silence


def test_timestamps_variant_returns_audio_and_character_times(client: XAIClient) -> None:
    speech = client.tts.speak("Hi there", codec="pcm", with_timestamps=True)
    assert len(speech.audio) == samples("Hi there", 24000) * 2
    assert speech.timestamps is not None
    assert "".join(speech.timestamps.graph_chars) == "Hi there"
    assert speech.timestamps.graph_times[1] == pytest.approx((0.06, 0.12))
    assert speech.duration_s == pytest.approx(0.48)


def test_speed_and_voice_reach_the_server(client: XAIClient, emu: Emulator) -> None:
    speech = client.tts.speak("abcd", voice="Rex", codec="pcm", speed=1.5, language="fr")
    assert speech.duration_s == pytest.approx(4 * SECONDS_PER_CHAR / 1.5, abs=1e-3)
    (sent,) = [e for e in emu.control.log() if e["path"] == "/v1/tts"]
    assert sent["body"] == {
        "text": "abcd",
        "voice_id": "rex",
        "language": "fr",
        "output_format": {"codec": "pcm", "sample_rate": 24000},
        "speed": 1.5,
    }


def test_cost_estimate_follows_the_character_count(client: XAIClient) -> None:
    speech = client.tts.speak("x" * 1000, codec="pcm", sample_rate=8000)
    assert speech.cost_usd == pytest.approx(1000 * 4.20 / 1_000_000)


def test_bad_input_never_reaches_the_server(client: XAIClient, emu: Emulator) -> None:
    with pytest.raises(TTSInputError, match="15,001 characters"):
        client.tts.speak("x" * 15_001)
    with pytest.raises(TTSInputError, match="codec"):
        client.tts.stream(codec="flac")  # type: ignore[arg-type]
    assert emu.control.log() == []


def test_voices_lists_the_builtins(client: XAIClient) -> None:
    assert [v.voice_id for v in client.tts.voices()] == ["eve", "ara", "rex", "sal", "leo"]


# --- WebSocket ------------------------------------------------------------------------------


def deltas(events: list[TTSEvent]) -> list[AudioDelta]:
    return [e for e in events if isinstance(e, AudioDelta)]


def test_stream_yields_deltas_in_order_then_done(client: XAIClient, emu: Emulator) -> None:
    emu.control.configure(tts_chunk_ms=100)
    whole = client.tts.speak(TEXT, codec="pcm", sample_rate=16000).audio
    with client.tts.stream(codec="pcm", sample_rate=16000) as session:
        session.send_text("Hello from ")
        session.send_text("the notebook")
        session.done()
        events = list(session)
    assert isinstance(events[-1], AudioDone)
    assert events[-1].trace_id
    pieces = deltas(events)
    assert len(pieces) == len(events) - 1
    assert len(pieces) == -(-samples(TEXT, 16000) // 1600)  # 100 ms chunks
    # In order and complete: the pieces join into exactly what the one-shot route returns.
    assert b"".join(p.audio for p in pieces) == whole


def test_one_session_speaks_several_utterances(client: XAIClient) -> None:
    with client.tts.stream(codec="mulaw", sample_rate=8000) as session:
        lengths = []
        for text in ("one", "three"):
            session.send_text(text)
            session.done()
            lengths.append(sum(len(d.audio) for d in deltas(list(session))))
    assert lengths == [samples("one", 8000), samples("three", 8000)]


def test_stream_timestamps_arrive_with_each_delta(client: XAIClient, emu: Emulator) -> None:
    emu.control.configure(tts_chunk_ms=100)
    with client.tts.stream(codec="pcm", with_timestamps=True) as session:
        session.send_text("abc")
        session.done()
        pieces = deltas(list(session))
    assert [p.timestamps.graph_chars if p.timestamps else None for p in pieces] == [
        ["a", "b"],
        ["c"],
    ]
    assert [p.duration_s for p in pieces] == pytest.approx([0.1, 0.08])


def test_clear_drops_the_utterance(client: XAIClient, emu: Emulator) -> None:
    # Real-time pacing, so the utterance (~3.6 s) is still playing when the clear goes up.
    emu.control.configure(tts_realtime_factor=1.0, tts_chunk_ms=50)
    with client.tts.stream(codec="pcm", sample_rate=8000) as session:
        session.send_text("a" * 60)
        session.done()
        first = session.receive(timeout=5)
        assert isinstance(first, AudioDelta)
        session.clear()
        rest = list(session)
        assert isinstance(rest[-1], AudioCleared)
        assert session.utterance_audio == b""
        received = len(first.audio) + sum(len(d.audio) for d in deltas(rest))
        assert received < samples("a" * 60, 8000) * 2
        emu.control.configure(tts_realtime_factor=0.0)
        session.send_text("ok")
        session.done()
        assert isinstance(list(session)[-1], AudioDone)


def test_server_error_event_raises_with_the_audio_so_far(client: XAIClient, emu: Emulator) -> None:
    emu.control.configure(tts_chunk_ms=50)
    emu.control.inject("error_event", "/v1/tts", method="GET", after_events=2, message="Voice busy")
    with client.tts.stream(codec="pcm", sample_rate=8000) as session:
        session.send_text("a long enough sentence")
        session.done()
        with pytest.raises(TTSStreamError, match="Voice busy") as caught:
            list(session)
    assert len(caught.value.audio) == 2 * 400 * 2  # two 50 ms chunks of 16-bit audio at 8 kHz
    assert session.utterance_audio == b""


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"close_code": 1011}, 1011, id="close-frame-1011"),
        pytest.param({}, None, id="connection-reset"),
    ],
)
def test_server_closing_mid_utterance_keeps_the_audio_received(
    client: XAIClient, emu: Emulator, params: dict[str, int], code: int | None
) -> None:
    emu.control.configure(tts_chunk_ms=50)
    emu.control.inject("reset_mid_stream", "/v1/tts", method="GET", after_events=3, **params)
    with client.tts.stream(codec="pcm", sample_rate=8000) as session:
        session.send_text("a long enough sentence")
        session.done()
        received: list[AudioDelta] = []
        with pytest.raises(TTSStreamClosedError, match="before the utterance ended") as caught:
            received.extend(e for e in session if isinstance(e, AudioDelta))
    assert caught.value.code == code
    assert caught.value.audio == b"".join(d.audio for d in received)
    chunk = 400 * 2  # 50 ms of 16-bit audio at 8 kHz
    if code is None:
        # A reset may discard frames still in the socket buffer: some of the three, never more.
        assert len(caught.value.audio) in (0, chunk, 2 * chunk, 3 * chunk)
    else:
        assert len(caught.value.audio) == 3 * chunk


def test_close_is_idempotent_and_later_sends_fail_clearly(client: XAIClient) -> None:
    session = client.tts.stream()
    assert session.receive(timeout=0.05) is None
    session.close()
    session.close()
    assert "closed" in repr(session)
    with pytest.raises(TTSStreamClosedError, match="session is closed"):
        session.send_text("hello")
    with pytest.raises(TTSStreamClosedError, match="session is closed"):
        session.receive(timeout=0.1)


def test_rejected_key_fails_the_handshake_without_showing_the_key(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "xai-canary-0123456789abcdefghij"
    emu.control.configure(bad_key=canary)
    with (
        XAIClient(api_key=canary, base_url=emu.base_url) as c,
        pytest.raises(AuthenticationError) as caught,
    ):
        c.tts.stream()
    error = caught.value
    assert canary not in str(error)
    assert canary not in repr(error)
    chain: list[BaseException] = [error]
    while chain[-1].__cause__ or chain[-1].__context__:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
    for exc in chain:
        tb = exc.__traceback__
        while tb is not None:
            # This test's own frame holds the canary by design; every frame below it must not.
            own = tb.tb_frame.f_code.co_filename == __file__
            for name, value in ({} if own else tb.tb_frame.f_locals).items():
                assert canary not in repr(value), (
                    f"key in local {name!r} of {tb.tb_frame.f_code.co_name}"
                )
            tb = tb.tb_next


def test_handshake_is_logged_without_the_key(
    client: XAIClient, api_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    key = api_env["XAI_API_KEY"]
    caplog.set_level(logging.DEBUG)
    with client.tts.stream(codec="pcm") as session:
        session.send_text("hi")
        session.done()
        list(session)
        assert key not in repr(session)
        assert session._connection.request is not None
        assert "Authorization" not in session._connection.request.headers
    handshake = [r for r in caplog.records if "Authorization" in r.getMessage()]
    assert handshake, (
        "the websockets handshake was not logged at DEBUG, so this test proves nothing"
    )
    for record in caplog.records:
        assert key not in record.getMessage()
        assert key not in repr(record.args)
