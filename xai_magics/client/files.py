"""The Files API: upload JSONL for batches or documents for prompts, list, download, delete."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

from xai_magics.schemas.files import FileDeleted, FileObject, FilePage

if TYPE_CHECKING:
    from xai_magics.client._transport import Transport

__all__ = ["MAX_EXPIRES_AFTER_S", "MIN_EXPIRES_AFTER_S", "FilesAPI"]

MIN_EXPIRES_AFTER_S = 3_600
MAX_EXPIRES_AFTER_S = 2_592_000  # 30 days
MAX_PAGE_SIZE = 100


def _file_path(file_id: str, suffix: str = "") -> str:
    return f"/files/{quote(file_id, safe='')}{suffix}"


class FilesAPI:
    """``/v1/files``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def upload(self, filename: str, data: bytes, expires_after: int | None = None) -> FileObject:
        """Store ``data`` under ``filename``; ``expires_after`` (seconds) deletes it later.

        The server reads ``expires_after`` only when it precedes the file part, so the part
        order here is deliberate (dicts keep insertion order, and httpx keeps dict order).
        """
        if expires_after is not None and not (
            MIN_EXPIRES_AFTER_S <= expires_after <= MAX_EXPIRES_AFTER_S
        ):
            raise ValueError(
                f"expires_after must be between {MIN_EXPIRES_AFTER_S} s (1 hour) and "
                f"{MAX_EXPIRES_AFTER_S} s (30 days), got {expires_after}; "
                "leave it unset to keep the file until it is deleted"
            )
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        parts: dict[str, tuple[str | None, bytes] | tuple[str, bytes, str]] = {}
        if expires_after is not None:
            parts["expires_after"] = (None, str(expires_after).encode())
        parts["file"] = (filename, bytes(data), content_type)
        response = self._transport.request("POST", "/files", files=parts)
        return FileObject.model_validate_json(response.content)

    def list(
        self,
        limit: int = MAX_PAGE_SIZE,
        pagination_token: str | None = None,
        *,
        order: str | None = None,
        sort_by: str | None = None,
    ) -> FilePage:
        """One page of files (newest first unless ``order="asc"``)."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        params: dict[str, str | int] = {"limit": limit}
        for name, value in (
            ("pagination_token", pagination_token),
            ("order", order),
            ("sort_by", sort_by),
        ):
            if value:
                params[name] = value
        response = self._transport.request("GET", "/files", params=params)
        return FilePage.model_validate_json(response.content)

    def iter_files(self, limit: int = MAX_PAGE_SIZE) -> Iterator[FileObject]:
        """Every stored file. A token always comes back here: a short page is the last one."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.list(limit, token)
            yield from page.data
            token = page.pagination_token
            if len(page.data) < limit or not token or token in seen:
                return
            seen.add(token)

    def get(self, file_id: str) -> FileObject:
        return FileObject.model_validate_json(
            self._transport.request("GET", _file_path(file_id)).content
        )

    def content(self, file_id: str) -> bytes:
        """The file's bytes exactly as uploaded."""
        return self._transport.request("GET", _file_path(file_id, "/content")).content

    def delete(self, file_id: str) -> bool:
        """Delete a file; True when the server confirms it."""
        response = self._transport.request("DELETE", _file_path(file_id))
        return FileDeleted.model_validate_json(response.content).deleted
