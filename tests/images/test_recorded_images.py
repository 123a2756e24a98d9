"""Recorded real vision and image-generation traffic, both ways: our builders make exactly the
recorded request bodies from the recorded pictures, our client reads the recorded answers, and
the emulator answers the recorded requests with the recorded shapes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.client import recordings
from xai_magics.client import XAIClient
from xai_magics.emulator import Emulator
from xai_magics.images import ImageError, load, user_content
from xai_magics.images.generate import edit_images, generate_images, parse_generation

KEY = "xai-recorded-images-test-key-0123"


def cassette(pattern: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, i) for name, i in recordings.rubyllm_interactions() if pattern in name]


def request_json(interaction: dict[str, Any]) -> dict[str, Any]:
    raw = interaction["request"]["body"]["string"]
    body: dict[str, Any] = json.loads(raw)
    return body


def response_bytes(interaction: dict[str, Any]) -> bytes:
    raw = interaction["response"]["body"]["string"]
    return raw if isinstance(raw, bytes) else str(raw).encode()


def rebuilt_source(url: str) -> object:
    """What a user would have passed for a recorded image URL: the bytes, or the URL."""
    if url.startswith("data:"):
        return base64.b64decode(url.split(",", 1)[1])
    return url


VISION_CALLS = cassette("vision_models")
GENERATIONS = cassette("images-generations")
EDITS = cassette("images-edits")


def test_the_recordings_are_there() -> None:
    recordings.require()
    assert len(VISION_CALLS) >= 5
    assert GENERATIONS
    assert EDITS


@pytest.mark.parametrize(("name", "call"), VISION_CALLS, ids=[n for n, _ in VISION_CALLS])
def test_vision_request_content_is_built_as_recorded(name: str, call: dict[str, Any]) -> None:
    body = request_json(call)
    if "messages" in body:
        api, recorded = "chat", body["messages"][-1]["content"]
        text = recorded[0]["text"]
        urls = [p["image_url"]["url"] for p in recorded[1:]]
    else:
        api, recorded = "responses", body["input"][-1]["content"]
        text = recorded[0]["text"]
        urls = [p["image_url"] for p in recorded[1:]]
    built = user_content(text, [load(rebuilt_source(u)) for u in urls], api)
    assert built == recorded


@pytest.mark.parametrize(("name", "call"), VISION_CALLS, ids=[n for n, _ in VISION_CALLS])
def test_emulator_answers_recorded_vision_requests_about_the_image(
    emu: Emulator, name: str, call: dict[str, Any]
) -> None:
    # grok-2-vision-1212 is retired (the emulator answers it like the service now: unknown);
    # the image parts are what is under test here
    body = {**request_json(call), "model": "grok-4.3"}
    route = "/chat/completions" if "messages" in body else "/responses"
    recorded = json.loads(response_bytes(call))
    with httpx.Client(base_url=emu.base_url, timeout=20) as http:
        answer = http.post(route, json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["object"] == recorded["object"]
    assert set(recorded["usage"]) <= set(got["usage"]) | {"prompt_tokens_details"}
    text = json.dumps(got, ensure_ascii=False)
    if "data:image/png" in json.dumps(body):
        assert "a PNG of 128×128 pixels" in text  # the recorded ruby, decoded by the emulator
    else:
        assert "remote image at https://httpbin.org/image/jpeg" in text


def recorded_client(api_body: bytes, picture: bytes) -> tuple[XAIClient, httpx.Client, list[Any]]:
    sent: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=api_body, headers={"content-type": "application/json"})

    def download(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers  # the key never goes to the image host
        return httpx.Response(200, content=picture, headers={"content-type": "image/jpeg"})

    client = XAIClient(
        api_key=KEY,
        base_url="https://api.x.ai/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(api)),
        max_retries=0,
    )
    return client, httpx.Client(transport=httpx.MockTransport(download)), sent


# the smallest JPEG header our reader accepts: SOI, then SOF0 with 3×2 pixels
TINY_JPEG = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x02\x00\x03" + b"\x03\x01\x22\x00" * 3 + b"\xff\xd9"


@pytest.mark.parametrize(("name", "call"), GENERATIONS, ids=[n for n, _ in GENERATIONS])
def test_generation_is_sent_and_read_as_recorded(name: str, call: dict[str, Any]) -> None:
    recorded = request_json(call)
    client, download, sent = recorded_client(response_bytes(call), TINY_JPEG)
    result = generate_images(client, recorded["prompt"], model=recorded["model"], download=download)
    assert json.loads(sent[0].content) == recorded
    assert sent[0].url.path == "/v1/images/generations"
    body = json.loads(response_bytes(call))
    assert result.cost_ticks == body["usage"]["cost_in_usd_ticks"]
    assert result.cost_usd == pytest.approx(0.02)
    (image,) = result.images
    assert image.url == body["data"][0]["url"]
    assert image.mime == "image/jpeg"
    assert image.size == (3, 2)
    assert result.receipt_line() == "grok-imagine-image · 1 image · $0.0200"


@pytest.mark.parametrize(("name", "call"), EDITS, ids=[n for n, _ in EDITS])
def test_edit_is_sent_and_read_as_recorded(name: str, call: dict[str, Any]) -> None:
    recorded = request_json(call)
    client, download, sent = recorded_client(response_bytes(call), TINY_JPEG)
    sources = [rebuilt_source(i["url"]) for i in recorded["images"]]
    result = edit_images(
        client, recorded["prompt"], sources, model=recorded["model"], download=download
    )
    assert json.loads(sent[0].content) == recorded
    assert sent[0].url.path == "/v1/images/edits"
    assert result.cost_usd == pytest.approx(0.07)
    assert len(result.images) == 1


@pytest.mark.parametrize(
    ("name", "call"), GENERATIONS + EDITS, ids=[n for n, _ in GENERATIONS + EDITS]
)
def test_emulator_answers_recorded_image_requests_with_the_recorded_shape(
    emu: Emulator, name: str, call: dict[str, Any]
) -> None:
    recorded = json.loads(response_bytes(call))
    route = "/images/edits" if "edits" in name else "/images/generations"
    with httpx.Client(base_url=emu.base_url, timeout=20) as http:
        answer = http.post(
            route, json=request_json(call), headers={"Authorization": f"Bearer {KEY}"}
        )
        assert answer.status_code == 200, answer.text
        got = answer.json()
        assert set(got) == set(recorded)
        assert [set(d) for d in got["data"]] == [set(d) for d in recorded["data"]]
        assert got["usage"] == recorded["usage"]  # same model, same price per image
        picture = httpx.get(got["data"][0]["url"], timeout=20)  # public: no key
    assert picture.status_code == 200
    assert picture.content.startswith(b"\x89PNG")
    assert parse_generation(answer.content).data[0].mime_type == "image/png"


def test_a_non_image_is_refused_before_sending() -> None:
    with pytest.raises(ImageError, match="not an image xAI can read"):
        load(b"%PDF-1.7 not a picture")
