"""httpx's network failures, told as our errors: which phase timed out, why a host is unreachable.

Only text leaves this module, never the httpx exception, whose frames hold the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from xai_magics.client.config import Timeouts
from xai_magics.client.errors import APIConnectionError
from xai_magics.client.redact import redact

__all__ = ["describe", "phase_of", "timeout_message", "unreachable", "unreachable_hint"]

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def unreachable(base_url: str, why: str, attempts: int) -> APIConnectionError:
    """The "cannot reach" error, saying whether the emulator or the real API was meant."""
    return APIConnectionError(
        f"cannot reach {base_url} ({why}) — {unreachable_hint(base_url)}", attempts=attempts
    )


def unreachable_hint(base_url: str) -> str:
    """What to check next: a local address is taken to be the emulator, any other the API."""
    host = urlsplit(base_url).hostname or ""
    if host in _LOCAL_HOSTS or host.startswith("127."):
        return (
            "this local address is taken to be the emulator: is it running "
            "(python -m xai_magics.emulator)? Or check XAI_BASE_URL"
        )
    if host == "api.x.ai":
        return (
            "this is the real xAI API: check the network connection and any proxy or firewall; "
            "to use the local emulator instead, set XAI_BASE_URL to its URL"
        )
    return (
        "this XAI_BASE_URL is neither api.x.ai nor a local emulator: check the URL and the network"
    )


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
