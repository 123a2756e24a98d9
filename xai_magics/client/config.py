"""Where the client's settings come from: arguments first, then the environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

from xai_magics.client import interpose
from xai_magics.client.errors import MissingAPIKeyError
from xai_magics.client.redact import register_secret

__all__ = ["DEFAULT_BASE_URL", "ClientConfig", "Timeouts"]

DEFAULT_BASE_URL = "https://api.x.ai/v1"
KeySource = Literal["argument", "XAI_API_KEY", "replay"]
#: stands in for the key when answers are replayed; never valid at api.x.ai
_NO_KEY = "replayed-answers-need-no-key"


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed per phase of one attempt, plus ``total`` for the whole call with retries.

    httpx applies ``read`` per chunk, so a trickling answer never trips it; ``total`` is what
    bounds a call end to end (``None`` disables it).
    """

    connect: float = 5.0
    read: float = 60.0
    write: float = 30.0
    pool: float = 10.0
    total: float | None = 600.0


@dataclass(frozen=True, repr=False)
class ClientConfig:
    """Resolved settings. The key stays a ``SecretStr``; the repr says only where it came from."""

    api_key: SecretStr
    key_source: KeySource
    base_url: str
    timeouts: Timeouts
    max_retries: int

    @classmethod
    def resolve(
        cls,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        max_retries: int = 2,
    ) -> ClientConfig:
        """Build a config, reading ``XAI_API_KEY`` / ``XAI_BASE_URL`` for what is not given."""
        # Rebind at once so no frame of ours holds the plain key as a local.
        api_key = _as_secret(api_key)
        source: KeySource = "argument"
        if not api_key.get_secret_value():
            api_key = SecretStr(os.environ.get("XAI_API_KEY", "").strip())
            source = "XAI_API_KEY"
        if not api_key.get_secret_value() and not interpose.key_needed():
            # Every answer is replayed from a cassette: nothing is sent, no key is needed.
            api_key, source = SecretStr(_NO_KEY), "replay"
        if not api_key.get_secret_value():
            raise MissingAPIKeyError()
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        register_secret(api_key)
        return cls(
            api_key=api_key,
            key_source=source,
            base_url=normalize_base_url(base_url or os.environ.get("XAI_BASE_URL") or ""),
            timeouts=timeouts or Timeouts(),
            max_retries=max_retries,
        )

    def __repr__(self) -> str:
        return (
            f"ClientConfig(base_url={self.base_url!r}, api_key=set (from {self.key_source}), "
            f"timeouts={self.timeouts!r}, max_retries={self.max_retries})"
        )


def normalize_base_url(url: str) -> str:
    """The base URL without a trailing slash; the default when empty."""
    url = url.strip().rstrip("/") or DEFAULT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"XAI_BASE_URL must be an http(s) URL such as {DEFAULT_BASE_URL}, not {url!r}"
        )
    return url


def _as_secret(api_key: str | SecretStr | None) -> SecretStr:
    if isinstance(api_key, SecretStr):
        return SecretStr(api_key.get_secret_value().strip())
    return SecretStr((api_key or "").strip())
