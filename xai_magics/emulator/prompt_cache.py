"""Deterministic prompt caching: a request whose opening turns were seen before gets cached tokens.

xAI caches exact prefixes per key and model. The emulator remembers, per key and model, the hash
of every conversation it answered (including the answer) and of every prefix it was sent; a later
request whose messages before the last user turn hash to one of those is billed that prefix as
cached input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

Turn = tuple[str, str]


def _hash(scope: str, turns: Sequence[Turn]) -> str:
    data = json.dumps([scope, [list(t) for t in turns]], ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


class PromptCache:
    def __init__(self) -> None:
        self._seen: set[str] = set()

    def clear(self) -> None:
        self._seen.clear()

    def lookup(self, scope: str, prefix: Sequence[Turn]) -> bool:
        """Whether this exact prefix was seen before in ``scope`` (key hash + model)."""
        return bool(prefix) and _hash(scope, prefix) in self._seen

    def remember(self, scope: str, turns: Sequence[Turn]) -> None:
        if turns:
            self._seen.add(_hash(scope, turns))
