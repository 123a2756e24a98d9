"""Scrub API keys out of any text we show: error messages, reprs, log lines.

Two nets: the exact keys this process has been given (registered as ``SecretStr``, never as
plain strings), and anything shaped like an xAI key, since a server may echo a key we never saw.
"""

from __future__ import annotations

import re
from typing import Protocol

__all__ = ["REDACTED", "may_hold_secret", "redact", "register_secret"]

REDACTED = "[redacted]"

# xAI keys start with "xai-"; the server also echoes a masked form such as "xa***ey".
_KEY_SHAPED = re.compile(r"xai-[A-Za-z0-9_\-]{8,}|\b[A-Za-z0-9]{1,4}\*{3,}[A-Za-z0-9]{0,4}\b")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
_MAX_REGISTERED = 16
_MIN_LENGTH = 8


class Secret(Protocol):
    """What ``register_secret`` needs: pydantic's ``SecretStr`` fits, without importing pydantic."""

    def get_secret_value(self) -> str: ...


_registered: list[Secret] = []


def register_secret(secret: Secret) -> None:
    """Remember a key so that ``redact`` removes it even when it is not key-shaped."""
    # Very short values would blank out ordinary words; real keys are far longer.
    if len(secret.get_secret_value()) < _MIN_LENGTH or secret in _registered:
        return
    _registered.append(secret)
    del _registered[:-_MAX_REGISTERED]


def redact(text: str) -> str:
    """Return ``text`` with registered keys, key-shaped tokens and bearer values replaced."""
    for secret in _registered:
        if secret.get_secret_value() in text:
            text = text.replace(secret.get_secret_value(), REDACTED)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _KEY_SHAPED.sub(REDACTED, text)


#: plain substrings every match of the patterns above contains ("bearer" in any case)
_HINTS = ("xai-", "***", "earer", "EARER")


def may_hold_secret(text: str) -> bool:
    """Whether ``redact`` could change ``text``: a fast test for large texts (a recorded answer
    of megabytes), where most hold nothing to scrub and the full patterns cost the most."""
    if any(hint in text for hint in _HINTS):
        return True
    return any(secret.get_secret_value() in text for secret in _registered)
