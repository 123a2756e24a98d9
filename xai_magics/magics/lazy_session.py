"""The kernel's one ``Grok`` session, made on its first use rather than at ``%load_ext``.

Making it imports the HTTP client, the pydantic schemas, pricing and threads: more than the
rest of the extension's loading. The magics that share it hold this source and ask it for the
session when a magic runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xai_magics.api import Grok

__all__ = ["SessionSource"]


class SessionSource:
    """Calling it returns the session, made once (``on_create`` then sees it first)."""

    def __init__(self, on_create: Callable[[Grok], object] | None = None) -> None:
        self._on_create = on_create
        self._session: Grok | None = None
        self._lock = threading.Lock()

    @property
    def made(self) -> Grok | None:
        """The session if it has been made, without making it."""
        return self._session

    def __call__(self) -> Grok:
        session = self._session
        if session is not None:
            return session
        with self._lock:
            if self._session is None:
                from xai_magics.api import Grok

                made = Grok()
                if self._on_create is not None:
                    self._on_create(made)
                self._session = made
            return self._session
