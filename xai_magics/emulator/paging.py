"""Opaque pagination tokens and ``limit`` checks shared by the listing routes."""

from __future__ import annotations

import base64

from xai_magics.emulator.errors import APIError


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def page_offset(token: str | None) -> int:
    """The offset a ``pagination_token`` stands for; 400 for a token the emulator did not issue."""
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return max(int(value), 0)
    except (ValueError, UnicodeDecodeError):
        raise APIError(400, f"Invalid pagination_token: {token!r}") from None


def cursor_token(key: str) -> str:
    return base64.urlsafe_b64encode(f"after:{key}".encode()).decode()


def cursor(token: str | None) -> str:
    """The sort key a results ``pagination_token`` resumes after ("" for the first page)."""
    if not token:
        return ""
    try:
        kind, _, key = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        kind, key = "", ""
    if kind != "after":
        raise APIError(400, f"Invalid pagination_token: {token!r}")
    return key


def page_limit(raw: str | None, *, default: int, maximum: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise APIError(400, f"Invalid limit {raw!r}: expected an integer.") from None
    if not 1 <= value <= maximum:
        raise APIError(400, f"limit must be between 1 and {maximum}.")
    return value
