"""Record mode: pass each request to the network and copy its answer into the cassette.

The answer's body is read by the client as usual; a tee notes each chunk and its time as it
passes, and the exchange is written once the body has ended. A body cut short (a dropped
connection, a stop) is not written: replaying it would replay the failure as an answer. Nor are
answers the client retries (429, 5xx): the retry that succeeded is what gets recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx

from xai_magics.client.interpose import Network
from xai_magics.client.retry import retryable_status
from xai_magics.replay.cassette import Exchange
from xai_magics.replay.fingerprint import canonical

__all__ = ["KEPT_HEADERS", "facts_of", "record", "with_facts"]

#: response headers a replay needs; everything else (cookies, dates, server) is left out
KEPT_HEADERS = ("content-type", "x-request-id", "x-should-retry", "retry-after")


def record(
    request: httpx.Request, network: Network, save: Callable[[Exchange], None]
) -> httpx.Response:
    """Send ``request`` and return a response whose body, once read to the end, is saved."""
    asked = canonical(request)
    started = time.monotonic()
    response = network(request)
    wait_s = time.monotonic() - started
    headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}

    def finished(chunks: list[tuple[float, bytes]]) -> None:
        if not retryable_status(response.status_code):
            save(Exchange(asked, response.status_code, headers, wait_s, chunks))

    # The body is handed on decoded, so the recording and its replay read the same bytes.
    passed = {k: v for k, v in response.headers.items() if k not in _DECODED_AWAY}
    return httpx.Response(
        response.status_code,
        headers=passed,
        stream=_Tee(response, finished),
        request=request,
        extensions=response.extensions,
    )


_DECODED_AWAY = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class _Tee(httpx.SyncByteStream):
    """The network body, chunk by chunk, noting each one; ``done`` gets them at the end."""

    def __init__(
        self, response: httpx.Response, done: Callable[[list[tuple[float, bytes]]], None]
    ) -> None:
        self._response = response
        self._done = done
        self._chunks: list[tuple[float, bytes]] | None = None

    def __iter__(self) -> Iterator[bytes]:
        chunks: list[tuple[float, bytes]] = []
        start = time.monotonic()
        for chunk in self._response.iter_bytes():
            chunks.append((time.monotonic() - start, chunk))
            yield chunk
        self._chunks = chunks

    def close(self) -> None:
        # Handed on when the client closes the body, after it has used the last chunk: the
        # cassette is written while the answer is shown, not before.
        self._response.close()
        chunks, self._chunks = self._chunks, None
        if chunks is not None:
            self._done(chunks)


def with_facts(exchange: Exchange) -> Exchange:
    """``exchange`` with its facts filled in (done on the writing thread: it parses the body)."""
    return replace(exchange, facts=facts_of(exchange))


def facts_of(exchange: Exchange) -> dict[str, Any]:
    """The answer's id, model, cost and how long it took: for a person reading the cassette,
    and for the receipts of its replays."""
    seconds = exchange.wait_s + (exchange.chunks[-1][0] if exchange.chunks else 0.0)
    return {**_answer_facts(exchange), "seconds": round(seconds, 3)}


def _answer_facts(exchange: Exchange) -> dict[str, Any]:
    body = exchange.body
    kind = exchange.headers.get("content-type", "")
    doc: Any = None
    if kind.startswith("text/event-stream"):
        doc = _last_event_with_usage(body)
    elif kind.startswith("application/json"):
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
    if not isinstance(doc, dict):
        return {}
    doc = doc.get("response", doc) if isinstance(doc.get("response"), dict) else doc
    facts = {k: doc[k] for k in ("id", "model") if isinstance(doc.get(k), str)}
    if isinstance(doc.get("batch_id"), str):
        facts["id"] = doc["batch_id"]
    usage = doc.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("cost_in_usd_ticks"), int):
        facts["cost_in_usd_ticks"] = usage["cost_in_usd_ticks"]
    return facts


def _last_event_with_usage(body: bytes) -> Any:
    """The last SSE event that carries usage (the completed response), else the last event."""
    first: Any = None
    for line in reversed(body.decode("utf-8", "replace").splitlines()):
        if not line.startswith("data:") or line.endswith("[DONE]"):
            continue
        if first is not None and '"usage"' not in line:
            continue  # only the completed answer's event is worth parsing
        try:
            doc = json.loads(line[5:])
        except ValueError:
            continue
        inner = doc.get("response", doc) if isinstance(doc, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("usage"), dict):
            return doc
        first = doc
    return first
