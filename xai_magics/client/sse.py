"""Incremental Server-Sent Events decoder: feed bytes as they arrive, get whole events back.

Pure (no I/O), so it is tested at every byte split of recorded streams. It follows the
WHATWG event-stream rules: ``\\n``, ``\\r`` and ``\\r\\n`` line ends (also when a ``\\r\\n``
pair is split across reads), ``:`` comments, multi-line ``data`` joined with ``\\n``, ``id``
and ``retry`` fields, a leading BOM. One deliberate leniency: at end of input a pending
event is still delivered, so a server that omits the final blank line loses nothing.

Speed matters (one event per network read is the norm): a complete block of lines is decoded
from UTF-8 once and split in one call. A line never splits a UTF-8 sequence, since ``\\n``
and ``\\r`` cannot occur inside one; an unfinished line waits in a list of byte pieces, so
a 2 MiB event arriving in small reads costs linear time.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SSEDecoder", "ServerSentEvent"]


class ServerSentEvent(NamedTuple):
    """One dispatched event. ``event`` is ``None`` when the stream named no type."""

    event: str | None
    data: str
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Turns a byte stream into ``ServerSentEvent``s; call ``feed`` per read, ``flush`` at EOF."""

    __slots__ = ("_data", "_event", "_last_id", "_partial", "_retry", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._partial: list[bytes] = []
        self._skip_lf = False
        self._started = False
        self._data: list[str] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one read; returns the events it completed (often none or one)."""
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            if chunk[-1:] == b"\r":
                # The \n of a \r\n pair may be the next read's first byte.
                self._skip_lf = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if (
            chunk.startswith(b"data: ")
            and chunk.endswith(b"\n\n")
            and chunk.count(b"\n") == 2
            and self._started
            and not self._partial
            and not self._data
            and self._event is None
        ):
            # The common case, one whole ``data:`` event per read, without the line loop.
            return [
                ServerSentEvent(
                    None, chunk[6:-2].decode("utf-8", "replace"), self._last_id, self._retry
                )
            ]
        end = chunk.rfind(b"\n")
        if end < 0:
            if chunk:
                self._partial.append(chunk)
            return []
        if self._partial:
            self._partial.append(chunk[: end + 1])
            block = b"".join(self._partial)
            self._partial = []
        else:
            block = chunk[: end + 1]
        if end + 1 < len(chunk):
            self._partial.append(chunk[end + 1 :])
        return self._lines(block.decode("utf-8", "replace").split("\n"))

    def flush(self) -> list[ServerSentEvent]:
        """End of input: deliver what is pending, as if the stream had ended with a blank line."""
        tail = b"".join(self._partial).decode("utf-8", "replace")
        self._partial = []
        self._skip_lf = False
        return self._lines([tail, "", ""] if tail else ["", ""])

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        # ``lines`` ends with the text after the last newline ("" for a complete block).
        events: list[ServerSentEvent] = []
        data = self._data
        if not self._started and lines:
            self._started = True
            if lines[0].startswith("\ufeff"):
                lines[0] = lines[0][1:]
        for i in range(len(lines) - 1):
            line = lines[i]
            if not line:
                if data:
                    events.append(
                        ServerSentEvent(
                            self._event,
                            "\n".join(data) if len(data) > 1 else data[0],
                            self._last_id,
                            self._retry,
                        )
                    )
                    data.clear()
                self._event = None
                continue
            if line.startswith("data:"):
                data.append(line[6:] if line[5:6] == " " else line[5:])
                continue
            if line[0] == ":":
                continue
            name, colon, value = line.partition(":")
            if colon and value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                self._event = value or None
            elif name == "id":
                if "\0" not in value:
                    self._last_id = value
            elif name == "retry" and value.isdigit():
                self._retry = int(value)
        return events
