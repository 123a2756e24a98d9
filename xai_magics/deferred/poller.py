"""Waiting for deferred answers in the background, so the kernel stays free.

Each request followed is a ``Watch``; one coroutine per watch runs on the client's private loop
(``client._loop``), and each poll (a store read, the GET, the store write) runs in a worker
thread, so neither the kernel nor the loop ever waits on the network or the file. Polls back off
from ``first_s`` to ``max_s`` while the answer is not ready.

The answer is written to the store the moment it arrives, before anyone is told: xAI gives it
out once. A 404 ends the request as expired, another refusal (a 400 after acceptance, say) as
failed; both are kept in the store with their one-line reason. A rejected key, or a key or server
other than the one the request was made with, ends the watch but leaves the request pending, to be
fetched later from the right place. 5xx, 429 and dropped connections are noted and polled again.

When several kernels follow the same request, only the lease holder asks the server; the others
watch the store, so the answer is fetched once whoever shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xai_magics.client._loop import submit
from xai_magics.client.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    XAIError,
)
from xai_magics.deferred.call import fetch
from xai_magics.deferred.store import DeferredRecord, DeferredStore, Where, lease_owner

if TYPE_CHECKING:
    from xai_magics.client import XAIClient

__all__ = ["Ending", "Poller", "Watch", "age_text", "elsewhere"]


@dataclass(frozen=True)
class Ending:
    """How a watch ended: the request as stored, and why it stopped short of an answer when it
    is still pending (a rejected key, another server)."""

    record: DeferredRecord
    note: str | None = None
    #: whether this process fetched the answer (so counts its cost in this session)
    fetched_here: bool = False


class Watch:
    """One request being waited for. Listeners hear of trouble and of the end (from the
    poller's thread); ``wait`` blocks until the end."""

    def __init__(self, record: DeferredRecord) -> None:
        self.request_id = record.request_id
        #: the request as it stood when the watch began
        self.first = record
        self._ending: Ending | None = None
        self._ended = threading.Event()
        self._lock = threading.Lock()
        self._on_end: list[Callable[[Ending], object]] = []
        self._on_trouble: list[Callable[[str], object]] = []

    @property
    def ending(self) -> Ending | None:
        return self._ending

    def done(self) -> bool:
        return self._ended.is_set()

    def wait(self, timeout: float | None = None) -> Ending | None:
        """The ending, or None if ``timeout`` passed first (interruptible with Ctrl-C)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ended.wait(0.1):
            if deadline is not None and time.monotonic() >= deadline:
                return None
        return self._ending

    def on_end(self, listener: Callable[[Ending], object]) -> None:
        """Call ``listener`` with the ending (at once if it has ended)."""
        with self._lock:
            if self._ending is None:
                self._on_end.append(listener)
                return
            ending = self._ending
        listener(ending)

    def on_trouble(self, listener: Callable[[str], object]) -> None:
        with self._lock:
            self._on_trouble.append(listener)

    def trouble(self, line: str) -> None:
        """Tell of a failed poll (``""``: polls work again)."""
        for listener in list(self._on_trouble):
            _quietly(listener, line)

    def end(self, ending: Ending) -> None:
        with self._lock:
            if self._ending is not None:
                return
            self._ending = ending
            listeners, self._on_end = self._on_end, []
        for listener in listeners:  # before waiters wake: a cell waiting shows the update
            _quietly(listener, ending)
        self._ended.set()


class Poller:
    """Follows deferred requests of one store with the client ``client()`` returns (asked
    afresh on every poll, so a changed key or server is noticed)."""

    def __init__(
        self,
        store: DeferredStore,
        client: Callable[[], XAIClient],
        *,
        first_s: float = 1.0,
        max_s: float = 15.0,
    ) -> None:
        self.store = store
        self._client = client
        self.first_s = first_s
        self.max_s = max_s
        self._owner = lease_owner()
        self._watches: dict[str, Watch] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._steps = threading.Condition()  # polls in flight, waited for by ``stop``
        self._running = 0

    def follow(self, record: DeferredRecord) -> Watch:
        """The watch of this request, started unless one is already running (or has ended
        with the answer)."""
        with self._lock:
            watch = self._watches.get(record.request_id)
            if watch is not None and not (watch.done() and _retryable(watch)):
                return watch
            watch = self._watches[record.request_id] = Watch(record)
        submit(self._follow(watch))
        return watch

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following (the requests stay in the store) once the polls in flight are done."""
        with self._steps:
            self._stopped = True
            self._steps.wait_for(lambda: self._running == 0, timeout)

    async def _follow(self, watch: Watch) -> None:
        delay = self.first_s
        wait = 0.0 if watch.first.final else delay  # a stored answer is shown at once
        broke = False
        try:
            while True:
                await asyncio.sleep(wait)
                with self._steps:
                    if self._stopped:
                        watch.end(Ending(watch.first, "stopped following it"))
                        return
                    self._running += 1
                try:
                    ending, trouble, broke = await asyncio.to_thread(self._step, watch, broke)
                finally:
                    with self._steps:
                        self._running -= 1
                        self._steps.notify_all()
                if ending is not None:
                    watch.end(ending)
                    return
                if trouble is not None:
                    watch.trouble(trouble)
                wait, delay = delay, min(delay * 1.5, max(self.max_s, self.first_s))
        except Exception as exc:  # a bug here must end the watch, not leave it hanging
            watch.end(Ending(watch.first, f"stopped following it: {type(exc).__name__}: {exc}"))

    def _step(self, watch: Watch, broke: bool) -> tuple[Ending | None, str | None, bool]:
        """One poll: (the ending if there is one, a line about trouble, whether it broke off)."""
        store, request_id = self.store, watch.request_id
        record = store.get(request_id)
        if record.final:
            return Ending(record), None, False
        client = self._client()
        here = store.where(client.base_url, client.config.api_key.get_secret_value())
        if here != record.where:
            return Ending(record, elsewhere(record.where, here)), None, False
        if not store.claim(request_id, self._owner, ttl_s=max(60.0, 4 * self.max_s)):
            return None, None, False  # another kernel is asking; its answer lands in the store
        try:
            body = fetch(client.transport, request_id)
        except NotFoundError:
            store.end(request_id, "expired", expired_line(record, broke))
            return Ending(store.get(request_id)), None, False
        except (AuthenticationError, PermissionDeniedError) as exc:
            store.release(request_id, self._owner)
            return Ending(record, f"the key was refused ({exc.message})"), None, False
        except (RateLimitError, InternalServerError, APIConnectionError) as exc:
            store.note(request_id, exc.message)
            line = f"still waiting; the last poll failed: {exc.message}"
            return None, line, isinstance(exc, APIConnectionError)
        except APIStatusError as exc:
            store.end(request_id, "failed", f"failed: xAI could not answer it: {exc.message}")
            return Ending(store.get(request_id)), None, False
        except XAIError as exc:
            store.note(request_id, exc.message)
            return None, f"still waiting; the last poll failed: {exc.message}", False
        if body is None:
            if record.error is None:
                return None, None, False
            store.note(request_id, None)
            return None, "", False  # the trouble is over
        store.arrive(request_id, body.decode("utf-8", "replace"))
        return Ending(store.get(request_id), fetched_here=True), None, False


def elsewhere(made: Where, here: Where) -> str:
    """Why a request is not polled from here, and what to set to fetch it."""
    if made.base_url != here.base_url:
        return f"it was made on {made.base_url}; set XAI_BASE_URL (and its key) to fetch it"
    return "it was made with another API key; set XAI_API_KEY to that key to fetch it"


def expired_line(record: DeferredRecord, broke: bool) -> str:
    """Why a 404 means the answer is gone, with the request's age."""
    age = age_text(time.time() - record.created_at)
    why = "xAI keeps a deferred answer 24 h and gives it out once"
    if broke:
        why += "; the previous poll's connection broke, perhaps while the answer was on its way"
    return f"expired: xAI no longer has it ({why}; asked {age} ago)"


def age_text(seconds: float) -> str:
    """3 s, 12 min, 5 h, 2 d: how long ago, to a reader's precision."""
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _retryable(watch: Watch) -> bool:
    """A watch that stopped without an ending in the store (a refused key) may be tried again."""
    ending = watch.ending
    return ending is not None and not ending.record.final


def _quietly(listener: Callable[..., object], value: object) -> None:
    # a broken display must not stop the poller
    with contextlib.suppress(Exception):
        listener(value)
