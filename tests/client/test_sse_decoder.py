"""The SSE decoder gives the same events however the bytes are split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.client import recordings
from xai_magics.client.sse import ServerSentEvent, SSEDecoder

SMALL = 17_000  # streams up to this size are checked at every byte split


def decode(*pieces: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


def naive(body: bytes) -> list[tuple[str | None, str]]:
    """A second, simple reading for well-formed ``\\n`` streams without comments."""
    out = []
    for block in body.decode("utf-8").split("\n\n"):
        if not block.strip():
            continue
        event, data = None, []
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
        out.append((event, "\n".join(data)))
    return out


def recorded_bodies() -> list[tuple[str, bytes]]:
    bodies = [(p.name, p.read_bytes()) for p in recordings.files("req_llm/*.sse.txt")]
    bodies += [
        (p.name, recordings.sse_from_chunks_txt(p))
        for p in recordings.files("vercel-ai/*.chunks.txt")
    ]
    return bodies


BODIES = recorded_bodies()
SMALL_BODIES = [b for b in BODIES if len(b[1]) <= SMALL]


def _splits(body: bytes) -> range:
    return range(len(body) + 1)


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[n for n, _ in BODIES])
def test_recorded_stream_decodes_like_a_naive_reading(name: str, body: bytes) -> None:
    events = decode(body)
    assert [(e.event, e.data) for e in events] == naive(body)
    for event in events:
        if event.data != "[DONE]":
            assert isinstance(json.loads(event.data), dict)


SPLIT_CASES = [
    pytest.param(body, newline, id=f"{name}-{label}")
    for name, body in SMALL_BODIES
    for newline, label in (("\n", "lf"), ("\r\n", "crlf"), ("\r", "cr"))
    if newline == "\n" or len(body) <= 6000
]


@pytest.mark.parametrize(("body", "newline"), SPLIT_CASES)
def test_recorded_stream_is_identical_at_every_byte_split(body: bytes, newline: str) -> None:
    body = body.replace(b"\n", newline.encode())
    expected = decode(body)
    assert expected
    for i in _splits(body):
        assert decode(body[:i], body[i:]) == expected, f"split at byte {i}"


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[n for n, _ in BODIES])
def test_recorded_stream_survives_one_byte_reads_and_spread_splits(name: str, body: bytes) -> None:
    expected = decode(body)
    step = max(1, len(body) // 100)
    for i in range(0, len(body) + 1, step):
        assert decode(body[:i], body[i:]) == expected, f"split at byte {i}"
    if len(body) <= SMALL:
        assert decode(*(body[i : i + 1] for i in range(len(body)))) == expected


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[n for n, _ in BODIES])
def test_one_event_per_read_decodes_like_the_whole_body(name: str, body: bytes) -> None:
    pieces = [p + b"\n\n" for p in body.split(b"\n\n") if p]
    assert b"".join(pieces) == body
    assert decode(*pieces) == decode(body)


# Fixtures whose raw reads were recorded (a few req_llm ones kept only the body).
READS = [p for p in recordings.files("req_llm/*__stream.json") if recordings.network_reads(p)]


@pytest.mark.parametrize("path", READS, ids=recordings.ids(READS))
def test_real_network_reads_decode_like_the_joined_body(path: Path) -> None:
    reads = recordings.network_reads(path)
    assert len(reads) > 1
    assert decode(*reads) == decode(b"".join(reads))


TRICKY = (
    "\ufeff: keep-alive comment\n"
    "event: greeting\r\n"
    "data: héllo 🌍 — 日本語\r"
    "data:second line\n"
    "id: 7\n"
    "retry: 1500\n"
    "\n"
    "data\n"
    "\n"
    "event: lonely\n"
    "\n"
    ":another comment\r\n\r\n"
    "data: x\n"
    "id: bad\0id\n"
    "retry: soon\n"
    "\n"
    "data: unterminated"
).encode("utf-8")
TRICKY_EVENTS = [
    ServerSentEvent("greeting", "héllo 🌍 — 日本語\nsecond line", "7", 1500),
    ServerSentEvent(None, "", "7", 1500),
    ServerSentEvent(None, "x", "7", 1500),
    ServerSentEvent(None, "unterminated", "7", 1500),
]


def test_bom_comments_mixed_newlines_multiline_data_id_and_retry() -> None:
    assert decode(TRICKY) == TRICKY_EVENTS


def test_tricky_stream_is_identical_at_every_split_pair() -> None:
    n = len(TRICKY)
    for i in range(n + 1):
        for j in range(i, n + 1, 3):
            assert decode(TRICKY[:i], TRICKY[i:j], TRICKY[j:]) == TRICKY_EVENTS, (i, j)


def test_two_mib_event_arrives_whole_in_small_reads() -> None:
    payload = json.dumps({"text": "ü" * (1 << 20)})
    body = f"data: {payload}\n\ndata: [DONE]\n\n".encode()
    assert len(body) > 2 << 20
    expected = [ServerSentEvent(None, payload), ServerSentEvent(None, "[DONE]")]
    assert decode(*(body[i : i + 4093] for i in range(0, len(body), 4093))) == expected
    for i in (1, 7, len(body) // 2 + 1, len(body) - 9, len(body) - 1):
        assert decode(body[:i], body[i:]) == expected


def test_event_name_does_not_leak_into_the_next_event() -> None:
    events = decode(b"event: a\ndata: 1\n\ndata: 2\n\n")
    assert [e.event for e in events] == ["a", None]
