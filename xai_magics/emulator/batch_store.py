"""Batches and their requests, with progress driven by the clock.

A request finishes ``batch_seconds_per_request`` after it was added. Its outcome is computed when
asked for, from the current time, the batch's cancel time and its expiry, so nothing runs in the
background: a cancelled or expired batch leaves its unfinished requests ``cancelled``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["pending", "succeeded", "failed", "cancelled"]
FAIL_MARKER = "emulator:fail"


def iso_date(ts: float | None) -> str | None:
    """xAI's batch timestamps are bare UTC dates."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).date().isoformat()


@dataclass
class BatchRequest:
    id: str
    endpoint: str
    body: dict[str, Any]
    model: str
    prompt: str
    added_at: float
    finish_at: float

    @property
    def fails(self) -> bool:
        return FAIL_MARKER in self.prompt

    def error_shape(self, default: str) -> str:
        for shape in ("string", "status", "error_message"):
            if f"{FAIL_MARKER}:{shape}" in self.prompt:
                return shape
        return default


@dataclass
class Batch:
    id: str
    name: str
    created_at: float
    expire_at: float
    key_id: str
    input_file_id: str | None = None
    cancel_at: float | None = None
    cancel_by_xai_message: str | None = None
    requests: dict[str, BatchRequest] = field(default_factory=dict)

    def outcome(self, req: BatchRequest, now: float) -> Outcome:
        end = min(self.cancel_at if self.cancel_at is not None else math.inf, self.expire_at)
        if req.finish_at <= now and req.finish_at <= end:
            return "failed" if req.fails else "succeeded"
        if now >= end:
            return "cancelled"
        return "pending"

    def finish_time(self, req: BatchRequest, now: float) -> float | None:
        outcome = self.outcome(req, now)
        if outcome == "pending":
            return None
        if outcome == "cancelled":
            return min(self.cancel_at if self.cancel_at is not None else math.inf, self.expire_at)
        return req.finish_at

    def counters(self, now: float) -> dict[str, int]:
        counts = {"pending": 0, "succeeded": 0, "failed": 0, "cancelled": 0}
        for req in self.requests.values():
            counts[self.outcome(req, now)] += 1
        return {
            "num_requests": len(self.requests),
            "num_pending": counts["pending"],
            "num_success": counts["succeeded"],
            "num_error": counts["failed"],
            "num_cancelled": counts["cancelled"],
        }

    def as_json(self, now: float) -> dict[str, Any]:
        body: dict[str, Any] = {
            "batch_id": self.id,
            "name": self.name,
            "create_time": iso_date(self.created_at),
            "expire_time": iso_date(self.expire_at),
            "create_api_key_id": self.key_id,
            "cancel_time": iso_date(self.cancel_at),
            "cancel_by_xai_message": self.cancel_by_xai_message,
            "state": self.counters(now),
        }
        if self.input_file_id is not None:
            body["input_file_id"] = self.input_file_id
        return body

    def result_order(self) -> list[BatchRequest]:
        """Requests in the order results list them: shuffled, but the same on every call."""
        return sorted(self.requests.values(), key=lambda r: shuffle_key(self.id, r.id))


def shuffle_key(batch_id: str, request_id: str) -> str:
    return hashlib.sha256(f"{batch_id}\x1f{request_id}".encode()).hexdigest()


def key_id_for(key_sha: str | None) -> str:
    """A stable UUID naming the API key that created a batch (never the key itself)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, key_sha or "anonymous"))


class BatchStore:
    def __init__(self) -> None:
        self._batches: dict[str, Batch] = {}

    def clear(self) -> None:
        self._batches.clear()

    def create(
        self, name: str, *, key_sha: str | None, expire_seconds: float, input_file_id: str | None
    ) -> Batch:
        now = time.time()
        batch = Batch(
            id=f"batch_{uuid.uuid4()}",
            name=name,
            created_at=now,
            expire_at=now + expire_seconds,
            key_id=key_id_for(key_sha),
            input_file_id=input_file_id,
        )
        self._batches[batch.id] = batch
        return batch

    def get(self, batch_id: str) -> Batch | None:
        return self._batches.get(batch_id)

    def newest_first(self) -> Iterator[Batch]:
        return reversed(list(self._batches.values()))
