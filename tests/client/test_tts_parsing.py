"""Speech options checked before any request, WebSocket frames parsed, durations and cost."""

from __future__ import annotations

import base64
import io
import json
import wave
from typing import Any

import pytest

from xai_magics.client.errors import XAIError
from xai_magics.client.tts import (
    Speech,
    TTSInputError,
    audio_duration_s,
    build_options,
    estimate_cost_usd,
)
from xai_magics.client.tts_stream import (
    AudioCleared,
    AudioDelta,
    AudioDone,
    TTSStreamError,
    parse_server_event,
)
from xai_magics.schemas.tts import SpeechRequest, VoiceSettings


def speech_request(**values: Any) -> SpeechRequest:
    values.setdefault("text", "Hello")
    return build_options(SpeechRequest, **values)


@pytest.mark.parametrize(
    ("values", "mentions"),
    [
        pytest.param({"text": "x" * 15_001}, "15,001 characters", id="text-too-long"),
        pytest.param({"text": "   "}, "text is empty", id="text-blank"),
        pytest.param({"voice_id": "two words"}, "eve, ara, rex, sal, leo", id="voice-not-an-id"),
        pytest.param({"voice_id": ""}, "not a voice", id="voice-empty"),
        pytest.param(
            {"output_format": {"codec": "ogg"}}, "output_format.codec", id="codec-unknown"
        ),
        pytest.param(
            {"output_format": {"sample_rate": 12345}},
            "output_format.sample_rate",
            id="sample-rate-unknown",
        ),
        pytest.param(
            {"output_format": {"bit_rate": 100}}, "output_format.bit_rate", id="bit-rate-unknown"
        ),
        pytest.param(
            {"output_format": {"codec": "wav", "bit_rate": 64000}}, "mp3 only", id="bit-rate-on-wav"
        ),
        pytest.param({"speed": 3.0}, "speed", id="speed-too-fast"),
        pytest.param({"language": "english please"}, "BCP-47", id="language-not-a-tag"),
        pytest.param({"pitch": 2}, "pitch", id="unknown-option"),
    ],
)
def test_bad_speech_options_fail_before_any_request(values: dict[str, Any], mentions: str) -> None:
    with pytest.raises(TTSInputError, match="invalid speech options") as caught:
        speech_request(**values)
    assert mentions in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, XAIError)


def test_text_at_the_limit_is_accepted() -> None:
    assert len(speech_request(text="x" * 15_000).text) == 15_000


@pytest.mark.parametrize(
    ("voice", "sent"),
    [
        pytest.param("EVE", "eve", id="builtin-any-case"),
        pytest.param("Leo", "leo", id="builtin-capitalised"),
        pytest.param("voice_8f2a-custom", "voice_8f2a-custom", id="custom-id-verbatim"),
    ],
)
def test_voice_names_are_case_insensitive_and_custom_ids_pass(voice: str, sent: str) -> None:
    assert speech_request(voice_id=voice).voice_id == sent


@pytest.mark.parametrize(
    ("codec", "sent", "content_type"),
    [
        pytest.param("MP3", "mp3", "audio/mpeg", id="upper-case"),
        pytest.param("ulaw", "mulaw", "audio/basic", id="ulaw-alias"),
        pytest.param("alaw", "alaw", "audio/alaw", id="alaw"),
        pytest.param("wav", "wav", "audio/wav", id="wav"),
        pytest.param("pcm", "pcm", "audio/pcm", id="pcm"),
    ],
)
def test_codec_spellings_normalise(codec: str, sent: str, content_type: str) -> None:
    fmt = speech_request(output_format={"codec": codec}).output_format
    assert (fmt.codec, fmt.content_type) == (sent, content_type)


def test_request_body_matches_the_wire_format() -> None:
    body = speech_request(
        text="Hi", voice_id="Rex", output_format={"codec": "mp3", "bit_rate": 64000}, speed=1.2
    ).model_dump(exclude_none=True)
    assert body == {
        "text": "Hi",
        "voice_id": "rex",
        "language": "en",
        "output_format": {"codec": "mp3", "sample_rate": 24000, "bit_rate": 64000},
        "speed": 1.2,
        "with_timestamps": False,
    }


@pytest.mark.parametrize(
    ("values", "params"),
    [
        pytest.param(
            {},
            {"voice": "eve", "language": "en", "codec": "mp3", "sample_rate": "24000"},
            id="defaults",
        ),
        pytest.param(
            {
                "voice_id": "ara",
                "language": "fr",
                "output_format": {"codec": "pcm", "sample_rate": 16000},
                "with_timestamps": True,
                "text_normalization": False,
                "optimize_streaming_latency": 1,
            },
            {
                "voice": "ara",
                "language": "fr",
                "codec": "pcm",
                "sample_rate": "16000",
                "with_timestamps": "true",
                "text_normalization": "false",
                "optimize_streaming_latency": "1",
            },
            id="all-options",
        ),
    ],
)
def test_websocket_query_params(values: dict[str, Any], params: dict[str, str]) -> None:
    assert build_options(VoiceSettings, **values).query_params() == params


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        pytest.param(
            {"type": "audio.delta", "delta": b64(b"\x01\x02")}, AudioDelta(b"\x01\x02"), id="delta"
        ),
        pytest.param(
            {
                "type": "audio.delta",
                "delta": b64(b"ab"),
                "audio_duration": 0.5,
                "audio_timestamps": {"graph_chars": ["H"], "graph_times": [[0.0, 0.1]]},
            },
            "timestamps",
            id="delta-with-timestamps",
        ),
        pytest.param({"type": "audio.done", "trace_id": "t-1"}, AudioDone("t-1"), id="done"),
        pytest.param({"type": "audio.done"}, AudioDone(None), id="done-without-trace"),
        pytest.param({"type": "audio.clear"}, AudioCleared(), id="cleared"),
        pytest.param({"type": "session.updated"}, None, id="unknown-type-ignored"),
    ],
)
def test_server_frames_parse_to_events(frame: dict[str, Any], expected: object) -> None:
    event = parse_server_event(json.dumps(frame))
    if expected == "timestamps":
        assert isinstance(event, AudioDelta)
        assert (event.audio, event.duration_s) == (b"ab", 0.5)
        assert event.timestamps is not None
        assert event.timestamps.graph_chars == ["H"]
        assert event.timestamps.graph_times == [(0.0, 0.1)]
    else:
        assert event == expected


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        pytest.param(
            '{"type": "error", "message": "voice not found"}', "voice not found", id="server-error"
        ),
        pytest.param(
            '{"type": "audio.delta", "delta": "not base64!"}', "bad base64", id="bad-base64"
        ),
        pytest.param('{"type": "audio.delta"}', "missing fields", id="delta-without-audio"),
        pytest.param("<html>", "not JSON", id="not-json"),
    ],
)
def test_bad_or_error_frames_raise_stream_errors(frame: str, message: str) -> None:
    with pytest.raises(TTSStreamError, match=message):
        parse_server_event(frame)


def wav_bytes(frames: int, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * frames)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("audio", "codec", "rate", "seconds"),
    [
        pytest.param(b"\x00" * 48_000, "pcm", 24_000, 1.0, id="pcm-16-bit"),
        pytest.param(b"\x00" * 8_000, "mulaw", 8_000, 1.0, id="mulaw-8-bit"),
        pytest.param(b"\x00" * 4_000, "alaw", 8_000, 0.5, id="alaw-8-bit"),
        pytest.param(wav_bytes(12_000, 24_000), "wav", 24_000, 0.5, id="wav-header"),
        pytest.param(b"RIFFjunk", "wav", 24_000, None, id="wav-broken"),
        pytest.param(b"\xff\xfb\x90", "mp3", 24_000, None, id="mp3-needs-decoding"),
    ],
)
def test_duration_from_bytes(audio: bytes, codec: str, rate: int, seconds: float | None) -> None:
    assert audio_duration_s(audio, codec, rate) == seconds


def test_cost_is_4_20_per_million_characters() -> None:
    assert estimate_cost_usd(1_000_000) == pytest.approx(4.20)
    speech = Speech(b"", "mp3", 24000, "audio/mpeg", characters=2_500)
    assert speech.cost_usd == pytest.approx(0.0105)


def test_speech_repr_shows_size_not_bytes() -> None:
    speech = Speech(b"\x00" * 96_000, "pcm", 24000, "audio/pcm", characters=12)
    assert repr(speech) == (
        "Speech(codec='pcm', sample_rate=24000, bytes=96000, duration_s=2.00, characters=12)"
    )


def test_audio_delta_repr_shows_size_and_characters() -> None:
    delta = parse_server_event(
        json.dumps(
            {
                "type": "audio.delta",
                "delta": b64(b"\x00" * 300),
                "audio_duration": 0.12,
                "audio_timestamps": {
                    "graph_chars": ["h", "i"],
                    "graph_times": [[0, 0.06], [0.06, 0.12]],
                },
            }
        )
    )
    assert repr(delta) == "AudioDelta(bytes=300, duration_s=0.12, chars='hi')"
