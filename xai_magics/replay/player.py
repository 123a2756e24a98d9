"""Play mode: answer each request from the cassette, at the recorded pace or at once.

Exchanges with the same fingerprint are served in the order they were recorded (a question
asked twice, a batch polled until done); once they run out the last one answers again, so a
re-run cell replays and polling still ends on the final recorded state.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from xai_magics.replay.cassette import Exchange
from xai_magics.replay.errors import ReplayMiss
from xai_magics.replay.fingerprint import Canonical, canonical, closest, difference

if TYPE_CHECKING:
    from xai_magics.replay.switch import Pace

__all__ = ["Player"]

_BATCH_TOKEN = re.compile(rb"\[xm:[0-9a-f]+:[0-9A-Za-z_-]+\]")


class Player:
    """Looks requests up in a cassette's exchanges and answers them."""

    def __init__(self, exchanges: list[Exchange], *, pace: Pace, source: str) -> None:
        self.pace = pace
        self.source = source
        self._by_digest: dict[str, list[Exchange]] = {}
        for exchange in exchanges:
            self._by_digest.setdefault(exchange.request.digest, []).append(exchange)
        self._served: dict[str, int] = {}
        self._tokens: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(found) for found in self._by_digest.values())

    def find(self, asked: Canonical) -> Exchange | None:
        """The next recorded answer to ``asked``, or ``None``."""
        digest = asked.digest
        found = self._by_digest.get(digest)
        if not found:
            return None
        with self._lock:
            turn = self._served.get(digest, 0)
            self._served[digest] = turn + 1
        return found[min(turn, len(found) - 1)]

    def answer(self, request: httpx.Request) -> tuple[Exchange | None, httpx.Response | None]:
        """The recorded exchange and a response replaying it; ``(None, None)`` on a miss."""
        exchange = self.find(canonical(request))
        if exchange is None:
            return None, None
        self._learn_token(request.content, exchange.body)
        if self.pace == "recorded" and exchange.wait_s > 0:
            time.sleep(exchange.wait_s)
        response = httpx.Response(
            exchange.status,
            headers=exchange.headers,
            stream=_Replayed(exchange, dict(self._tokens), paced=self.pace == "recorded"),
            request=request,
        )
        return exchange, response

    def _learn_token(self, sent: bytes, recorded: bytes) -> None:
        """A batch created now carries a new ``[xm:...:nonce]`` token in its name: answers
        that name the recorded batch name it with this run's token, so the batch is found."""
        new, old = _BATCH_TOKEN.search(sent), _BATCH_TOKEN.search(recorded)
        if new is not None and old is not None and new.group() != old.group():
            with self._lock:
                self._tokens[old.group()] = new.group()

    def miss(self, request: httpx.Request) -> ReplayMiss:
        """The one-line error for a request the cassette has no answer to."""
        return self.miss_for(canonical(request))

    def miss_for(self, asked: Canonical) -> ReplayMiss:
        """The one-line error for ``asked``: the closest recorded request and what differs."""
        recorded = [found[0].request for found in self._by_digest.values()]
        near = closest(asked, recorded)
        head = f"no recorded answer in {self.source} for {asked.describe()}"
        if near is None:
            return ReplayMiss(f"{head}: the cassette is empty; record it with %grok_replay record")
        return ReplayMiss(
            f"{head}; closest recorded: {near.describe()} ({difference(asked, near)}). "
            "Record again with %grok_replay record, or play with --fallback live"
        )


class _Replayed(httpx.SyncByteStream):
    """A recorded body, each chunk when it came (``paced``) or all at once."""

    def __init__(self, exchange: Exchange, tokens: dict[bytes, bytes], *, paced: bool) -> None:
        self._exchange = exchange
        self._tokens = tokens
        self._paced = paced

    def __iter__(self) -> Iterator[bytes]:
        if not self._paced:
            body = self._exchange.body
            if body:
                yield self._renamed(body)
            return
        start = time.monotonic()
        for at, data in self._exchange.chunks:
            delay = start + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield self._renamed(data)

    def _renamed(self, data: bytes) -> bytes:
        for old, new in self._tokens.items():
            data = data.replace(old, new)
        return data
