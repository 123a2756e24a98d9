"""Bearer authentication that keeps the key inside a ``SecretStr`` until the request is sent.

Going through ``httpx.Auth`` means no plain header dict holding the key ever sits in our frames
(where a verbose traceback would print it), and the object's repr stays masked.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from pydantic import SecretStr

__all__ = ["BearerAuth"]


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to each request."""

    def __init__(self, api_key: SecretStr) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._api_key.get_secret_value()
        yield request

    def header(self) -> dict[str, str]:
        """The header for clients that cannot take an ``httpx.Auth`` (the WebSocket client)."""
        return {"Authorization": "Bearer " + self._api_key.get_secret_value()}

    def __repr__(self) -> str:
        return "BearerAuth(api_key=**********)"
