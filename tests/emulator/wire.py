"""Helpers for reading recorded xAI traffic and the emulator's streams in tests."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

# ``shared/`` stands beside the repository root, on developer machines and in CI alike.
_BESIDE_REPO = Path(__file__).resolve().parents[2].parent / "shared" / "xai-recordings"
RECORDINGS = Path(os.environ.get("XAI_RECORDINGS", str(_BESIDE_REPO)))


class _CassetteLoader(yaml.SafeLoader):
    pass


_CassetteLoader.add_constructor(
    "!binary", lambda loader, node: base64.b64decode("".join(loader.construct_scalar(node).split()))
)


def cassette(relative: str) -> list[dict[str, Any]]:
    """The interactions of a recorded VCR cassette; skips the test when recordings are absent."""
    path = RECORDINGS / relative
    if not path.exists():
        pytest.skip(f"recorded traffic not available at {path}")
    with path.open() as handle:
        data = yaml.load(handle, Loader=_CassetteLoader)
    return list(data["http_interactions"])


def body_text(interaction: dict[str, Any]) -> str:
    raw = interaction["response"]["body"]["string"]
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def recorded_json(relative: str, index: int = 0) -> Any:
    return json.loads(body_text(cassette(relative)[index]))


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value (list items share the path ``[]``)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[]")
    return paths


def chat_chunks(text: str) -> list[Any]:
    """The payloads of a chat-completions stream, ``[DONE]`` kept as the string."""
    assert text.endswith("\n\n"), "the stream must end on an event boundary"
    out: list[Any] = []
    for block in text.split("\n\n")[:-1]:
        assert block.startswith("data: "), block[:80]
        payload = block[len("data: ") :]
        out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def response_events(text: str) -> list[tuple[str, Any]]:
    """(event name, payload) pairs of a responses stream."""
    out: list[tuple[str, Any]] = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event_line, data_line = block.split("\n", 1)
        assert event_line.startswith("event: ")
        assert data_line.startswith("data: ")
        out.append((event_line[len("event: ") :], json.loads(data_line[len("data: ") :])))
    return out


def error_text(response: Any) -> str:
    """The message of an error answer: the flat JSON body's ``error``, or the plain-text body of
    a 422 (the JSON deserializer's rejection, which has no ``code``)."""
    if response.status_code == 422:
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.text.startswith("Failed to ")
        return str(response.text)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "error"}
    return str(body["error"])
