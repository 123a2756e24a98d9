"""Streamed audio bytes become playable clips with the right duration, for every codec."""

from __future__ import annotations

import io
import math
import struct
import wave

import lameenc
import miniaudio
import pytest

from xai_magics import audio


def tone_pcm(seconds: float, rate: int) -> bytes:
    n = round(seconds * rate)
    return b"".join(
        struct.pack("<h", int(9000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n)
    )


def encode_mp3(pcm: bytes, rate: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64 if rate > 16000 else 32)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm) + encoder.flush())


def read_wav(clip: bytes) -> tuple[int, int, int, bytes]:
    with wave.open(io.BytesIO(clip)) as reader:
        frames = reader.readframes(reader.getnframes())
        return reader.getnframes(), reader.getframerate(), reader.getsampwidth(), frames


@pytest.mark.parametrize(
    ("byte", "mulaw", "alaw"),
    [
        pytest.param(0x00, -32124, -5504, id="0x00"),
        pytest.param(0x7F, 0, -848, id="0x7f"),
        pytest.param(0x80, 32124, 5504, id="0x80"),
        pytest.param(0xFF, 0, 848, id="0xff"),
        pytest.param(0x55, -716, -8, id="0x55"),
        pytest.param(0xD5, 716, 8, id="0xd5"),
        pytest.param(0x2A, -5372, -32256, id="0x2a"),
        pytest.param(0xAA, 5372, 32256, id="0xaa"),
    ],
)
def test_g711_bytes_expand_to_the_reference_sample_values(byte: int, mulaw: int, alaw: int) -> None:
    assert struct.unpack("<h", audio.mulaw_to_pcm16(bytes([byte])))[0] == mulaw
    assert struct.unpack("<h", audio.alaw_to_pcm16(bytes([byte])))[0] == alaw


@pytest.mark.parametrize("table", ["mulaw", "alaw"])
def test_g711_expansion_is_monotonic_within_each_sign(table: str) -> None:
    decode = audio.mulaw_to_pcm16 if table == "mulaw" else audio.alaw_to_pcm16
    values = struct.unpack("<256h", decode(bytes(range(256))))
    positives = sorted(v for v in values if v > 0)
    negatives = sorted(v for v in values if v < 0)
    assert len(set(positives)) >= 127
    assert len(set(negatives)) >= 127
    assert [-v for v in negatives] == sorted(positives, reverse=True)


@pytest.mark.parametrize("rate", audio.SAMPLE_RATES, ids=str)
def test_pcm_clip_is_a_wav_file_the_standard_library_reads(rate: int) -> None:
    pcm = tone_pcm(0.25, rate)
    clip, mime = audio.playable(pcm, "pcm", rate)
    frames, read_rate, width, samples = read_wav(clip)
    assert (mime, read_rate, width, samples) == ("audio/wav", rate, 2, pcm)
    assert frames / rate == pytest.approx(audio.duration_s(pcm, "pcm", rate))


@pytest.mark.parametrize("codec", ["mulaw", "alaw"])
def test_g711_clip_becomes_16_bit_wav_of_the_same_length(codec: str) -> None:
    data = bytes(range(256)) * 40
    clip, mime = audio.playable(data, codec, 8000)  # type: ignore[arg-type]
    frames, rate, width, _ = read_wav(clip)
    assert (mime, frames, rate, width) == ("audio/wav", len(data), 8000, 2)
    assert audio.duration_s(data, codec, 8000) == pytest.approx(len(data) / 8000)  # type: ignore[arg-type]


def streamed_wav(pcm: bytes, rate: int, *, size: int = 0xFFFFFFFF, extra: bytes = b"") -> bytes:
    """A WAV header as a streaming server writes it: unknown sizes, maybe a LIST chunk first."""
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    header = b"RIFF" + struct.pack("<I", size) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    if extra:
        header += b"LIST" + struct.pack("<I", len(extra)) + extra
    return header + b"data" + struct.pack("<I", size) + pcm


@pytest.mark.parametrize(
    "extra", [b"", b"INFOISFT\x05\x00\x00\x00lame\x00\x00"], ids=["plain", "list-chunk"]
)
def test_streamed_wav_gets_its_real_sizes_in_the_clip(extra: bytes) -> None:
    pcm = tone_pcm(0.5, 16000)
    data = streamed_wav(pcm, 16000, extra=extra)
    assert audio.duration_s(data, "wav", 24000) == pytest.approx(0.5)
    clip, _ = audio.playable(data, "wav", 24000)
    frames, rate, _, samples = read_wav(clip)
    assert (frames, rate, samples) == (8000, 16000, pcm)


def test_wav_header_split_anywhere_is_reported_incomplete_until_whole() -> None:
    data = streamed_wav(b"\x01\x02" * 10, 8000, extra=b"INFOabcd")
    info = audio.parse_wav_header(data)
    assert info is not None
    for cut in range(info.data_offset):
        assert audio.parse_wav_header(data[:cut]) is None, cut


def test_non_wav_bytes_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="RIFF"):
        audio.parse_wav_header(b"ID3\x04" + bytes(40))


@pytest.mark.parametrize("rate", audio.SAMPLE_RATES, ids=str)
def test_mp3_duration_counts_the_frames_a_decoder_plays(rate: int) -> None:
    mp3 = encode_mp3(tone_pcm(0.7, rate), rate)
    decoded = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16, sample_rate=rate)
    assert audio.mp3_duration_s(mp3) == pytest.approx(decoded.num_frames / rate, abs=1 / rate)
    samples_per_frame = 1152 if rate >= 32000 else 576
    # The encoder adds its delay and pads the last frame: at most a few frames, never less audio.
    assert 0.7 <= audio.mp3_duration_s(mp3) <= 0.7 + 3 * samples_per_frame / rate


def test_mp3_cut_mid_frame_counts_only_whole_frames() -> None:
    mp3 = encode_mp3(tone_pcm(1.0, 24000), 24000)
    frames, samples, rate = audio.mp3_frames(mp3)
    cut = audio.mp3_frames(mp3[: len(mp3) - len(mp3) // frames // 2])
    assert (cut[0], cut[1], cut[2]) == (frames - 1, samples - 576, rate)


def test_mp3_behind_an_id3_tag_is_still_counted() -> None:
    mp3 = encode_mp3(tone_pcm(0.3, 44100), 44100)
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10
    assert audio.mp3_duration_s(tag + mp3) == audio.mp3_duration_s(mp3) > 0


@pytest.mark.parametrize("codec", ["pcm", "mulaw", "alaw", "mp3"])
def test_assembler_keeps_pieces_in_order_whatever_the_split(codec: str) -> None:
    pcm = tone_pcm(0.4, 24000)
    data = {"pcm": pcm, "mulaw": pcm[::2], "alaw": pcm[1::2], "mp3": encode_mp3(pcm, 24000)}[codec]
    assembler = audio.ClipAssembler(codec, 24000)  # type: ignore[arg-type]
    for start in range(0, len(data), 777):
        assembler.add(data[start : start + 777])
    assert assembler.audio == data
    assert len(assembler) == len(data)
    assert assembler.duration_s == pytest.approx(audio.duration_s(data, codec, 24000))  # type: ignore[arg-type]
    assert assembler.clip() == audio.playable(data, codec, 24000)  # type: ignore[arg-type]
