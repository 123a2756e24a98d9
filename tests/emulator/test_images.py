"""The emulator's pictures: it decodes images it receives (and refuses what xAI would not take),
and its image routes return real, decodable PNGs downloadable without a key."""

from __future__ import annotations

import base64
import struct
import zlib

import httpx
import pytest

from xai_magics.emulator import Emulator


def png(width: int, height: int, *, crc_ok: bool = True) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) ^ (0 if crc_ok else 1)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = (b"\x00" + b"\x00\x00\x00" * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def ask(http: httpx.Client, url: str, **part: str) -> httpx.Response:
    content = [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": url, **part},
    ]
    return http.post(
        "/responses", json={"model": "grok-4.3", "input": [{"role": "user", "content": content}]}
    )


def answer_text(response: httpx.Response) -> str:
    return "".join(
        p["text"]
        for item in response.json()["output"]
        if item["type"] == "message"
        for p in item["content"]
    )


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_describes_each_image_it_received(http: httpx.Client) -> None:
    response = ask(http, data_url("image/png", png(31, 7)), detail="low")
    assert response.status_code == 200
    assert "a PNG of 31×7 pixels" in answer_text(response)


@pytest.mark.parametrize(
    ("url", "part", "message"),
    [
        (data_url("image/gif", b"GIF89a\x01\x00\x01\x00"), {}, "only JPEG and PNG"),
        (data_url("image/png", png(3, 3, crc_ok=False)), {}, "only JPEG and PNG"),
        ("data:image/png;base64,@@@", {}, "not valid base64"),
        (data_url("image/png", png(3, 3)), {"detail": "ultra"}, "use low, high or auto"),
    ],
    ids=["gif", "bad-png-crc", "bad-base64", "bad-detail"],
)
def test_refuses_what_xai_would_not_take(
    http: httpx.Client, url: str, part: dict[str, str], message: str
) -> None:
    response = ask(http, url, **part)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_generated_images_are_real_pngs_downloadable_without_a_key(
    http: httpx.Client, emu: Emulator
) -> None:
    response = http.post(
        "/images/generations", json={"model": "grok-imagine-image", "prompt": "a cat", "n": 3}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["usage"] == {"cost_in_usd_ticks": 600_000_000}
    pictures = [httpx.get(item["url"], timeout=10).content for item in body["data"]]
    for picture in pictures:
        assert picture[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", picture[16:24]) == (256, 256)
        # one IDAT after the IHDR, then IEND: its pixels decode, one filter byte per row
        assert len(zlib.decompress(picture[41:-16])) == (1 + 256 * 3) * 256
    assert len(set(pictures)) == 3
    again = http.post(
        "/images/generations", json={"model": "grok-imagine-image", "prompt": "a cat"}
    )
    inline = http.post(
        "/images/generations",
        json={"model": "grok-imagine-image", "prompt": "a cat", "response_format": "b64_json"},
    )
    first = httpx.get(again.json()["data"][0]["url"], timeout=10).content
    assert base64.b64decode(inline.json()["data"][0]["b64_json"]) == first == pictures[0]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "grok-imagine-image"}, 422),
        ({"model": "grok-4.3", "prompt": "x"}, 400),
        ({"model": "grok-imagine-image", "prompt": "x", "n": 11}, 400),
    ],
    ids=["no-prompt", "not-an-image-model", "too-many"],
)
def test_generation_mistakes(http: httpx.Client, body: dict[str, object], status: int) -> None:
    assert http.post("/images/generations", json=body).status_code == status


def test_unknown_download_is_404(emu: Emulator) -> None:
    root = emu.base_url.removesuffix("/v1")
    assert httpx.get(f"{root}/xai-imgen/nothing.png", timeout=10).status_code == 404
