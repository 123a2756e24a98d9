"""``/v1/files``: multipart upload, list (paged), get, content, delete; 413 above the size limit."""

from __future__ import annotations

from typing import Any

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import APIError, not_found, unprocessable
from xai_magics.emulator.file_store import StoredFile
from xai_magics.emulator.paging import page_limit, page_offset, page_token

_MIN_EXPIRY = 3600
_MAX_EXPIRY = 2_592_000


def _expires_after(handler: BaseHandler) -> int | None:
    args = handler.request.body_arguments
    raw = args.get("expires_after") or args.get("expires_after[seconds]")
    if not raw:
        return None
    try:
        seconds = int(raw[0].decode())
    except ValueError:
        raise unprocessable("invalid type for `expires_after`, expected an integer") from None
    if not _MIN_EXPIRY <= seconds <= _MAX_EXPIRY:
        raise APIError(400, f"expires_after must be between {_MIN_EXPIRY} and {_MAX_EXPIRY}.")
    return seconds


#: recorded (2026-08): the files backend sends traceparent but no x-request-id
FILE_HEADERS = frozenset({"traceparent", "retention"})


class FilesHandler(BaseHandler):
    service_headers = FILE_HEADERS

    def post(self) -> None:
        limit = self.state.knobs.file_max_bytes
        uploads = self.request.files.get("file")
        if not uploads:
            raise unprocessable("missing multipart field `file`")
        upload = uploads[0]
        if len(upload.body) > limit:
            raise APIError(413, f"File too large: {len(upload.body)} bytes, the limit is {limit}.")
        stored = self.state.files.add(
            upload.filename or "upload", bytes(upload.body), _expires_after(self)
        )
        self.reply(stored.as_json())

    def get(self) -> None:
        files = self.state.files.all()
        order = self.get_query_argument("order", "desc")
        sort_by = self.get_query_argument("sort_by", "created_at")
        keys: dict[str, Any] = {
            "created_at": lambda f: (f.created_at, f.id),
            "filename": lambda f: (f.filename, f.id),
            "size": lambda f: (len(f.data), f.id),
        }
        if sort_by not in keys or order not in ("asc", "desc"):
            raise APIError(400, "sort_by must be created_at|filename|size and order asc|desc.")
        files.sort(key=keys[sort_by], reverse=order == "desc")
        limit = page_limit(self.get_query_argument("limit", None), default=100, maximum=100)
        offset = page_offset(self.get_query_argument("pagination_token", None))
        page = files[offset : offset + limit]
        self.reply(
            {"data": [f.as_json() for f in page], "pagination_token": page_token(offset + limit)}
        )


def _file_or_404(handler: BaseHandler, file_id: str) -> StoredFile:
    stored = handler.state.files.get(file_id)
    if stored is None:
        raise not_found(f"File {file_id} not found.")
    return stored


class FileHandler(BaseHandler):
    service_headers = FILE_HEADERS

    def get(self, file_id: str) -> None:
        self.reply(_file_or_404(self, file_id).as_json())

    def delete(self, file_id: str) -> None:
        _file_or_404(self, file_id)
        self.state.files.delete(file_id)
        self.reply({"id": file_id, "deleted": True, "object": "file"})


class FileContentHandler(BaseHandler):
    service_headers = FILE_HEADERS

    def get(self, file_id: str) -> None:
        stored = _file_or_404(self, file_id)
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(stored.data)
