"""Named conversations whose turns belong to notebook cells.

A notebook is not a chat log: people re-run cells. Each turn is keyed by the cell that produced
it, so re-running a cell *replaces* its turn (and drops the turns after it, which were answers to
a conversation that no longer exists) instead of appending a duplicate question.

The context for a turn is every turn before it: as chat messages for ``/v1/chat/completions``,
or as the id of the previous stored response for ``/v1/responses``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Thread", "ThreadStore", "Turn"]


@dataclass(frozen=True)
class Turn:
    """One question and its answer."""

    key: str
    prompt: str
    answer: str
    response_id: str | None = None
    model: str | None = None
    #: "responses" turns are stored server-side and can be continued by id; "chat" turns cannot
    endpoint: str = "responses"
    #: what the conversation weighed by the end of this turn: its input plus the answer, which
    #: the next turn carries as input (from the receipt; None when the usage was not reported)
    context_tokens: int | None = None
    cost_usd: float | None = None


@dataclass
class Thread:
    """An ordered list of turns, at most one per cell key."""

    name: str
    system: str | None = None
    turns: list[Turn] = field(default_factory=list)

    @property
    def context_tokens(self) -> int | None:
        """About how many input tokens the next turn starts from (before its own prompt)."""
        return self.turns[-1].context_tokens if self.turns else 0

    @property
    def cost_usd(self) -> float:
        """What the turns still in the thread cost (a replaced turn is no longer counted)."""
        return sum(turn.cost_usd or 0.0 for turn in self.turns)

    def _index(self, key: str) -> int | None:
        for i, turn in enumerate(self.turns):
            if turn.key == key:
                return i
        return None

    def history_for(self, key: str) -> list[Turn]:
        """The turns a (re-)run of ``key`` continues from."""
        index = self._index(key)
        return list(self.turns if index is None else self.turns[:index])

    def previous_response_id(self, key: str) -> str | None:
        """The stored response to continue from, when every earlier turn is a stored response."""
        history = self.history_for(key)
        if not history or any(t.endpoint != "responses" or not t.response_id for t in history):
            return None
        return history[-1].response_id

    def messages_for(self, key: str) -> list[dict[str, str]]:
        """Chat messages (system, then alternating user/assistant) before ``key``'s turn."""
        messages: list[dict[str, str]] = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        for turn in self.history_for(key):
            messages.append({"role": "user", "content": turn.prompt})
            messages.append({"role": "assistant", "content": turn.answer})
        return messages

    def record(self, turn: Turn) -> bool:
        """Add ``turn``; a turn with the same key replaces it and the turns after it.

        Returns True when an earlier turn was replaced.
        """
        index = self._index(turn.key)
        if index is None:
            self.turns.append(turn)
            return False
        del self.turns[index:]
        self.turns.append(turn)
        return True


#: finds a thread this session does not hold (one an earlier kernel recorded), or None
Loader = Callable[[str], "Thread | None"]


class ThreadStore:
    """The session's threads by name; ``--new-thread`` names come from here.

    With a ``loader`` (the history, when it is on), a name this session has not used yet is
    looked up there first, so a thread continues across kernel restarts.
    """

    def __init__(self, loader: Loader | None = None) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, Thread] = {}
        self._created_by_key: dict[str, str] = {}
        self.loader = loader

    def _held_or_loaded(self, name: str) -> Thread | None:
        thread = self._threads.get(name)
        if thread is None and self.loader is not None:
            thread = self.loader(name)
            if thread is not None:
                self._threads[name] = thread
        return thread

    def get(self, name: str) -> Thread | None:
        with self._lock:
            return self._held_or_loaded(name)

    def get_or_create(self, name: str, *, system: str | None = None) -> Thread:
        with self._lock:
            thread = self._held_or_loaded(name)
            if thread is None:
                thread = self._threads[name] = Thread(name, system=system)
            return thread

    def new(self, key: str, *, system: str | None = None) -> Thread:
        """A fresh thread for the cell ``key``; re-running that cell restarts the same thread."""
        with self._lock:
            name = self._created_by_key.get(key)
            if name is None:
                n = len(self._created_by_key) + 1
                while f"chat-{n}" in self._threads:
                    n += 1
                name = f"chat-{n}"
                self._created_by_key[key] = name
            thread = self._threads[name] = Thread(name, system=system)
            return thread

    def reset(self, name: str | None = None) -> list[str]:
        """Forget one thread (or all); returns the names forgotten."""
        with self._lock:
            names = list(self._threads) if name is None else [name] if name in self._threads else []
            for n in names:
                del self._threads[n]
            return names

    def names(self) -> list[str]:
        with self._lock:
            return list(self._threads)
