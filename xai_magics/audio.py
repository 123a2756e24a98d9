"""Audio bytes as the TTS API sends them, turned into clips a browser can play, and their durations.

Pure functions on ``bytes``: no IPython, no network. The WebSocket sends audio in pieces; a
``ClipAssembler`` collects them and produces one playable clip at the end:

* ``pcm`` (16-bit little-endian mono) and ``wav`` become a WAV file with the right sizes,
* ``mulaw`` / ``alaw`` (G.711, 8-bit) are expanded to 16-bit PCM WAV, because browsers do not play
  G.711 WAV files,
* ``mp3`` frames are concatenated as they are.

Durations are computed from the bytes (MP3 by walking the frame headers), never estimated from text.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "CODECS",
    "SAMPLE_RATES",
    "ClipAssembler",
    "Codec",
    "WavInfo",
    "alaw_to_pcm16",
    "duration_s",
    "mp3_duration_s",
    "mulaw_to_pcm16",
    "parse_wav_header",
    "playable",
    "wav_header",
]

Codec = Literal["mp3", "wav", "pcm", "mulaw", "alaw"]
CODECS: tuple[Codec, ...] = get_args(Codec)
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)

#: MIME type of the clip that ``playable`` returns for each codec.
PLAYABLE_MIME: dict[Codec, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "pcm": "audio/wav",
    "mulaw": "audio/wav",
    "alaw": "audio/wav",
}

_WAVE_FORMAT_PCM = 1


def _ulaw_sample(byte: int) -> int:
    u = ~byte & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def _alaw_sample(byte: int) -> int:
    a = byte ^ 0x55
    t = (a & 0x0F) << 4
    segment = (a & 0x70) >> 4
    if segment == 0:
        t += 8
    else:
        t = (t + 0x108) << (segment - 1)
    return t if a & 0x80 else -t


# G.711 expands each byte to one 16-bit sample; a 256-entry table keeps decoding a simple join.
_ULAW = [struct.pack("<h", _ulaw_sample(b)) for b in range(256)]
_ALAW = [struct.pack("<h", _alaw_sample(b)) for b in range(256)]


def mulaw_to_pcm16(data: bytes) -> bytes:
    """G.711 μ-law bytes to 16-bit little-endian PCM (the ITU expansion, as ``audioop`` did)."""
    return b"".join(map(_ULAW.__getitem__, data))


def alaw_to_pcm16(data: bytes) -> bytes:
    """G.711 A-law bytes to 16-bit little-endian PCM."""
    return b"".join(map(_ALAW.__getitem__, data))


def wav_header(data_bytes: int, sample_rate: int, *, channels: int = 1, bits: int = 16) -> bytes:
    """A 44-byte RIFF/WAVE header for ``data_bytes`` of integer PCM."""
    block_align = channels * bits // 8
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        _WAVE_FORMAT_PCM,
        channels,
        sample_rate,
        sample_rate * block_align,
        block_align,
        bits,
        b"data",
        data_bytes,
    )


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says; ``data_offset`` is where the samples start."""

    format_tag: int
    channels: int
    sample_rate: int
    bits: int
    data_offset: int
    declared_data_bytes: int

    @property
    def bytes_per_second(self) -> int:
        return self.sample_rate * self.channels * max(1, self.bits // 8)


def parse_wav_header(data: bytes) -> WavInfo | None:
    """The header of a WAV file, or ``None`` while ``data`` is too short to hold all of it.

    Streamed WAV declares unknown sizes (0 or 0xFFFFFFFF), so the data length is taken from the
    bytes actually present, not from the header.
    """
    if len(data) < 12:
        return None
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file: it does not start with a RIFF/WAVE header")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        if chunk_id == b"data":
            if fmt is None:
                raise ValueError("WAV file has its data chunk before its fmt chunk")
            tag, channels, rate, bits = fmt
            return WavInfo(tag, channels, rate, bits, body, size)
        if body + size > len(data):
            return None
        if chunk_id == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", data, body)
            (bits,) = struct.unpack_from("<H", data, body + 14)
            fmt = (tag, channels, rate, bits)
        pos = body + size + (size & 1)
    return None


# MPEG audio frame header tables (ISO 11172-3 / 13818-3), Layer III only: all the TTS API sends.
_MP3_BITRATES_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class _Mp3Frame:
    length: int
    samples: int
    sample_rate: int


def _mp3_frame(data: bytes, pos: int) -> _Mp3Frame | None:
    if pos + 4 > len(data):
        return None
    b1, b2 = data[pos + 1], data[pos + 2]
    if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version = (b1 >> 3) & 0x03  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    layer = (b1 >> 1) & 0x03  # 1 = Layer III
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 0x03
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES_KBPS[1 if version == 3 else 2][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (b2 >> 1) & 0x01
    samples = 1152 if version == 3 else 576
    length = samples // 8 * bitrate // rate + padding
    return _Mp3Frame(length, samples, rate)


def _id3_size(data: bytes) -> int:
    if len(data) >= 10 and data[:3] == b"ID3":
        size = 0
        for byte in data[6:10]:  # "syncsafe" integer: 7 bits per byte
            size = (size << 7) | (byte & 0x7F)
        return 10 + size
    return 0


def mp3_frames(data: bytes) -> tuple[int, int, int]:
    """``(complete_frames, samples, sample_rate)`` of the audio frames at the start of ``data``.

    A Xing/Info header frame (written by encoders for seeking) holds no audio and is not counted.
    Trailing bytes that do not make a whole frame are ignored, so a stream cut mid-frame counts
    only what a decoder can play.
    """
    pos = _id3_size(data)
    frames = samples = rate = 0
    while (frame := _mp3_frame(data, pos)) is not None and pos + frame.length <= len(data):
        body = data[pos : pos + frame.length]
        if not (frames == 0 and samples == 0 and (b"Xing" in body[:64] or b"Info" in body[:64])):
            frames += 1
            samples += frame.samples
        rate = frame.sample_rate
        pos += frame.length
    return frames, samples, rate


def mp3_duration_s(data: bytes) -> float:
    """Seconds of audio in MP3 ``data``, counted frame by frame."""
    _, samples, rate = mp3_frames(data)
    return samples / rate if rate else 0.0


def duration_s(data: bytes, codec: Codec, sample_rate: int) -> float:
    """Seconds of audio in ``data`` as ``codec``; mp3 and wav carry their own sample rate."""
    if codec == "mp3":
        return mp3_duration_s(data)
    if codec == "wav":
        info = parse_wav_header(data)
        if info is None:
            return 0.0
        return (len(data) - info.data_offset) / info.bytes_per_second
    width = 2 if codec == "pcm" else 1
    return len(data) // width / sample_rate


def playable(data: bytes, codec: Codec, sample_rate: int) -> tuple[bytes, str]:
    """``(clip, mime)``: the audio as a file a browser's ``<audio>`` element plays."""
    if codec == "mp3":
        return data, PLAYABLE_MIME[codec]
    if codec == "wav":
        info = parse_wav_header(data)
        if info is None:
            raise ValueError("WAV audio ended before its header was complete")
        samples = data[info.data_offset :]
        if info.format_tag == _WAVE_FORMAT_PCM:
            header = wav_header(
                len(samples), info.sample_rate, channels=info.channels, bits=info.bits
            )
            return header + samples, PLAYABLE_MIME[codec]
        return data, PLAYABLE_MIME[codec]
    if codec == "pcm":
        pcm = data[: len(data) // 2 * 2]
    elif codec == "mulaw":
        pcm = mulaw_to_pcm16(data)
    else:
        pcm = alaw_to_pcm16(data)
    return wav_header(len(pcm), sample_rate) + pcm, PLAYABLE_MIME[codec]


class ClipAssembler:
    """Collects streamed audio pieces of one codec, in arrival order, into one clip."""

    def __init__(self, codec: Codec, sample_rate: int) -> None:
        self.codec: Codec = codec
        self.sample_rate = sample_rate
        self._parts: list[bytes] = []
        self._size = 0

    def add(self, piece: bytes) -> None:
        self._parts.append(piece)
        self._size += len(piece)

    def __len__(self) -> int:
        return self._size

    @property
    def audio(self) -> bytes:
        """Everything received, exactly as the server sent it."""
        if len(self._parts) > 1:
            self._parts = [b"".join(self._parts)]
        return self._parts[0] if self._parts else b""

    @property
    def duration_s(self) -> float:
        return duration_s(self.audio, self.codec, self.sample_rate)

    def clip(self) -> tuple[bytes, str]:
        """The received audio as a playable file and its MIME type."""
        return playable(self.audio, self.codec, self.sample_rate)
