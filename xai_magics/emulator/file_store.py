"""Uploaded files, kept in memory with the metadata ``/v1/files`` returns."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class StoredFile:
    id: str
    filename: str
    data: bytes
    created_at: int
    expires_at: int | None
    purpose: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "bytes": len(self.data),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "id": self.id,
            "object": "file",
            "purpose": self.purpose,
        }

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


class FileStore:
    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}

    def clear(self) -> None:
        self._files.clear()

    def add(self, filename: str, data: bytes, expires_after: int | None) -> StoredFile:
        now = int(time.time())
        stored = StoredFile(
            id=f"file_{uuid.uuid4()}",
            filename=filename,
            data=data,
            created_at=now,
            expires_at=now + expires_after if expires_after is not None else None,
        )
        self._files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        stored = self._files.get(file_id)
        if stored is None or stored.expired(time.time()):
            return None
        return stored

    def delete(self, file_id: str) -> bool:
        return self._files.pop(file_id, None) is not None

    def all(self) -> list[StoredFile]:
        now = time.time()
        return [f for f in self._files.values() if not f.expired(now)]
