"""Writing a pre-built SSE stream: pacing by the knobs, and the mid-stream faults.

Streams are built as a list of encoded events before the first byte goes out, so a 20,000-event
stream costs one join; unpaced streams go out in large writes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from tornado.iostream import StreamClosedError

from xai_magics.emulator.base import BaseHandler, reset_connection
from xai_magics.emulator.faults import STREAM_KINDS, Fault
from xai_magics.emulator.sockets import drain

_WRITE_BYTES = 64 * 1024


@dataclass
class EventStream:
    """Encoded events; pacing applies from ``first_token`` on (TTFT is spent before it)."""

    events: list[bytes]
    first_token: int
    #: builds the error event for an ``error_event`` fault, given the message and the event index
    error_event: Callable[[str, int], bytes]


def start_stream(handler: BaseHandler) -> None:
    handler.set_header("Content-Type", "text/event-stream")
    handler.set_header("Cache-Control", "no-cache")
    handler.set_header("Connection", "keep-alive")


async def send_stream(handler: BaseHandler, stream: EventStream) -> None:
    """Send every event (or stop early for a fault), then end the response."""
    start_stream(handler)
    fault = handler.fault if handler.fault and handler.fault.kind in STREAM_KINDS else None
    events = stream.events
    cut = len(events) if fault is None else min(fault.int_param("after_events", 0), len(events))
    try:
        await _send_range(handler, stream, 0, cut)
        if fault is not None and await _apply(handler, stream, fault, cut):
            return
        await _send_range(handler, stream, cut, len(events))
        handler.finish()
    except StreamClosedError:
        # The client went away mid-stream; nothing more can be written.
        handler._finished = True


async def _apply(handler: BaseHandler, stream: EventStream, fault: Fault, cut: int) -> bool:
    """Act out a mid-stream fault at event ``cut``; True when the stream must end here."""
    if fault.kind == "reset_mid_stream":
        await handler.flush()
        sock = getattr(getattr(handler.request.connection, "stream", None), "socket", None)
        if sock is not None:
            await drain(sock)
        reset_connection(handler)
        return True
    if fault.kind == "eof_mid_stream":
        handler.finish()
        return True
    if fault.kind == "error_event":
        message = fault.params.get("message")
        text = (
            message if isinstance(message, str) else "Internal error while streaming (simulated)."
        )
        handler.write(stream.error_event(text, cut))
        handler.finish()
        return True
    if fault.kind == "stall_mid_stream":
        await handler.flush()
        await asyncio.sleep(fault.float_param("seconds", 1.0))
        return False
    if fault.kind == "corrupt_event" and cut < len(stream.events):
        good = stream.events[cut]
        brace = good.find(b"{")
        broken = (
            good[: brace + 1] + b'"corrupt' + good[brace + 1 :] if brace >= 0 else b"data: {\n\n"
        )
        handler.write(broken)
        await handler.flush()
        await _send_range(handler, stream, cut + 1, len(stream.events))
        handler.finish()
        return True
    return False


async def _send_range(handler: BaseHandler, stream: EventStream, start: int, stop: int) -> None:
    if start >= stop:
        await handler.flush()
        return
    knobs = handler.state.knobs
    events = stream.events
    head_end = min(max(stream.first_token, start), stop)
    if head_end > start:
        await _write_all(handler, events[start:head_end])
    if head_end >= stop:
        return
    if head_end == stream.first_token and knobs.ttft_ms > 0:
        await asyncio.sleep(knobs.ttft_ms / 1000)
    rate = knobs.tokens_per_second
    if rate <= 0:
        await _write_all(handler, events[head_end:stop])
        return
    # Paced: every event due by now goes out in one write, then sleep until the next is due.
    began = time.monotonic()
    i = head_end
    while i < stop:
        due = int((time.monotonic() - began) * rate) + 1
        j = min(stop, max(i + 1, head_end + due))
        await _send(handler, b"".join(events[i:j]))
        i = j
        if i < stop:
            next_due = began + (i - head_end) / rate
            await asyncio.sleep(max(0.0, next_due - time.monotonic()))


async def _write_all(handler: BaseHandler, events: list[bytes]) -> None:
    chunk: list[bytes] = []
    size = 0
    for event in events:
        chunk.append(event)
        size += len(event)
        if size >= _WRITE_BYTES:
            await _send(handler, b"".join(chunk))
            chunk, size = [], 0
    await _send(handler, b"".join(chunk))


async def _send(handler: BaseHandler, data: bytes) -> None:
    """Write and flush; with ``stream_chunk_bytes`` set, in pieces that reach the client apart."""
    piece = handler.state.knobs.stream_chunk_bytes
    if piece <= 0 or len(data) <= piece:
        handler.write(data)
        await handler.flush()
        return
    connection = handler.request.connection
    stream = getattr(connection, "stream", None)
    if stream is not None:
        stream.set_nodelay(True)
    for start in range(0, len(data), piece):
        handler.write(data[start : start + piece])
        await handler.flush()
        await asyncio.sleep(0.001)
