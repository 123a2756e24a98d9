"""Helpers for client tests against the emulator: a client, the request log, arrival gaps."""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

import httpx

from xai_magics.client import CompletionStream, Timeouts, XAIClient

CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"
MODEL = "grok-4.3"
HELLO = [{"role": "user", "content": "Say hello"}]
PATHS = {"chat": CHAT, "responses": RESPONSES}


def make_client(api_env: dict[str, str], **kw: Any) -> XAIClient:
    """A client reading its key and base URL from the environment, as users do."""
    assert api_env["XAI_BASE_URL"].startswith("http://127.0.0.1:")
    return XAIClient(**kw)


def fast_timeouts(**kw: float | None) -> Timeouts:
    values: dict[str, Any] = {"connect": 2.0, "read": 5.0, "write": 5.0, "pool": 2.0, "total": 30.0}
    values.update(kw)
    return Timeouts(**values)


def arrivals(log: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    return [entry for entry in log if entry["path"] == path]


def gaps(entries: list[dict[str, Any]]) -> list[float]:
    times = [entry["time"] for entry in entries]
    return [b - a for a, b in pairwise(times)]


def open_connections_settle(control: Any, timeout: float = 3.0) -> int:
    """Open connections once the server has noticed our closes (it learns of them on its next
    write), polling for up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        count = int(control.open_connections())
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def first_text_event(emu: Any, endpoint: str, prompt: str = "Say hello") -> int:
    """The index of the first visible-text event in the stream for ``prompt``: reasoning comes
    first, as on grok-4.3.

    Fault tests add this to ``after_events`` so that a fault lands in the visible text. Call it
    first: it resets the emulator afterwards so that the probe is not in the request log.
    """
    body: dict[str, Any] = {"model": MODEL, "stream": True}
    if endpoint == "chat":
        body["messages"] = [{"role": "user", "content": prompt}]
        marker = '"content":'
    else:
        body["input"] = prompt
        marker = '"type":"response.output_text.delta"'
    response = httpx.post(
        emu.base_url + PATHS[endpoint].removeprefix("/v1"),
        json=body,
        headers={"Authorization": "Bearer xai-probe-key-for-the-emulator"},
        timeout=10,
    )
    events = [block for block in response.text.split("\n\n") if block.strip()]
    emu.control.reset()
    return next(i for i, block in enumerate(events) if marker in block)


def hello_stream(client: XAIClient, endpoint: str) -> CompletionStream:
    """The same short prompt, streamed from ``endpoint`` ("chat" or "responses")."""
    if endpoint == "chat":
        return client.chat.stream(model=MODEL, messages=HELLO)
    return client.responses.stream(model=MODEL, input="Say hello")
