"""The record of every request the emulator received, for tests to assert on.

The API key is never stored: only its sha256. Entries are made when a request arrives (so arrival
times are honest even for requests that stall or are reset) and completed when it is answered.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

#: Bodies larger than this are logged as their size only, to keep the log cheap.
_MAX_LOGGED_BODY = 2 * 1024 * 1024


def key_hash(key: str | None) -> str | None:
    if key is None:
        return None
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def logged_body(raw: bytes, content_type: str) -> Any:
    """The parsed JSON body, or None for empty, non-JSON or very large bodies."""
    if not raw or len(raw) > _MAX_LOGGED_BODY or "multipart/" in content_type:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._seq = 0

    def open(
        self,
        *,
        method: str,
        path: str,
        query: str,
        key: str | None,
        body: Any,
        conv_id: str | None = None,
    ) -> dict[str, Any]:
        """Record an arriving request; the returned entry is updated in place when it completes."""
        self._seq += 1
        entry: dict[str, Any] = {
            "seq": self._seq,
            "time": time.time(),
            "method": method,
            "path": path,
            "query": query,
            "status": None,
            "key_sha256": key_hash(key),
            "body": body,
            #: the x-grok-conv-id header (cache affinity), when the client sent one
            "conv_id": conv_id,
            "fault": None,
            #: the wait a rate-limit 429 named (retry-after-ms), when the limits refused it
            "retry_after_ms": None,
        }
        self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._seq = 0
