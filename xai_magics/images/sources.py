"""Notebook objects to image bytes: a matplotlib Figure, a PIL image, ``IPython.display.Image``,
a path, an http(s) URL, a ``data:`` URL or raw bytes.

All duck-typed: neither matplotlib nor Pillow is imported unless the value is one of theirs.
xAI accepts PNG and JPEG only; other formats are converted to PNG with Pillow when it is
installed (and the message says to install it when it is not).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from pathlib import Path
from typing import Any

from xai_magics.images.formats import ACCEPTED, MAX_IMAGE_BYTES, ImageError, sniff
from xai_magics.images.parts import Detail, ImagePart, from_bytes, human_size

__all__ = ["IMAGE_SUFFIXES", "is_image_value", "load"]

#: File names that ``{name}`` interpolation treats as pictures (when the file exists).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff")


def is_image_value(value: object) -> bool:
    """Whether ``{name}`` of this value means "send the picture" rather than its text."""
    if isinstance(value, ImagePart) or _is_figure(value) or _is_pil(value):
        return True
    if _is_ipython_image(value):
        return True
    if isinstance(value, (bytes, bytearray)):
        return sniff(bytes(value[:64])) is not None
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        if not isinstance(text, str) or "\n" in text or len(text) > 1024:
            return False
        return text.lower().endswith(IMAGE_SUFFIXES) and Path(text).expanduser().is_file()
    return False


def load(value: object, *, detail: Detail | None = None) -> ImagePart:
    """The image part for ``value``; ``ImageError`` says why one cannot be made."""
    if isinstance(value, ImagePart):
        return value if detail is None else value.with_detail(detail)
    if _is_figure(value):
        buf = io.BytesIO()
        value.savefig(buf, format="png")  # type: ignore[attr-defined]
        return _checked(buf.getvalue(), "the Figure", detail)
    if _is_pil(value):
        return _checked(_pil_png(value), "the PIL image", detail)
    if _is_ipython_image(value):
        data = getattr(value, "data", None)
        url = getattr(value, "url", None)
        if isinstance(data, (bytes, bytearray)) and data:
            return _checked(bytes(data), "the IPython Image", detail)
        if isinstance(url, str) and url:
            return load(url, detail=detail)
        raise ImageError("The IPython Image holds no data and no URL: nothing to send.")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _checked(bytes(value), "the bytes", detail)
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        if isinstance(text, str):
            return _from_text(text, detail)
    raise ImageError(
        f"Cannot send a {type(value).__name__} as an image: use a path, a URL, bytes, a "
        "matplotlib Figure, a PIL image or IPython.display.Image."
    )


def _from_text(text: str, detail: Detail | None) -> ImagePart:
    text = text.strip()
    if text.startswith(("http://", "https://")):
        # xAI fetches remote images itself (recorded: "https://httpbin.org/image/jpeg").
        return ImagePart(url=text, label=text, detail=detail)
    if text.startswith("data:"):
        head, _, payload = text.partition(",")
        if ";base64" not in head:
            raise ImageError("A data: URL image must be base64 (data:image/png;base64,...).")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ImageError("The data: URL is not valid base64.") from None
        return _checked(data, "the data: URL", detail)
    path = Path(text).expanduser()
    if not path.is_file():
        where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
        raise ImageError(f"No image file at {text!r}{where}: check the path.")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES * 4:  # even conversion will not bring it under the limit
        raise _too_big(path.name, size)
    return _checked(path.read_bytes(), path.name, detail)


def _checked(data: bytes, label: str, detail: Detail | None) -> ImagePart:
    """PNG/JPEG as they are, other formats converted to PNG; then the 20 MiB limit."""
    found = sniff(data)
    if found is None:
        if not data:
            raise ImageError(f"{label} is empty: there is no image to send.")
        raise ImageError(
            f"{label} is not an image xAI can read: send PNG or JPEG (or GIF, WebP, BMP, "
            "TIFF with Pillow installed, converted to PNG)."
        )
    if found.format not in ACCEPTED:
        data = _convert_to_png(data, label, found.format)
        found = sniff(data)
        assert found is not None
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_big(label, len(data))
    return from_bytes(data, found.mime, label, detail)


def _too_big(label: str, size: int) -> ImageError:
    return ImageError(
        f"{label} is {human_size(size)}; xAI accepts images up to 20 MiB: resize it or save it "
        "as JPEG first. Nothing was sent."
    )


def _convert_to_png(data: bytes, label: str, fmt: str) -> bytes:
    try:
        from PIL import Image
    except ImportError:
        raise ImageError(
            f"{label} is {fmt.upper()}; xAI accepts PNG and JPEG only. Install Pillow "
            "(pip install pillow) to have it converted, or save it as PNG."
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.seek(0)  # first frame of an animation
            return _pil_png(img)
    except (OSError, ValueError) as exc:
        raise ImageError(f"{label}: Pillow cannot read this {fmt.upper()} ({exc}).") from None


def _pil_png(img: Any) -> bytes:
    if img.mode not in ("1", "L", "LA", "I", "P", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.mode else "RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _is_figure(value: object) -> bool:
    return hasattr(value, "savefig") and hasattr(value, "canvas") and not isinstance(value, type)


def _is_pil(value: object) -> bool:
    module = type(value).__module__ or ""
    return module.startswith("PIL.") and hasattr(value, "save") and hasattr(value, "mode")


def _is_ipython_image(value: object) -> bool:
    cls = type(value)
    return cls.__name__ == "Image" and (cls.__module__ or "").startswith("IPython.")
