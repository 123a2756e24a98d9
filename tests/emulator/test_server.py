"""The server itself: lifecycle, the simulated marker on every answer, and the public surface."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import time

import httpx
import pytest

import xai_magics.emulator as package
from tests.emulator.conftest import KEY
from xai_magics.emulator import Emulator


def test_public_names_are_exactly_emulator_and_control() -> None:
    public = {
        name
        for name in dir(package)
        if not name.startswith("_") and callable(getattr(package, name))
    }
    assert set(package.__all__) == {"Emulator", "EmulatorControl"}
    assert public == set(package.__all__)


def test_start_serves_on_loopback_and_stop_closes_the_port() -> None:
    emulator = Emulator(port=0).start()
    port = emulator.port
    assert emulator.base_url == f"http://127.0.0.1:{port}/v1"
    assert httpx.get(
        f"{emulator.base_url}/models", headers={"Authorization": "Bearer k"}
    ).is_success
    emulator.stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass


def test_context_manager_and_knobs_at_construction() -> None:
    with Emulator(ttft_ms=12, priority_granted=False) as emulator:
        knobs = emulator.control.knobs()
    assert (knobs["ttft_ms"], knobs["priority_granted"]) == (12, False)


def test_unknown_knob_at_construction_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown knob"):
        Emulator(tokens_per_minute=5)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "POST",
            "/v1/chat/completions",
            {"model": "grok-4.3", "messages": [{"role": "user", "content": "x"}]},
        ),
        ("POST", "/v1/chat/completions", {"model": "grok-4.3", "messages": "x"}),
        ("POST", "/v1/responses", {"model": "grok-4.3", "input": "x", "stream": True}),
        ("GET", "/v1/models", None),
        ("DELETE", "/v1/models", None),
        ("GET", "/v1/unknown", None),
        ("POST", "/v1/tts", {"text": "x", "language": "en"}),
        ("GET", "/__emulator__/log", None),
    ],
    ids=["chat", "chat-422", "responses-stream", "models", "405", "404", "tts", "admin"],
)
def test_every_answer_is_marked_simulated(
    emu: Emulator, method: str, path: str, body: dict | None
) -> None:
    root = emu.base_url.removesuffix("/v1")
    response = httpx.request(
        method, root + path, json=body, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.headers["x-emulator"] == "simulated"


def test_websocket_reset_fault_cuts_after_exactly_n_audio_chunks(emu: Emulator) -> None:
    """Read the raw socket: every byte the server sent before the RST is counted."""
    emu.control.inject("reset_mid_stream", "/v1/tts", method="GET", after_events=3)
    sock = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /v1/tts?language=en&voice=eve&codec=pcm&sample_rate=16000 HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {KEY}\r\n\r\n"
        ).encode()
    )

    def frame(event: dict) -> bytes:
        payload = json.dumps(event).encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bytes([0x81, 0x80 | len(payload)]) + mask + masked

    received = b""
    while b"\r\n\r\n" not in received:  # wait for the 101 before speaking, as clients do
        received += sock.recv(4096)
    sock.sendall(frame({"type": "text.delta", "delta": "long enough to chunk"}))
    sock.sendall(frame({"type": "text.done"}))
    deadline = time.monotonic() + 10
    with pytest.raises(ConnectionResetError):  # noqa: PT012 - read until the reset lands
        while time.monotonic() < deadline:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    sock.close()
    assert received.startswith(b"HTTP/1.1 101")
    assert received.count(b'"audio.delta"') == 3
    assert b"audio.done" not in received


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_ids_have_the_service_prefixes(emu: Emulator) -> None:
    with httpx.Client(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=20
    ) as http:
        batch = http.post("/batches", json={"name": "ids"}).json()
        upload = http.post("/files", files={"file": ("a.txt", b"hello")}).json()
        response = http.post(
            "/responses",
            json={"model": "grok-4.3", "input": "Hi", "reasoning": {"effort": "low"}},
        ).json()
    assert re.fullmatch(f"batch_{UUID}", batch["batch_id"])
    assert re.fullmatch(f"file_{UUID}", upload["id"])
    kinds = {item["type"]: item["id"] for item in response["output"]}
    assert kinds["reasoning"] == f"rs_{response['id']}"
    assert kinds["message"] == f"msg_{response['id']}"
    assert re.fullmatch(UUID, response["id"])
