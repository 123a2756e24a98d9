"""How many TCP connections clients opened for API calls, so connection churn can be measured.

A client that keeps its connections alive opens a handful for hundreds of calls; one that
reconnects per call (or leaks and replaces broken ones) opens one per call. The open count
alone cannot tell these apart, so the emulator also counts connections as they first carry an
API request. Admin calls are left out: they are the test's, not the client's.
"""

from __future__ import annotations

import weakref


class ConnectionTally:
    """Connections seen carrying an API request; ``opened`` counts those new since ``clear``."""

    def __init__(self) -> None:
        # Kept across ``clear`` so a keep-alive connection from before a reset is not new.
        self._seen: weakref.WeakSet[object] = weakref.WeakSet()
        self.opened = 0

    def saw(self, stream: object) -> None:
        """Note the connection (its tornado IOStream) one API request arrived on."""
        if stream not in self._seen:
            self._seen.add(stream)
            self.opened += 1

    def clear(self) -> None:
        self.opened = 0
