"""Ending connections the way broken networks do: an abrupt RST, after what was sent arrived.

A RST discards whatever still sits in the sender's queue, and Nagle's algorithm may be holding
the last small writes back. So a mid-stream reset first turns Nagle off and waits until the
client's kernel has acknowledged every byte (Linux ``SIOCOUTQ``; elsewhere a short pause), so
the client reliably sees exactly the events sent before the reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time

try:
    import fcntl
    import termios

    _OUTQ: int | None = termios.TIOCOUTQ
except (ImportError, AttributeError):  # not Linux/BSD: fall back to a pause
    _OUTQ = None


def _unacknowledged(sock: socket.socket) -> int | None:
    if _OUTQ is None:
        return None
    try:
        raw = fcntl.ioctl(sock.fileno(), _OUTQ, b"\0\0\0\0")
    except OSError:
        return None
    return int(struct.unpack("i", raw)[0])


async def drain(sock: socket.socket, timeout: float = 1.0) -> None:
    """Wait (up to ``timeout``) until the peer acknowledged all bytes written to ``sock``."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = _unacknowledged(sock)
        if pending is None:
            await asyncio.sleep(0.05)
            return
        if pending == 0:
            return
        await asyncio.sleep(0.002)


def abort(sock: socket.socket | None) -> None:
    """Make the next close send a RST instead of a FIN."""
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
