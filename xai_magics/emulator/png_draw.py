"""A small PNG the emulator draws for a generated image: real, decodable, deterministic.

Stripes and a square whose colours come from a seed (the prompt), so a test can decode the
picture and tell two prompts apart. Encoded by hand (zlib only): the emulator has no imaging
dependency.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

__all__ = ["draw_png"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def draw_png(seed: str, width: int = 256, height: int = 256) -> bytes:
    """An RGB PNG of ``width`` × ``height``: two background stripes and a centred square."""
    width, height = max(1, min(width, 2048)), max(1, min(height, 2048))
    h = hashlib.sha256(seed.encode()).digest()
    top, bottom, square = h[0:3], h[3:6], h[6:9]
    x0, x1 = width // 4, width - width // 4
    y0, y1 = height // 4, height - height // 4
    rows = []
    for y in range(height):
        bg = top if y < height // 2 else bottom
        row = bg * x0 + square * (x1 - x0) + bg * (width - x1) if y0 <= y < y1 else bg * width
        rows.append(b"\x00" + row)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )
