"""Text to speech: real audio in every codec (decoded independently), options, and the WebSocket."""

from __future__ import annotations

import array
import base64
import io
import itertools
import json
import time
import uuid
import wave

import httpx
import miniaudio
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.emulator.conftest import KEY
from xai_magics.emulator import Emulator

TEXT = "Hello from the simulated voice."
SECONDS_PER_CHAR = 0.06


def speak(http: httpx.Client, text: str = TEXT, **body: object) -> httpx.Response:
    return http.post("/tts", json={"text": text, "language": "en", **body})


def ulaw_to_linear(code: int) -> int:
    """ITU G.711 μ-law expansion (the reference decoder, written independently)."""
    code = ~code & 0xFF
    value = ((code & 0x0F) << 3) + 0x84
    value <<= (code & 0x70) >> 4
    return 0x84 - value if code & 0x80 else value - 0x84


def alaw_to_linear(code: int) -> int:
    """ITU G.711 A-law expansion."""
    code ^= 0x55
    value = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    if segment == 0:
        value += 8
    else:
        value = (value + 0x108) << (segment - 1)
    return value if code & 0x80 else -value


def pcm_samples(data: bytes) -> list[int]:
    samples = array.array("h")
    samples.frombytes(data)
    return samples.tolist()


def duration_of(codec: str, data: bytes, sample_rate: int) -> float:
    if codec == "mp3":
        decoded = miniaudio.decode(data, nchannels=1, sample_rate=sample_rate)
        return decoded.num_frames / decoded.sample_rate
    if codec == "wav":
        with wave.open(io.BytesIO(data)) as reader:
            assert reader.getframerate() == sample_rate
            assert reader.getnchannels() == 1
            return reader.getnframes() / reader.getframerate()
    if codec == "pcm":
        return len(data) / 2 / sample_rate
    return len(data) / sample_rate


@pytest.mark.parametrize("sample_rate", [8000, 24000, 44100], ids=lambda r: f"{r}Hz")
@pytest.mark.parametrize(
    ("codec", "content_type"),
    [
        ("mp3", "audio/mpeg"),
        ("wav", "audio/wav"),
        ("pcm", "audio/pcm"),
        ("mulaw", "audio/basic"),
        ("alaw", "audio/alaw"),
    ],
    ids=["mp3", "wav", "pcm", "mulaw", "alaw"],
)
def test_audio_decodes_to_the_expected_duration(
    http: httpx.Client, codec: str, content_type: str, sample_rate: int
) -> None:
    response = speak(http, output_format={"codec": codec, "sample_rate": sample_rate})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    expected = len(TEXT) * SECONDS_PER_CHAR
    measured = duration_of(codec, response.content, sample_rate)
    if codec == "mp3":
        # MP3 adds encoder delay and frame padding: at most a few frames, never less audio.
        frame = (1152 if sample_rate >= 32000 else 576) / sample_rate
        assert expected - 0.01 <= measured <= expected + 3 * frame
    else:
        assert abs(measured - expected) <= 1 / sample_rate


@pytest.mark.parametrize(
    ("codec", "expand"),
    [("mulaw", ulaw_to_linear), ("alaw", alaw_to_linear)],
    ids=["mulaw", "alaw"],
)
def test_g711_audio_matches_the_pcm_within_quantisation(
    http: httpx.Client, codec: str, expand: object
) -> None:
    fmt = {"sample_rate": 8000}
    pcm = pcm_samples(speak(http, output_format={**fmt, "codec": "pcm"}).content)
    coded = speak(http, output_format={**fmt, "codec": codec}).content
    assert len(coded) == len(pcm)
    decoded = [expand(b) for b in coded]  # type: ignore[operator]
    assert any(abs(x) > 1000 for x in pcm)
    assert all(abs(d - x) <= abs(x) / 16 + 8 for d, x in zip(decoded, pcm, strict=True))


def test_mp3_bit_rate_changes_the_size(http: httpx.Client) -> None:
    small = speak(http, output_format={"codec": "mp3", "bit_rate": 32000}).content
    large = speak(http, output_format={"codec": "mp3", "bit_rate": 192000}).content
    assert len(large) > 3 * len(small)


def zero_crossings(samples: list[int]) -> int:
    return sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))


def test_voices_have_different_pitch(http: httpx.Client) -> None:
    fmt = {"codec": "pcm", "sample_rate": 24000}
    crossings = {
        voice: zero_crossings(pcm_samples(speak(http, voice_id=voice, output_format=fmt).content))
        for voice in ("eve", "ara", "rex", "sal", "leo")
    }
    assert len(set(crossings.values())) == 5
    assert crossings["eve"] > crossings["rex"]


def test_speed_shortens_the_audio(http: httpx.Client) -> None:
    fmt = {"codec": "pcm", "sample_rate": 16000}
    normal = len(speak(http, output_format=fmt).content)
    fast = len(speak(http, output_format=fmt, speed=1.5).content)
    assert abs(fast * 1.5 - normal) <= 4 * len(TEXT)


def test_audio_is_a_function_of_the_text(http: httpx.Client) -> None:
    fmt = {"codec": "pcm"}
    one = speak(http, "abc def", output_format=fmt).content
    assert one == speak(http, "abc def", output_format=fmt).content
    assert one != speak(http, "xyz uvw", output_format=fmt).content


def test_with_timestamps_returns_json_with_per_character_times(http: httpx.Client) -> None:
    body = speak(http, "Hi there", with_timestamps=True, output_format={"codec": "wav"}).json()
    assert set(body) == {"audio", "content_type", "duration", "audio_timestamps"}
    assert body["content_type"] == "audio/wav"
    audio = base64.b64decode(body["audio"])
    assert abs(duration_of("wav", audio, 24000) - body["duration"]) < 1e-3
    stamps = body["audio_timestamps"]
    assert stamps["graph_chars"] == list("Hi there")
    times = stamps["graph_times"]
    assert times[0][0] == 0
    assert all(a[1] == b[0] for a, b in itertools.pairwise(times))
    assert abs(times[-1][1] - body["duration"]) < 1e-3


@pytest.mark.parametrize(
    ("body", "contains"),
    [
        ({"text": "hi"}, "language"),
        ({"text": "hi", "language": "en", "voice_id": "not a voice!"}, "voice"),
        ({"text": "x" * 15001, "language": "en"}, "too long"),
        ({"text": "hi", "language": "en", "output_format": {"sample_rate": 12345}}, "sample_rate"),
        ({"text": "hi", "language": "en", "output_format": {"codec": "ogg"}}, "codec"),
        ({"text": "hi", "language": "en", "speed": 3}, "speed"),
        ({"text": "   ", "language": "en"}, "empty"),
    ],
    ids=[
        "no-language",
        "malformed-voice",
        "too-long",
        "bad-rate",
        "bad-codec",
        "bad-speed",
        "empty",
    ],
)
def test_bad_tts_requests_are_400(http: httpx.Client, body: dict, contains: str) -> None:
    response = http.post("/tts", json=body)
    assert response.status_code == 400
    assert contains in response.json()["error"]


@pytest.mark.parametrize("voice", ["bob", "vc_3f2a9b7e-custom", "MyClonedVoice1"])
def test_custom_voice_ids_are_accepted_like_the_real_api(http: httpx.Client, voice: str) -> None:
    # "custom voice ids also accepted" (xai-api.md §6): a well-formed unknown id speaks.
    response = speak(http, voice_id=voice)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/mpeg"
    assert len(response.content) > 1000


def test_voice_is_case_insensitive_and_listed(http: httpx.Client) -> None:
    assert speak(http, voice_id="Rex").status_code == 200
    voices = http.get("/tts/voices").json()["voices"]
    assert [v["voice_id"] for v in voices] == ["eve", "ara", "rex", "sal", "leo"]
    assert http.get("/tts/voices/ara").json()["name"] == "Ara"


# --- WebSocket -----------------------------------------------------------------------------


def ws_url(emu: Emulator, **params: str) -> str:
    query = {"language": "en", "voice": "eve", "codec": "pcm", "sample_rate": "16000", **params}
    return (
        emu.base_url.replace("http://", "ws://")
        + "/tts?"
        + "&".join(f"{k}={v}" for k, v in query.items())
    )


def open_socket(emu: Emulator, **params: str) -> ClientConnection:
    return connect(
        ws_url(emu, **params),
        additional_headers={"Authorization": f"Bearer {KEY}"},
        open_timeout=10,
    )


def utterance(ws: ClientConnection, *deltas: str) -> tuple[bytes, list[dict], dict]:
    for delta in deltas:
        ws.send(json.dumps({"type": "text.delta", "delta": delta}))
    ws.send(json.dumps({"type": "text.done"}))
    audio = b""
    events: list[dict] = []
    while True:
        event = json.loads(ws.recv(timeout=10))
        if event["type"] != "audio.delta":
            return audio, events, event
        events.append(event)
        audio += base64.b64decode(event["delta"])


def test_ws_streams_an_utterance_in_chunks_then_done(emu: Emulator) -> None:
    with open_socket(emu) as ws:
        audio, deltas, done = utterance(ws, "Hello ", "streaming world")
    assert done["type"] == "audio.done"
    uuid.UUID(done["trace_id"])
    expected = len("Hello streaming world") * SECONDS_PER_CHAR
    assert abs(len(audio) / 2 / 16000 - expected) <= 1 / 16000
    chunk_seconds = [len(base64.b64decode(d["delta"])) / 2 / 16000 for d in deltas]
    assert all(0.1 <= s <= 0.2 for s in chunk_seconds[:-1])


def test_ws_serves_several_utterances_on_one_socket(emu: Emulator) -> None:
    with open_socket(emu, codec="mulaw", sample_rate="8000") as ws:
        first, _, done1 = utterance(ws, "one")
        second, _, done2 = utterance(ws, "two two")
    assert (len(first), len(second)) == (round(3 * 0.06 * 8000), round(7 * 0.06 * 8000))
    assert done1["trace_id"] != done2["trace_id"]


def test_ws_mp3_stream_decodes(emu: Emulator) -> None:
    with open_socket(emu, codec="mp3", sample_rate="24000") as ws:
        audio, _, _ = utterance(ws, "An mp3 sentence to stream.")
    decoded = miniaudio.decode(audio, nchannels=1, sample_rate=24000)
    expected = len("An mp3 sentence to stream.") * SECONDS_PER_CHAR
    assert expected - 0.01 <= decoded.num_frames / 24000 <= expected + 3 * 576 / 24000


def test_ws_text_clear_answers_audio_clear(emu: Emulator) -> None:
    with open_socket(emu) as ws:
        ws.send(json.dumps({"type": "text.delta", "delta": "forget this"}))
        ws.send(json.dumps({"type": "text.clear"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "audio.clear"}
        audio, _, done = utterance(ws, "kept")
    assert done["type"] == "audio.done"
    assert len(audio) == round(4 * 0.06 * 16000) * 2


def test_ws_with_timestamps_adds_alignment(emu: Emulator) -> None:
    with open_socket(emu, with_timestamps="true") as ws:
        _, deltas, _ = utterance(ws, "timed words here")
    chars = [c for d in deltas for c in d["audio_timestamps"]["graph_chars"]]
    assert "".join(chars) == "timed words here"


@pytest.mark.parametrize(
    "message",
    [{"type": "nonsense"}, "not json", {"type": "text.delta", "delta": 5}],
    ids=["unknown-type", "invalid-json", "bad-delta"],
)
def test_ws_bad_messages_get_error_events(emu: Emulator, message: object) -> None:
    with open_socket(emu) as ws:
        ws.send(message if isinstance(message, str) else json.dumps(message))
        event = json.loads(ws.recv(timeout=10))
    assert event["type"] == "error"
    assert isinstance(event["message"], str)


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        ({}, {}, 401),
        ({"Authorization": "Bearer xai-bad-key"}, {}, 400),
        ({"Authorization": f"Bearer {KEY}"}, {"voice": "no body?"}, 400),
    ],
    ids=["no-auth", "bad-key", "bad-voice"],
)
def test_ws_handshake_is_refused(emu: Emulator, headers: dict, params: dict, status: int) -> None:
    with pytest.raises(InvalidStatus) as info:
        connect(ws_url(emu, **params), additional_headers=headers, open_timeout=10)
    assert info.value.response.status_code == status


def receive_forever(ws: ClientConnection, into: list[dict]) -> None:
    while True:
        into.append(json.loads(ws.recv(timeout=10)))


def test_ws_reset_mid_stream_drops_the_socket(emu: Emulator) -> None:
    emu.control.inject("reset_mid_stream", "/v1/tts", method="GET", after_events=2)
    with open_socket(emu) as ws:
        ws.send(json.dumps({"type": "text.delta", "delta": "a long enough sentence to chunk"}))
        ws.send(json.dumps({"type": "text.done"}))
        received: list[dict] = []
        with pytest.raises(ConnectionClosed) as info:
            receive_forever(ws, received)
    assert [e["type"] for e in received] == ["audio.delta", "audio.delta"]
    assert info.value.rcvd is None


def test_ws_close_code_fault(emu: Emulator) -> None:
    emu.control.inject("reset_mid_stream", "/v1/tts", method="GET", after_events=1, close_code=1011)
    with open_socket(emu) as ws, pytest.raises(ConnectionClosed) as info:
        utterance(ws, "a long enough sentence to chunk")
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1011


def test_ws_error_event_fault(emu: Emulator) -> None:
    emu.control.inject("error_event", "/v1/tts", method="GET", after_events=1, message="voice lost")
    with open_socket(emu) as ws:
        _, deltas, last = utterance(ws, "a long enough sentence to chunk")
    assert len(deltas) == 1
    assert last == {"type": "error", "message": "voice lost"}


def test_ws_pacing_knob_spreads_audio_over_time(emu: Emulator) -> None:
    emu.control.configure(tts_realtime_factor=1.0)
    began = time.monotonic()
    with open_socket(emu) as ws:
        utterance(ws, "paced speech")
    assert time.monotonic() - began >= 12 * SECONDS_PER_CHAR * 0.8


def test_ws_corrupt_event_fault_sends_one_undecodable_chunk(emu: Emulator) -> None:
    emu.control.inject("corrupt_event", "/v1/tts", method="GET", after_events=2)
    with open_socket(emu) as ws:
        for delta in ("long enough to chunk a few times",):
            ws.send(json.dumps({"type": "text.delta", "delta": delta}))
        ws.send(json.dumps({"type": "text.done"}))
        deltas = []
        while True:
            event = json.loads(ws.recv(timeout=10))
            if event["type"] != "audio.delta":
                break
            deltas.append(event["delta"])
    assert event["type"] == "audio.done"
    broken = []
    for n, delta in enumerate(deltas):
        try:
            base64.b64decode(delta, validate=True)
        except ValueError:
            broken.append(n)
    assert broken == [2]


@pytest.mark.parametrize("codec", ["mp3", "wav", "pcm", "mulaw"])
def test_ws_chunks_are_playable_on_their_own(emu: Emulator, codec: str) -> None:
    with open_socket(emu, codec=codec, sample_rate="24000") as ws:
        _, deltas, _ = utterance(ws, "Each chunk should play by itself, one after another.")
    chunks = [base64.b64decode(d["delta"]) for d in deltas]
    assert len(chunks) > 3
    if codec == "mp3":
        for chunk in chunks:
            assert miniaudio.decode(chunk, nchannels=1, sample_rate=24000).num_frames > 0
    elif codec == "wav":
        assert chunks[0].startswith(b"RIFF")
        assert all(len(c) % 2 == 0 for c in chunks)
    elif codec == "pcm":
        assert all(len(c) % 2 == 0 for c in chunks)
    else:
        assert all(len(c) == int(24000 * 0.15) for c in chunks[:-1])
