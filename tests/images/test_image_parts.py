"""Pictures to request parts without a kernel: formats and pixel sizes read from headers,
conversion to PNG, the 20 MiB limit, placeholders instead of base64, and the Python API."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest

from xai_magics.api import Grok
from xai_magics.images import ImageError, load, sniff, user_content, with_placeholders
from xai_magics.images.formats import MAX_IMAGE_BYTES

Image = pytest.importorskip("PIL.Image")


def encoded(fmt: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 0).save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "size", "mode", "expected"),
    [
        ("PNG", (640, 480), "RGB", "png"),
        ("PNG", (1, 9999), "L", "png"),
        ("JPEG", (301, 17), "RGB", "jpeg"),
        ("JPEG", (64, 64), "L", "jpeg"),
        ("GIF", (12, 34), "P", "gif"),
        ("BMP", (5, 6), "RGB", "bmp"),
    ],
    ids=["png", "png-tall-grey", "jpeg", "jpeg-grey", "gif", "bmp"],
)
def test_format_and_pixels_come_from_the_header(
    fmt: str, size: tuple[int, int], mode: str, expected: str
) -> None:
    found = sniff(encoded(fmt, size, mode))
    assert found is not None
    assert (found.format, found.width, found.height) == (expected, *size)


@pytest.mark.parametrize(
    ("fmt", "mode"), [("GIF", "P"), ("BMP", "RGB"), ("WEBP", "RGB"), ("TIFF", "CMYK")]
)
def test_other_formats_are_converted_to_png_with_the_same_pixels(fmt: str, mode: str) -> None:
    part = load(encoded(fmt, (21, 13), mode))
    assert part.mime == "image/png"
    assert (part.width, part.height) == (21, 13)
    with Image.open(io.BytesIO(part.data)) as back:
        assert back.format == "PNG"
        assert back.size == (21, 13)


def test_png_and_jpeg_are_sent_byte_for_byte() -> None:
    for fmt in ("PNG", "JPEG"):
        data = encoded(fmt, (8, 8))
        part = load(data)
        assert part.data == data
        assert part.sha256 == hashlib.sha256(data).hexdigest()
        assert part.url.startswith(f"data:image/{fmt.lower()};base64,")


def test_over_20_mib_is_refused() -> None:
    header = encoded("PNG", (4, 4))
    too_big = header + b"\0" * (MAX_IMAGE_BYTES - len(header) + 1)
    with pytest.raises(ImageError, match="up to 20 MiB"):
        load(too_big)
    exactly = header + b"\0" * (MAX_IMAGE_BYTES - len(header))
    assert load(exactly).size == MAX_IMAGE_BYTES


def test_placeholders_keep_type_size_pixels_and_hash_but_no_base64() -> None:
    data = encoded("PNG", (640, 480))
    body = {"input": [{"role": "user", "content": user_content("Q", [data], "responses")}]}
    shown = with_placeholders(body)
    url = shown["input"][0]["content"][1]["image_url"]
    assert url.startswith("<image/png ")
    assert "640×480" in url
    assert f"sha256:{hashlib.sha256(data).hexdigest()[:12]}" in url
    assert base64.b64encode(data).decode()[:40] not in json.dumps(shown)
    # the original body is untouched: only the copy is for showing and storing
    assert body["input"][0]["content"][1]["image_url"].startswith("data:image/png;base64,")


def test_python_api_takes_pictures_too() -> None:
    data = encoded("JPEG", (30, 20))
    dry = Grok().dry_run("What is it?", images=[data], api="chat")
    content = dry.body["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What is it?"}
    assert content[1]["image_url"]["url"].startswith("<image/jpeg ")
    assert "30×20" in str(dry)
    assert dry.estimate.endswith("; the image adds image tokens, not estimated")


def test_options_hold_parts_whose_summary_has_no_pixels() -> None:
    data = encoded("PNG", (9, 4))
    options = Grok().options(images=[data, "https://example.com/a.png"])
    local, remote = options.images
    assert local.summary() == {
        "mime": "image/png",
        "size": len(data),
        "width": 9,
        "height": 4,
        "sha256": hashlib.sha256(data).hexdigest(),
        "detail": None,
    }
    assert remote.summary() == {"url": "https://example.com/a.png", "detail": None}
