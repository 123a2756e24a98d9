"""The cassette file: JSON lines, a header line then one recorded exchange per line.

One line per exchange keeps a re-recording's ``git diff`` to the calls that changed. Text bodies
(JSON, Server-Sent Events) are stored as text chunks, each with its time after the headers, so a
stream replays at the pace it came; other bodies (audio) as base64. Reading checks every line
and says which one is wrong, so a corrupted or foreign file is one clear error.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from xai_magics.client.redact import may_hold_secret, redact
from xai_magics.replay.errors import CassetteError
from xai_magics.replay.fingerprint import Canonical

__all__ = ["FORMAT", "Exchange", "Writer", "read"]

#: the header line's marker and the format version this code reads and writes
FORMAT = "xai-magics-cassette"
VERSION = 1
_FIX = "record it again with %grok_replay record, or restore it from version control"


@dataclass(frozen=True)
class Exchange:
    """One request and the answer it got, with the pace it came at."""

    request: Canonical
    status: int
    headers: dict[str, str]
    #: seconds from sending the request to its response headers
    wait_s: float
    #: (seconds after the headers, bytes) in the order they arrived
    chunks: list[tuple[float, bytes]]
    #: what a reader of the file wants to see at a glance: id, model, cost in ticks
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def body(self) -> bytes:
        return b"".join(data for _, data in self.chunks)

    def to_line(self) -> str:
        """The exchange as one JSON line (no newline); a key echoed by a server is scrubbed."""
        texts = _as_texts(self.chunks, self.headers.get("content-type", ""))
        doc: dict[str, Any] = {
            "request": self.request.to_json(),
            "fingerprint": self.request.digest,
            "status": self.status,
            "headers": self.headers,
            "wait_s": round(self.wait_s, 4),
            "encoding": "text" if texts is not None else "base64",
            "chunks": [
                [round(at, 4), text]
                for (at, _), text in zip(self.chunks, texts or _base64(self.chunks), strict=True)
            ],
            "facts": self.facts,
        }
        line = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        return redact(line) if may_hold_secret(line) else line

    @classmethod
    def from_line(cls, doc: Mapping[str, Any]) -> Exchange:
        """Parse one line's object; ``ValueError``/``KeyError``/``TypeError`` when malformed."""
        encoding = doc["encoding"]
        if encoding not in ("text", "base64"):
            raise ValueError(f"unknown encoding {encoding!r}")
        chunks = []
        for at, data in doc["chunks"]:
            if not isinstance(data, str):
                raise TypeError("chunk is not a string")
            raw = data.encode() if encoding == "text" else base64.b64decode(data, validate=True)
            chunks.append((float(at), raw))
        headers = doc.get("headers") or {}
        if not isinstance(headers, dict):
            raise TypeError("headers is not an object")
        return cls(
            request=Canonical.from_json(doc["request"]),
            status=int(doc["status"]),
            headers={str(k): str(v) for k, v in headers.items()},
            wait_s=float(doc.get("wait_s", 0.0)),
            chunks=chunks,
            facts=dict(doc.get("facts") or {}),
        )


def read(path: Path) -> list[Exchange]:
    """Every exchange in the cassette at ``path``; ``CassetteError`` says what is wrong."""
    try:
        with path.open(encoding="utf-8") as file:
            return list(_parse(path, file))
    except FileNotFoundError:
        raise CassetteError(
            f"no cassette at {path}: record one first with %grok_replay record {path}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(f"cannot read the cassette {path} ({exc}); {_FIX}") from None


def _parse(path: Path, file: IO[str]) -> Iterator[Exchange]:
    check_header(path, file.readline())
    for number, line in enumerate(file, start=2):
        if not line.strip():
            continue
        try:
            yield Exchange.from_line(json.loads(line))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise CassetteError(
                f"{path} line {number} is not a recorded exchange ({_why(exc)}): "
                f"the file is damaged; {_FIX}"
            ) from None


def check_header(path: Path, line: str) -> None:
    """Refuse a file that is not a cassette of ours, or of a newer format."""
    try:
        head = json.loads(line) if line.strip() else None
    except ValueError:
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise CassetteError(
            f"{path} is not an xai-magics cassette (its first line is not our header): "
            "give the path of a file written by %grok_replay record"
        )
    if head.get("version") != VERSION:
        raise CassetteError(
            f"{path} is a version {head.get('version')!r} cassette and this xai-magics reads "
            f"version {VERSION}: upgrade xai-magics, or {_FIX}"
        )


class Writer:
    """Appends exchanges to a cassette, one whole line at a time, from any thread."""

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if append and path.exists() and path.stat().st_size:
                with path.open(encoding="utf-8") as file:
                    check_header(path, file.readline())
            else:
                header = {"format": FORMAT, "version": VERSION, "created": _now()}
                path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CassetteError(f"cannot write the cassette {path} ({exc})") from None

    def write(self, exchange: Exchange) -> None:
        line = exchange.to_line() + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(line)


def _as_texts(chunks: list[tuple[float, bytes]], content_type: str) -> list[str] | None:
    """The chunks as text when they are text (a chunk cut inside a character is not)."""
    if not content_type.startswith(("application/json", "text/")):
        return None
    try:
        return [data.decode("utf-8") for _, data in chunks]
    except UnicodeDecodeError:
        return None


def _base64(chunks: list[tuple[float, bytes]]) -> list[str]:
    return [base64.b64encode(data).decode("ascii") for _, data in chunks]


def _why(exc: BaseException) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
