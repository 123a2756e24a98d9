"""httpx's network failures, told as our errors: which phase timed out, why a host is unreachable.

Only text leaves this module, never the httpx exception, whose frames hold the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from xai_magics.client.config import Timeouts
from xai_magics.client.errors import APIConnectionError
from xai_magics.client.redact import redact

__all__ = ["describe", "phase_of", "timeout_message", "unreachable"]

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def unreachable(base_url: str, why: str, attempts: int) -> APIConnectionError:
    """The "cannot reach" error, with the next step: start the emulator, or check the URL."""
    host = urlsplit(base_url).hostname or ""
    if host in _LOCAL_HOSTS or host.startswith("127."):
        hint = "is the emulator running (python -m xai_magics.emulator)? Or check XAI_BASE_URL"
    else:
        hint = "check the network connection, or XAI_BASE_URL"
    return APIConnectionError(f"cannot reach {base_url} ({why}) — {hint}", attempts=attempts)


def timeout_message(base_url: str, timeouts: Timeouts, phase: str) -> str:
    limit = {
        "connect": timeouts.connect,
        "read": timeouts.read,
        "write": timeouts.write,
        "pool": timeouts.pool,
    }.get(phase, timeouts.total)
    return (
        f"{base_url} did not answer in time ({phase} timeout of {limit:g} s); "
        f"run again, or raise Timeouts({phase}=...)"
    )


def phase_of(exc: httpx.TimeoutException) -> str:
    """connect, write, pool or read: which httpx timeout fired."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect"
    if isinstance(exc, httpx.WriteTimeout):
        return "write"
    if isinstance(exc, httpx.PoolTimeout):
        return "pool"
    return "read"


def describe(exc: httpx.TransportError) -> str:
    """A few words for a network failure: connection refused, connection reset, ..."""
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if isinstance(exc, httpx.RemoteProtocolError) or "reset" in text or "disconnect" in text:
        return "connection reset"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "host name not found"
    return redact(str(exc)) or type(exc).__name__
