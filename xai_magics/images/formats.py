"""What a picture's bytes are: format and pixel size, read from the file header alone.

Only the header is read (no decoding), so a 20 MiB photo costs nothing to identify, and no
imaging library is needed for the formats xAI accepts (PNG, JPEG).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["ACCEPTED", "MAX_IMAGE_BYTES", "ImageError", "Sniffed", "sniff"]

#: xAI's documented limit per image (image understanding guide): 20 MiB.
MAX_IMAGE_BYTES = 20 * 1024 * 1024

#: Formats xAI accepts as they are; the rest are converted to PNG first.
ACCEPTED = ("png", "jpeg")

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


class ImageError(ValueError):
    """The image was not used; the message says why and what to do."""


@dataclass(frozen=True)
class Sniffed:
    """Format (``png``, ``jpeg``, ``gif``, ``webp``, ``bmp``...) and size in pixels, if known."""

    format: str
    width: int | None = None
    height: int | None = None

    @property
    def mime(self) -> str:
        return _MIME.get(self.format, f"image/{self.format}")


def sniff(data: bytes) -> Sniffed | None:
    """The format and pixel size of ``data``, or None when it is no image format we know."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            w, h = struct.unpack(">II", data[16:24])
            return Sniffed("png", w, h)
        return Sniffed("png")
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        w, h = struct.unpack("<HH", data[6:10]) if len(data) >= 10 else (None, None)
        return Sniffed("gif", w, h)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Sniffed("webp")
    if data[:2] == b"BM" and len(data) >= 26:
        w, h = struct.unpack("<ii", data[18:26])
        return Sniffed("bmp", w, abs(h))
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("tiff")
    return None


# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: bytes) -> Sniffed:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF and pos + 9 <= len(data):
            h, w = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return Sniffed("jpeg", w, h)
        pos += 2 + length
    return Sniffed("jpeg")
