"""The one place where something may stand between the client and the network (issue 13).

A record/replay cassette installs an ``Interposer`` here; every request the ``Transport`` sends
passes through it, so a replayed answer goes through exactly the same retries, parsing and
error mapping as a live one. Requests reach the interposer before authentication: the key is
added by ``network`` (the real send), so an interposer never sees it. With none installed,
``send`` costs one global read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

__all__ = ["Interposer", "Network", "current", "install", "key_needed", "open_socket", "send"]

#: the real send: authenticates and puts the request on the wire (body not read yet)
Network = Callable[["httpx.Request"], "httpx.Response"]


class Interposer(Protocol):
    """Sees every request; answers it itself or hands it to ``network``."""

    @property
    def needs_key(self) -> bool:
        """False when every answer comes from somewhere other than the service."""
        ...

    def send(self, request: httpx.Request, network: Network) -> httpx.Response: ...

    def open_socket(self, url: str, connect: Callable[[], Any]) -> Any:
        """The WebSocket connection for ``url``: ``connect()`` opens the real one."""
        ...


_current: Interposer | None = None


def install(interposer: Interposer | None) -> None:
    """Put ``interposer`` in front of the network for every client (``None`` removes it)."""
    global _current
    _current = interposer


def current() -> Interposer | None:
    return _current


def send(request: httpx.Request, network: Network) -> httpx.Response:
    """Send ``request`` through the installed interposer, if any."""
    hook = _current
    return network(request) if hook is None else hook.send(request, network)


def open_socket(url: str, connect: Callable[[], Any]) -> Any:
    """The WebSocket connection for ``url``, through the installed interposer, if any."""
    hook = _current
    return connect() if hook is None else hook.open_socket(url, connect)


def key_needed() -> bool:
    """Whether a call needs an API key (not when every answer is replayed)."""
    hook = _current
    return hook is None or hook.needs_key
