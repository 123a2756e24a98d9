"""Encoding 16-bit PCM into the codecs ``/v1/tts`` offers: mp3, wav, pcm, G.711 μ-law and A-law.

G.711 is implemented here from the ITU reference algorithm (``audioop`` left the standard library
in Python 3.13). MP3 uses ``lameenc`` (the ``emulator`` extra), imported only when asked for.
"""

from __future__ import annotations

import array
import io
import sys
import wave
from functools import lru_cache
from typing import Any

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
    "mulaw": "audio/basic",
    "alaw": "audio/alaw",
}
#: codec names a request may use, to the codec they mean
CODEC_ALIASES = {name: name for name in CONTENT_TYPES} | {"ulaw": "mulaw"}
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
BIT_RATES = (32000, 64000, 96000, 128000, 192000)

_SEG_END_ULAW = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_SEG_END_ALAW = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for i, end in enumerate(ends):
        if value <= end:
            return i
    return len(ends)


def ulaw_byte(sample: int) -> int:
    """G.711 μ-law code for one signed 16-bit sample."""
    value = sample >> 2
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, 8159) + 0x21
    seg = _segment(value, _SEG_END_ULAW)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((value >> (seg + 1)) & 0x0F)) ^ mask


def alaw_byte(sample: int) -> int:
    """G.711 A-law code for one signed 16-bit sample."""
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask, value = 0x55, -value - 1
    seg = _segment(value, _SEG_END_ALAW)
    if seg >= 8:
        return 0x7F ^ mask
    code = seg << 4
    code |= (value >> 1) & 0x0F if seg < 2 else (value >> seg) & 0x0F
    return code ^ mask


@lru_cache(maxsize=2)
def _table(law: str) -> bytes:
    """The code of every 16-bit sample, indexed by the sample's unsigned bit pattern."""
    encode = ulaw_byte if law == "mulaw" else alaw_byte
    return bytes(encode(u - 65536 if u >= 32768 else u) for u in range(65536))


def _g711(pcm: bytes, law: str) -> bytes:
    samples = array.array("H")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return bytes(map(_table(law).__getitem__, samples))


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return out.getvalue()


def _mp3_encoder(sample_rate: int, bit_rate: int) -> Any:
    import lameenc  # type: ignore[import-not-found,unused-ignore]

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bit_rate // 1000)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return encoder


def _mp3(pcm: bytes, sample_rate: int, bit_rate: int) -> bytes:
    encoder = _mp3_encoder(sample_rate, bit_rate)
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())


def encode(pcm: bytes, codec: str, sample_rate: int, bit_rate: int = 128000) -> bytes:
    """``pcm`` (16-bit little-endian mono) in ``codec``."""
    if codec == "pcm":
        return pcm
    if codec == "wav":
        return _wav(pcm, sample_rate)
    if codec in ("mulaw", "alaw"):
        return _g711(pcm, codec)
    if codec == "mp3":
        return _mp3(pcm, sample_rate, bit_rate)
    raise ValueError(f"unknown codec {codec!r}")


def encode_chunks(
    pcm: bytes, codec: str, sample_rate: int, bit_rate: int, size: int
) -> list[bytes]:
    """``pcm`` in ``codec`` as a sequence of chunks of about ``size`` PCM bytes each.

    Each chunk stands on its own: MP3 chunks hold whole frames (one encoder across the
    utterance), the WAV header (announcing the whole utterance) comes with the first chunk,
    and no chunk splits a sample.
    """
    size = max(2, size - size % 2)
    slices = [pcm[i : i + size] for i in range(0, len(pcm), size)] or [b""]
    if codec == "mp3":
        encoder = _mp3_encoder(sample_rate, bit_rate)
        chunks = [bytes(encoder.encode(piece)) for piece in slices]
        chunks[-1] += bytes(encoder.flush())
        return [chunk for chunk in chunks if chunk]
    if codec == "wav":
        header = _wav(b"", sample_rate)[:40] + len(pcm).to_bytes(4, "little")
        header = header[:4] + (36 + len(pcm)).to_bytes(4, "little") + header[8:]
        return [header + slices[0], *slices[1:]]
    return [encode(piece, codec, sample_rate, bit_rate) for piece in slices]
