"""What the emulator "sees" in an image part: it decodes the picture's header and says so.

A received image becomes the text ``[image: png 640x480, 23051 bytes, sha256 0123abcd…]`` in the
conversation, and the simulated answer lists what it received (``image_lines``), so a test can
prove the right picture arrived. Written apart from the client's image code on purpose: the
emulator checks the client, so it must not trust the client's decoder.

Rejections (the recorded service accepts PNG and JPEG up to 20 MiB; the wording of these errors
is not recorded and is SYNTHETIC): an image that is not PNG/JPEG, bad base64, a bad ``detail``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from typing import Any

from xai_magics.emulator.errors import APIError, unprocessable

__all__ = ["describe_part", "image_lines"]

_LIMIT = 20 * 1024 * 1024
_DESCRIBED = re.compile(
    r"\[image: (png|jpeg) (\d+)x(\d+), (\d+) bytes, sha256 ([0-9a-f]{16})\]|\[image: remote (\S+)\]"
)


def describe_part(part: dict[str, Any]) -> str:
    """The text that stands for an ``input_image`` / ``image_url`` content part."""
    if part.get("type") == "input_image":
        url, detail = part.get("image_url"), part.get("detail")
    else:
        inner = part.get("image_url")
        if not isinstance(inner, dict):
            raise unprocessable("invalid type: image_url, expected a struct with a url")
        url, detail = inner.get("url"), inner.get("detail")
    if not isinstance(url, str) or not url:
        raise unprocessable("missing field `url` in image_url")
    if detail is not None and detail not in ("low", "high", "auto"):
        raise APIError(400, f"Invalid image detail {detail!r}: use low, high or auto.")
    if not url.startswith("data:"):
        return f"[image: remote {url}]"
    fmt, width, height, digest = image_facts(url)
    size = len(base64.b64decode(url.partition(",")[2]))
    return f"[image: {fmt} {width}x{height}, {size} bytes, sha256 {digest}]"


def image_facts(url: str) -> tuple[str, int, int, str]:
    """``(format, width, height, sha256[:16])`` of a ``data:`` image URL; 400 when unreadable.

    A remote URL is not fetched: ``("remote", 0, 0, "")``.
    """
    if not url.startswith("data:"):
        return "remote", 0, 0, ""
    head, _, payload = url.partition(",")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise APIError(400, "Invalid image: the data URL is not valid base64.") from None
    if len(data) > _LIMIT:
        raise APIError(400, f"Image too large: {len(data)} bytes; the limit is 20 MiB.")
    fmt, width, height = _decode_header(data)
    if fmt is None:
        raise APIError(400, f"Unsupported image format in {head[:40]!r}: only JPEG and PNG.")
    return fmt, width, height, hashlib.sha256(data).hexdigest()[:16]


def image_lines(prompt: str) -> list[str]:
    """Sentences of the simulated answer about the images in the prompt (none: no lines)."""
    lines: list[str] = []
    for n, match in enumerate(_DESCRIBED.finditer(prompt), start=1):
        fmt, w, h, size, digest, remote = match.groups()
        if remote:
            lines.append(f"- Image {n}: a remote image at {remote} (not fetched by the emulator).")
        else:
            lines.append(
                f"- Image {n}: a {fmt.upper()} of {w}×{h} pixels, {size} bytes, sha256 {digest}…"
            )
    if lines:
        lines = [f"The emulator received {len(lines)} image(s):", *lines, ""]
    return lines


def _decode_header(data: bytes) -> tuple[str | None, int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        # IHDR must be the first chunk, 13 bytes long, with a valid CRC.
        if len(data) < 33 or data[12:16] != b"IHDR":
            return None, 0, 0
        if zlib.crc32(data[12:29]) != int.from_bytes(data[29:33], "big"):
            return None, 0, 0
        return "png", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:3] == b"\xff\xd8\xff":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None, 0, 0
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD):
                height = int.from_bytes(data[i + 5 : i + 7], "big")
                width = int.from_bytes(data[i + 7 : i + 9], "big")
                return "jpeg", width, height
            if marker == 0xFF:
                i += 1
                continue
            i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None, 0, 0
