"""``POST /v1/images/generations`` and ``/v1/images/edits``, and the image downloads.

Shapes as recorded (rubyllm 2026-08): the request is ``{"model","prompt"}`` (``n`` optional;
edits add ``"images":[{"type":"image_url","url":"data:..."}]``); the answer is
``{"data":[{"url","mime_type"}],"usage":{"cost_in_usd_ticks"}}``, the URL a public, unauthenticated
download (``https://imgen.x.ai/xai-imgen/xai-tmp-imgen-<uuid>-<hex>.jpeg`` on the real service).
The emulator serves its own PNG drawings from ``/xai-imgen/...`` (real JPEGs are not drawn here);
``"response_format":"b64_json"`` returns the bytes inline instead.

Costs per image, as recorded: grok-imagine-image 200,000,000 ticks ($0.02), grok-imagine-image-
quality 700,000,000 ($0.07; also grok-2-image-1212's published ``image_price``). An edit's output
has the pixel size of its first input, so tests can prove which image arrived.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import time
import uuid
from collections import OrderedDict
from typing import Any

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import APIError, model_not_found, not_found, unprocessable
from xai_magics.emulator.png_draw import draw_png
from xai_magics.emulator.vision import image_facts

__all__ = ["ImageDownloadHandler", "ImageEditsHandler", "ImageGenerationsHandler"]

#: ticks per generated image, by model and alias
IMAGE_PRICES = {
    "grok-imagine-image": 200_000_000,
    "grok-imagine-image-quality": 700_000_000,
    "grok-2-image-1212": 700_000_000,
    "grok-2-image": 700_000_000,
    "grok-2-image-latest": 700_000_000,
}
MAX_IMAGES = 10
_MAX_PROMPT = 8192
#: downloads kept (oldest dropped first): enough for any test, bounded for long runs
_KEPT = 256
_DOWNLOADS: OrderedDict[str, bytes] = OrderedDict()


def _request(body: dict[str, Any]) -> tuple[str, str, int, str]:
    model = body.get("model", "grok-imagine-image")
    if not isinstance(model, str) or model not in IMAGE_PRICES:
        raise model_not_found(str(model))
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        raise unprocessable("missing field `prompt`")
    if not prompt.strip() or len(prompt) > _MAX_PROMPT:
        raise APIError(400, f"The prompt must be 1 to {_MAX_PROMPT} characters long.")
    n = body.get("n", 1)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_IMAGES:
        raise APIError(400, f"n must be an integer between 1 and {MAX_IMAGES}.")
    fmt = body.get("response_format", "url")
    if fmt not in ("url", "b64_json"):
        raise APIError(400, f"Invalid response_format {fmt!r}: use url or b64_json.")
    return model, prompt, n, fmt


def _answer(
    handler: BaseHandler, model: str, seeds: list[str], fmt: str, size: tuple[int, int]
) -> None:
    data = []
    for seed in seeds:
        png = draw_png(seed, *size)
        if fmt == "b64_json":
            data.append({"b64_json": base64.b64encode(png).decode(), "mime_type": "image/png"})
            continue
        name = f"xai-tmp-imgen-{uuid.uuid4()}-{hashlib.sha256(png).hexdigest()[:8]}.png"
        _DOWNLOADS[name] = png
        while len(_DOWNLOADS) > _KEPT:
            _DOWNLOADS.popitem(last=False)
        host = f"{handler.request.protocol}://{handler.request.host}"
        data.append({"url": f"{host}/xai-imgen/{name}", "mime_type": "image/png"})
    _image_limit_headers(handler)
    handler.reply({"data": data, "usage": {"cost_in_usd_ticks": IMAGE_PRICES[model] * len(seeds)}})


#: Recorded image answers (rubyllm 2026-08) carry a per-minute request limit of 300 and what is
#: left of it, and the time the request took; no token headers.
_IMAGE_RPM = 300
_recent: dict[str, collections.deque[float]] = {}


def _image_limit_headers(handler: BaseHandler) -> None:
    now = time.monotonic()
    recent = _recent.setdefault(handler.key_sha, collections.deque())
    while recent and now - recent[0] > 60:
        recent.popleft()
    recent.append(now)
    handler.set_header("x-ratelimit-limit-requests", str(_IMAGE_RPM))
    handler.set_header("x-ratelimit-remaining-requests", str(max(_IMAGE_RPM - len(recent), 0)))
    handler.set_header("x-metrics-e2e-ms", f"{handler.request.request_time() * 1000:.1f}")


class ImageGenerationsHandler(BaseHandler):
    def post(self) -> None:
        model, prompt, n, fmt = _request(self.json_object())
        _answer(self, model, [f"{model}\n{prompt}\n{i}" for i in range(n)], fmt, (256, 256))


class ImageEditsHandler(BaseHandler):
    def post(self) -> None:
        body = self.json_object()
        model, prompt, n, fmt = _request(body)
        images = body.get("images")
        if images is None and isinstance(body.get("image"), dict):
            images = [body["image"]]
        if not isinstance(images, list) or not images:
            raise unprocessable("missing field `images`")
        facts = []
        for image in images:
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str):
                raise unprocessable('invalid type: images, expected {"type":"image_url","url"}')
            facts.append(image_facts(url))
        _, width, height, digest = facts[0]
        seeds = [f"{model}\n{prompt}\n{digest}\n{i}" for i in range(n)]
        _answer(self, model, seeds, fmt, (width or 256, height or 256))


class ImageDownloadHandler(BaseHandler):
    """The public download of a generated image (no key, like imgen.x.ai)."""

    requires_auth = False

    def get(self, name: str) -> None:
        png = _DOWNLOADS.get(name)
        if png is None:
            raise not_found(f"No generated image {name}.")
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "public, max-age=14400")
        self.finish(png)
