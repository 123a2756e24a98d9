"""Wire models of the Files API (``/v1/files``): uploads that batches and prompts can refer to."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from xai_magics.schemas.common import WireModel

__all__ = ["FileDeleted", "FileObject", "FilePage"]


class FileObject(WireModel):
    """A stored file. Times are unix seconds; ``expires_at`` is null when kept until deleted."""

    id: str
    object: str = "file"
    bytes: int = 0
    created_at: int | None = None
    expires_at: int | None = None
    filename: str = ""
    purpose: str = ""

    @property
    def created(self) -> dt.datetime | None:
        return _utc(self.created_at)

    @property
    def expires(self) -> dt.datetime | None:
        return _utc(self.expires_at)


class FilePage(WireModel):
    """One page of ``GET /v1/files``: the server always returns a token, a short page ends it."""

    data: list[FileObject] = Field(default_factory=list)
    pagination_token: str | None = None


class FileDeleted(WireModel):
    id: str
    deleted: bool = False
    object: str = "file"


def _utc(seconds: int | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
