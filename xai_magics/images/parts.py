"""Image parts of a request, and the short placeholder that stands for one wherever it is shown.

An ``ImagePart`` is what the request holds for one picture: its URL (a ``data:`` URL for a local
image, the address itself for a remote one) plus the facts a placeholder, a history store or a
cassette needs (format, bytes, pixels, sha256) without keeping or re-decoding the pixels.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from xai_magics.images.formats import sniff

__all__ = [
    "Detail",
    "ImagePart",
    "as_part",
    "data_url",
    "human_size",
    "placeholder_of_url",
    "user_content",
    "with_placeholders",
]

Detail = Literal["low", "high", "auto"]

_DATA_URL = re.compile(r"data:(image/[A-Za-z0-9.+-]+);base64,(.*)", re.DOTALL)


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class ImagePart:
    """One image of a request. ``url`` is what is sent; the rest describes it."""

    url: str
    #: where it came from, for messages: "Figure", "chart.png", "https://..."
    label: str
    mime: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    sha256: str | None = None
    detail: Detail | None = None

    @property
    def is_remote(self) -> bool:
        return not self.url.startswith("data:")

    @property
    def data(self) -> bytes:
        """The image bytes (empty for a remote image, which xAI fetches itself)."""
        match = _DATA_URL.match(self.url)
        return base64.b64decode(match.group(2)) if match else b""

    def with_detail(self, detail: Detail | None) -> ImagePart:
        from dataclasses import replace

        return replace(self, detail=detail)

    def placeholder(self) -> str:
        """A short stand-in for the image: never the pixels. ``<image/png 12.3 KiB 640×480 …>``."""
        if self.is_remote:
            return f"<image {self.url}>"
        bits = [self.mime or "image", human_size(self.size or 0)]
        if self.width and self.height:
            bits.append(f"{self.width}×{self.height}")
        if self.sha256:
            bits.append(f"sha256:{self.sha256[:12]}")
        return "<" + " ".join(bits) + ">"

    def summary(self) -> dict[str, Any]:
        """What a history or cassette keeps of the image: facts and hash, never the pixels."""
        if self.is_remote:
            return {"url": self.url, "detail": self.detail}
        return {
            "mime": self.mime,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "sha256": self.sha256,
            "detail": self.detail,
        }

    def responses_part(self) -> dict[str, Any]:
        """``input_image`` content part of ``/v1/responses`` (as recorded)."""
        part: dict[str, Any] = {"type": "input_image", "image_url": self.url}
        if self.detail:
            part["detail"] = self.detail
        return part

    def chat_part(self) -> dict[str, Any]:
        """``image_url`` content part of ``/v1/chat/completions`` (as recorded)."""
        inner: dict[str, Any] = {"url": self.url}
        if self.detail:
            inner["detail"] = self.detail
        return {"type": "image_url", "image_url": inner}


def from_bytes(data: bytes, mime: str, label: str, detail: Detail | None = None) -> ImagePart:
    found = sniff(data)
    return ImagePart(
        url=data_url(mime, data),
        label=label,
        mime=mime,
        size=len(data),
        width=found.width if found else None,
        height=found.height if found else None,
        sha256=hashlib.sha256(data).hexdigest(),
        detail=detail,
    )


def as_part(value: object, detail: Detail | None = None) -> ImagePart:
    """``value`` as an image part: an ``ImagePart`` as it is, anything else via ``load``."""
    if isinstance(value, ImagePart):
        return value if detail is None else value.with_detail(detail)
    from xai_magics.images.sources import load

    return load(value, detail=detail)


def user_content(prompt: str, images: Sequence[object], api: str) -> str | list[dict[str, Any]]:
    """A user message's content: the prompt alone, or its text then each image, in order."""
    if not images:
        return prompt
    parts = [as_part(i) for i in images]
    if api == "chat":
        return [{"type": "text", "text": prompt}, *(p.chat_part() for p in parts)]
    return [{"type": "input_text", "text": prompt}, *(p.responses_part() for p in parts)]


def placeholder_of_url(url: str) -> str:
    """The placeholder of a ``data:image/...`` URL; other strings come back unchanged."""
    match = _DATA_URL.match(url)
    if not match:
        return url
    try:
        data = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        return f"<{match.group(1)} (not valid base64)>"
    return from_bytes(data, match.group(1), "").placeholder()


def with_placeholders(body: Any) -> Any:
    """A copy of a JSON body with every image ``data:`` URL replaced by its placeholder.

    For anything that shows or stores a request (dry run, history, cassettes): the hash and size
    stay, the megabytes of base64 go.
    """
    if isinstance(body, dict):
        return {k: with_placeholders(v) for k, v in body.items()}
    if isinstance(body, list):
        return [with_placeholders(v) for v in body]
    if isinstance(body, str) and body.startswith("data:image/"):
        return placeholder_of_url(body)
    return body


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"
