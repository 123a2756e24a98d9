"""The process-wide replay mode: off, recording into a cassette, or playing one back.

``record``/``play``/``off`` install or remove the interposer in front of every client's network
(``xai_magics.client.interpose``), so clients made before the switch follow it too. The state
counts hits and misses for ``%grok_replay status`` and remembers which response ids were
replayed, so receipts can say so. ``XAI_MAGICS_REPLAY=play:PATH`` (or ``record:PATH``) turns a
mode on when the extension loads, for notebooks run by nbclient or nbconvert.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from xai_magics.client import interpose
from xai_magics.replay.errors import CassetteError

if TYPE_CHECKING:
    import httpx

    from xai_magics.replay.cassette import Exchange
    from xai_magics.replay.fingerprint import Canonical
    from xai_magics.replay.player import Player
    from xai_magics.replay.spool import Spool

__all__ = ["ENV_VAR", "Pace", "ReplayState", "from_env", "off", "play", "record", "state"]

ENV_VAR = "XAI_MAGICS_REPLAY"
Mode = Literal["off", "record", "play"]
Pace = Literal["recorded", "instant"]
Fallback = Literal["error", "live"]
_T = TypeVar("_T")


@dataclass
class ReplayState:
    """What ``%grok_replay status`` shows, and what the interposer does."""

    mode: Mode = "off"
    path: Path | None = None
    pace: Pace = "recorded"
    fallback: Fallback = "error"
    hits: int = 0
    misses: int = 0
    live: int = 0
    #: response ids answered from the cassette, with their recorded facts (receipts of these
    #: say "replayed" and show the recording's cost and time)
    replayed: dict[str, dict[str, Any]] = field(default_factory=dict)
    _player: Player | None = field(default=None, repr=False)
    _writer: Spool | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- the interposer -----------------------------------------------------------------------

    @property
    def needs_key(self) -> bool:
        return self.mode != "play" or self.fallback == "live"

    def send(self, request: httpx.Request, network: interpose.Network) -> httpx.Response:
        if self._writer is not None:
            from xai_magics.replay.recorder import record

            return record(request, network, self._saved)
        if self._player is None:
            return network(request)
        exchange, response = self._player.answer(request)
        if response is not None and exchange is not None:
            self._count("hits")
            replayed = exchange.facts.get("id")
            if isinstance(replayed, str):
                self.replayed[replayed] = exchange.facts
            return response
        self._count("misses")
        if self.fallback == "live":
            self._count("live")
            return network(request)
        raise self._player.miss(request)

    def open_socket(self, url: str, connect: Callable[[], Any]) -> Any:
        from xai_magics.replay.socket import RecordingSocket, ReplayedSocket

        if self._writer is not None:
            return RecordingSocket(connect(), url, self._saved)
        player = self._player
        if player is None:
            return connect()

        def lookup(asked: Canonical) -> Exchange | None:
            found = player.find(asked)
            self._count("hits" if found is not None else "misses")
            return found

        def on_miss(asked: Canonical) -> Any:
            if self.fallback != "live":
                raise player.miss_for(asked)
            self._count("live")
            live = connect()
            live.__enter__()
            if live.request is not None:  # the handshake's copy of the key goes, as in TTSSession
                del live.request.headers["Authorization"]
            return live

        return ReplayedSocket(url, lookup, on_miss, paced=self.pace == "recorded")

    # -- reading it ---------------------------------------------------------------------------

    @property
    def recorded(self) -> int:
        """Exchanges written to the cassette so far (waits for those still being written)."""
        if self._writer is None:
            return 0
        self._writer.flush()
        return self._writer.written

    def summary(self) -> str:
        """One line: "playing lesson.grok.jsonl (instant): 4 hits, 1 miss"."""
        if self.mode == "off":
            return "replay is off: calls go to the service"
        if self.mode == "record":
            line = f"recording into {self.path}: {_count(self.recorded, 'exchange')} recorded"
            failure = self._writer.failure if self._writer is not None else None
            return f"{line}; {failure}" if failure else line
        live = f", {self.live} answered live" if self.fallback == "live" else ""
        return (
            f"playing {self.path} ({self.pace} pace, on a miss: {self.fallback}): "
            f"{_count(self.hits, 'hit')}, {_count(self.misses, 'miss')}{live}"
        )

    def _saved(self, exchange: Exchange) -> None:
        if self._writer is not None:
            self._writer.put(exchange)

    def close(self) -> None:
        """Finish writing the cassette being recorded."""
        if self._writer is not None:
            self._writer.close()

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


_state = ReplayState()


def state() -> ReplayState:
    """The current mode and its counters."""
    return _state


def record(path: Path, *, append: bool = False) -> ReplayState:
    """Record every exchange from now on into the cassette at ``path`` (fresh unless ``append``)."""
    from xai_magics.replay.cassette import Writer
    from xai_magics.replay.recorder import with_facts
    from xai_magics.replay.spool import Spool

    _state.close()  # the cassette being recorded is complete before a new mode starts
    spool = Spool(_or_off(lambda: Writer(path, append=append)), with_facts)
    return _switch(ReplayState(mode="record", path=path, _writer=spool))


def play(path: Path, *, pace: Pace = "recorded", fallback: Fallback = "error") -> ReplayState:
    """Answer every call from the cassette at ``path``; a miss raises unless ``fallback="live"``."""
    from xai_magics.replay.cassette import read
    from xai_magics.replay.player import Player

    _state.close()  # a cassette being recorded is complete before it is read
    player = Player(_or_off(lambda: read(path)), pace=pace, source=path.name)
    return _switch(
        ReplayState(mode="play", path=path, pace=pace, fallback=fallback, _player=player)
    )


def off() -> ReplayState:
    """Back to the network."""
    return _switch(ReplayState())


def from_env(configured: str = "") -> ReplayState | None:
    """Turn on the mode ``XAI_MAGICS_REPLAY`` names, else ``configured`` (``play:PATH``,
    ``play-instant:PATH``, ``record:PATH``); ``None`` when neither is set. A bad value is a
    ``CassetteError``."""
    value = os.environ.get(ENV_VAR, "").strip() or configured.strip()
    if not value:
        return None
    mode, _, where = value.partition(":")
    if not where or mode not in ("play", "play-instant", "record"):
        raise CassetteError(
            f"{value!r} is not a replay setting: use play:PATH, play-instant:PATH or record:PATH"
        )
    path = Path(where).expanduser()
    if mode == "record":
        return record(path)
    return play(path, pace="instant" if mode == "play-instant" else "recorded")


def _switch(new: ReplayState) -> ReplayState:
    global _state
    old, _state = _state, new
    interpose.install(None if new.mode == "off" else new)
    old.close()
    return new


def _or_off(make: Callable[[], _T]) -> _T:
    """``make()``; when it fails, replay is off (the old mode's cassette is already closed)."""
    try:
        return make()
    except BaseException:
        _switch(ReplayState())
        raise


@atexit.register
def _close_at_exit() -> None:
    _state.close()


def _count(n: int, noun: str) -> str:
    plural = "es" if noun.endswith("s") else "s"
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{plural}"
