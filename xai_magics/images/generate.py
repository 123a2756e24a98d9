"""``/v1/images/generations`` and ``/v1/images/edits``: new pictures from a prompt, with cost.

Recorded (rubyllm 2026-08): request ``{"model","prompt"}`` (edits add ``"images"``, a list of
``{"type":"image_url","url":"data:..."}``); answer ``{"data":[{"url","mime_type"}],
"usage":{"cost_in_usd_ticks"}}``. The URL is a public download on another host, fetched here
without the API key (the key never leaves for a host other than the API's). ``b64_json`` items
are read as well.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
from pydantic import Field

from xai_magics.images.formats import ImageError, sniff
from xai_magics.images.parts import ImagePart, as_part
from xai_magics.schemas.common import WireModel
from xai_magics.usage import format_usd

if TYPE_CHECKING:
    from xai_magics.client import XAIClient

__all__ = [
    "DEFAULT_IMAGE_MODEL",
    "IMAGE_MODELS",
    "GeneratedImage",
    "ImageBatch",
    "ImageGeneration",
    "edit_images",
    "generate_images",
    "parse_generation",
]

DEFAULT_IMAGE_MODEL = "grok-imagine-image"
#: image models seen in recorded traffic (for Tab completion; any name is accepted)
IMAGE_MODELS = ("grok-imagine-image", "grok-imagine-image-quality")
#: ``n`` accepted per request (xAI documents up to 10)
MAX_N = 10
_TICKS_PER_USD = 10_000_000_000


class _Item(WireModel):
    url: str | None = None
    b64_json: str | None = None
    mime_type: str | None = None
    revised_prompt: str | None = None


class _Usage(WireModel):
    cost_in_usd_ticks: int | None = None


class ImageBatch(WireModel):
    """The answer body of both image routes."""

    data: list[_Item] = Field(default_factory=list)
    usage: _Usage | None = None


def parse_generation(body: bytes) -> ImageBatch:
    return ImageBatch.model_validate_json(body)


@dataclass(frozen=True)
class GeneratedImage:
    """One picture: its bytes (as downloaded), MIME type, and where it came from."""

    data: bytes
    mime: str
    url: str | None = None
    revised_prompt: str | None = None

    @property
    def size(self) -> tuple[int | None, int | None]:
        found = sniff(self.data)
        return (found.width, found.height) if found else (None, None)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {self.mime: base64.b64encode(self.data).decode("ascii")}


@dataclass
class ImageGeneration:
    """What ``%grok_image`` made: the images, the model, and the cost xAI reported."""

    prompt: str
    model: str
    images: list[GeneratedImage] = field(default_factory=list)
    cost_ticks: int | None = None
    edited: int = 0  # how many input images an edit had

    @property
    def cost_usd(self) -> float | None:
        return None if self.cost_ticks is None else self.cost_ticks / _TICKS_PER_USD

    def receipt_line(self) -> str:
        count = len(self.images)
        noun = "image" if count == 1 else "images"
        what = f"{count} {noun}" + (f" from {self.edited} edited" if self.edited else "")
        return f"{self.model} · {what} · {format_usd(self.cost_usd)}"

    def __repr__(self) -> str:
        return f"ImageGeneration({self.receipt_line()!r})"


def generate_images(
    client: XAIClient,
    prompt: str,
    *,
    n: int = 1,
    model: str = DEFAULT_IMAGE_MODEL,
    download: httpx.Client | None = None,
) -> ImageGeneration:
    """Generate ``n`` images for ``prompt`` and download them (with ``download`` if given)."""
    body: dict[str, object] = {"model": model, "prompt": prompt}
    if n != 1:
        body["n"] = n
    return _run(client, "/images/generations", body, prompt, model, 0, download)


def edit_images(
    client: XAIClient,
    prompt: str,
    images: Sequence[object],
    *,
    n: int = 1,
    model: str = DEFAULT_IMAGE_MODEL,
    download: httpx.Client | None = None,
) -> ImageGeneration:
    """Edit ``images`` (paths, bytes, Figures... as ``images.load`` reads) following ``prompt``."""
    parts: list[ImagePart] = [as_part(i) for i in images]
    body: dict[str, object] = {
        "model": model,
        "prompt": prompt,
        "images": [{"type": "image_url", "url": p.url} for p in parts],
    }
    if n != 1:
        body["n"] = n
    return _run(client, "/images/edits", body, prompt, model, len(parts), download)


def _run(
    client: XAIClient,
    path: str,
    body: dict[str, object],
    prompt: str,
    model: str,
    edited: int,
    download: httpx.Client | None,
) -> ImageGeneration:
    response = client.transport.request("POST", path, json=body)
    batch = parse_generation(response.content)
    result = ImageGeneration(prompt, model, edited=edited)
    result.cost_ticks = batch.usage.cost_in_usd_ticks if batch.usage else None
    # a separate client: no Authorization header goes to the download host
    own = download is None
    fetcher = download or httpx.Client(timeout=client.config.timeouts.read, follow_redirects=True)
    try:
        result.images = [_fetch(fetcher, item) for item in batch.data]
    finally:
        if own:
            fetcher.close()
    return result


def _fetch(download: httpx.Client, item: _Item) -> GeneratedImage:
    if item.b64_json:
        data = base64.b64decode(item.b64_json)
    elif item.url:
        if not item.url.startswith(("https://", "http://")):
            raise ImageError(f"xAI returned an image URL that is not http(s): {item.url[:60]!r}")
        response = download.get(item.url)
        response.raise_for_status()
        data = response.content
    else:
        raise ImageError("xAI returned an image item with neither url nor b64_json.")
    found = sniff(data)
    mime = item.mime_type or (found.mime if found else "image/jpeg")
    if found is not None and found.mime != mime:
        mime = found.mime  # trust the bytes over the label
    return GeneratedImage(data, mime, item.url, item.revised_prompt)
