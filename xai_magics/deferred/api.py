"""``Deferrals``: deferred answers from plain Python; ``%%grok --deferred`` is a thin layer on it.

```python
from xai_magics import Grok
from xai_magics.deferred import Deferrals
later = Deferrals(Grok())
answer = later.ask("Prove it in full detail", model="grok-4.3")   # returns at once
answer.state                  # "pending", then "arrived" (or "expired", "failed")
result = answer.result()      # waits; a GrokResult like any other answer
later.attach("f15c114e")      # after a restart: by id or id prefix, from the store
```

Deferred completions exist on chat completions only, so every deferred request goes there.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from xai_magics.client.chat import conversation_header
from xai_magics.deferred.call import completion_of, submit
from xai_magics.deferred.poller import Ending, Poller, Watch
from xai_magics.deferred.store import (
    DeferredRecord,
    DeferredStore,
    StoreError,
    Where,
    open_store,
)
from xai_magics.request import wire_body
from xai_magics.result import GrokResult

if TYPE_CHECKING:
    from xai_magics.api import Grok

__all__ = ["Deferrals", "DeferredAnswer", "DeferredError", "short_id"]

#: what a deferred request keeps to show its answer later, besides model and prompt
_KEPT = ("tier", "system", "temperature", "max_tokens", "reasoning_effort")


class DeferredError(LookupError):
    """No such deferred request, or one that ended without an answer; the message says which."""


class DeferredAnswer:
    """A deferred request and, once it is there, its answer (``result()``)."""

    def __init__(self, deferrals: Deferrals, watch: Watch) -> None:
        self._deferrals = deferrals
        self._watch = watch
        self._result: GrokResult | None = None
        self._lock = threading.Lock()
        self.request_id = watch.request_id

    @property
    def record(self) -> DeferredRecord:
        """The request as the store has it now."""
        return self._deferrals.store.get(self.request_id)

    @property
    def state(self) -> str:
        return self.record.state

    @property
    def format(self) -> str:
        """How the answer is shown (``-f``), as asked."""
        return str(self._watch.first.options.get("format") or "markdown")

    def done(self) -> bool:
        """Whether following it has ended (answered, expired, failed or stopped)."""
        return self._watch.done()

    def on_end(self, listener: Any) -> None:
        self._watch.on_end(listener)

    def on_trouble(self, listener: Any) -> None:
        self._watch.on_trouble(listener)

    def result(self, timeout: float | None = None) -> GrokResult:
        """The answer, waiting for it if needed; ``DeferredError`` if it will not come (or
        ``TimeoutError`` if ``timeout`` passes first)."""
        ending = self._watch.wait(timeout)
        if ending is None:
            raise TimeoutError(f"deferred request {short_id(self.request_id)} is still pending")
        return self.result_for(ending)

    def result_for(self, ending: Ending) -> GrokResult:
        """The answer of an ending; its cost counts in this session if it was fetched here."""
        record = ending.record
        if record.state != "arrived" or record.answer is None:
            raise DeferredError(end_line(record, ending.note))
        with self._lock:
            if self._result is None:
                self._result = self._deferrals.result_from(record, count=ending.fetched_here)
            return self._result

    def __repr__(self) -> str:
        return f"DeferredAnswer({short_id(self.request_id)}, state={self.state!r})"


class Deferrals:
    """Deferred requests of one ``Grok`` session: sent, stored, followed in the background."""

    def __init__(
        self,
        grok: Grok,
        *,
        store: DeferredStore | None = None,
        first_s: float = 1.0,
        max_s: float = 15.0,
    ) -> None:
        self.grok = grok
        self.store = store if store is not None else open_store()
        self.poller = Poller(self.store, grok.client, first_s=first_s, max_s=max_s)
        self._answers: dict[str, DeferredAnswer] = {}
        self._lock = threading.Lock()

    def ask(self, prompt: str, *, format: str = "markdown", **overrides: Any) -> DeferredAnswer:
        """Send ``prompt`` as a deferred chat request and follow it; returns at once.

        The request id is in the store before this returns. Options as for ``Grok.ask``,
        except threads, which a deferred answer is not part of.
        """
        options = self.grok.options(**{**overrides, "api": "chat", "thread": None})
        self.grok._check_prompt(prompt, options)
        client = self.grok.client()
        cache_key = self.grok.cache_key(None)
        _, body = wire_body(prompt, options, None, stream=False, cache_key=cache_key)
        body["deferred"] = True
        request_id = submit(client.transport, body, conversation_header(cache_key))
        kept = {name: getattr(options, name) for name in _KEPT}
        try:
            record = self.store.add(
                request_id,
                self.here(),
                model=options.model,
                prompt=prompt,
                options={**kept, "format": format},
            )
        except StoreError as exc:
            raise StoreError(
                f"{exc} The request {request_id} was sent but could not be stored, so its "
                "answer cannot be fetched later."
            ) from None
        return self._answer(record)

    def attach(self, request_id: str) -> DeferredAnswer:
        """The request with this id (or unique id prefix), followed again if still pending."""
        return self._answer(self.find(request_id))

    def find(self, request_id: str) -> DeferredRecord:
        """The stored request with this id or unique prefix; ``DeferredError`` otherwise."""
        found = self.store.find(request_id.strip())
        exact = [r for r in found if r.request_id == request_id.strip()]
        if exact:
            return exact[0]
        if not found:
            raise DeferredError(
                f"no deferred request {request_id!r} in {self.store.path}; "
                "%grok_deferred lists them"
            )
        if len(found) > 1:
            ids = ", ".join(short_id(r.request_id, 12) for r in found[:5])
            raise DeferredError(f"{request_id!r} fits {len(found)} requests ({ids}): say more")
        return found[0]

    def records(self, limit: int = 50) -> list[DeferredRecord]:
        """The newest stored requests, from every server and key."""
        return self.store.records(limit)

    def here(self) -> Where:
        """The server and account the session's client talks to now."""
        client = self.grok.client()
        return self.store.where(client.base_url, client.config.api_key.get_secret_value())

    def result_from(self, record: DeferredRecord, *, count: bool) -> GrokResult:
        """A stored answer as a result, shown like any answer; ``count`` adds its cost to
        this session's usage (once, by the session that fetched it)."""
        from xai_magics.client import XAIError

        options = {k: v for k, v in record.options.items() if k in _KEPT}
        try:
            completion = completion_of(record.answer or "")
        except XAIError as exc:
            return GrokResult(
                text="",
                status="error",
                model_requested=record.model,
                endpoint="chat",
                error=f"the answer arrived but could not be read ({exc}); it is kept in "
                f"{self.store.path}",
            )
        if record.arrived_at is not None:
            completion.elapsed_s = record.arrived_at - record.created_at
        return self.grok.result_of(
            record.prompt, completion, record=count, model=record.model, api="chat", **options
        )

    def close(self) -> None:
        """Stop following requests in the background; they stay in the store."""
        self.poller.stop()

    def _answer(self, record: DeferredRecord) -> DeferredAnswer:
        with self._lock:
            answer = self._answers.get(record.request_id)
            watch = self.poller.follow(record)
            if answer is None or answer._watch is not watch:
                answer = self._answers[record.request_id] = DeferredAnswer(self, watch)
            return answer


def short_id(request_id: str, n: int = 8) -> str:
    """The first ``n`` characters of a request id: enough to name it to ``%grok_deferred``."""
    return request_id[:n]


def end_line(record: DeferredRecord, note: str | None = None) -> str:
    """One line for a request that ended (or stopped) without an answer to show."""
    name = f"Deferred request {short_id(record.request_id)}"
    if record.state in ("expired", "failed"):
        why = (record.error or record.state).rstrip(". ")
        return f"{name} {why}. Ask again to get an answer."
    if note:
        return f"{name} is still pending, but not followed here: {note}."
    age = time.time() - record.created_at
    from xai_magics.deferred.poller import age_text

    return f"{name} is still pending (asked {age_text(age)} ago)."
