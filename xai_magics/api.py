"""``Grok``: everything ``%%grok`` does, from plain Python.

```python
from xai_magics import Grok
grok = Grok(model="grok-4.3")
r = grok.ask("Explain tides in two sentences")      # GrokResult: text, usage, tier, cost, timings
for event in (s := grok.stream("Count to 5")):       # TextDelta / ReasoningDelta / Retrying
    ...
r = s.result()
grok.ask("Go on", thread="tides")                     # named conversations
grok.compare("Haiku about rain", ["grok-4.3", "grok-4.3@priority"])
grok.dry_run("...")                                   # the exact request, nothing sent
```

Every call leaves a receipt in the session ledger (``%grok_usage``). The magic is a thin layer
over this class: it adds the notebook display and nothing else.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xai_magics.request import (
    MAX_PROMPT_CHARS,
    Api,
    AskOptions,
    PromptRefused,
    Tier,
    as_overrides,
    client_kwargs,
    parse_spec,
    parse_structured,
    prices_of,
    turn_key,
    wire_body,
)
from xai_magics.result import DryRun, GrokResult, extract_code
from xai_magics.threads import Thread, ThreadStore, Turn
from xai_magics.usage import (
    PUBLISHED_PRICES,
    Ledger,
    Prices,
    Receipt,
    estimate_tokens,
    format_usd,
    price_receipt,
    session_ledger,
)

if TYPE_CHECKING:
    from xai_magics.client import (
        Completion,
        CompletionStream,
        Retrying,
        StreamEvent,
        XAIClient,
    )

    OnRetry = Callable[[Retrying], object]

__all__ = [
    "AnswerStream",
    "AskOptions",
    "DryRun",
    "Grok",
    "GrokResult",
    "PromptRefused",
    "extract_code",
]


class AnswerStream:
    """An answer on its way: iterate for events, ``stop()`` to end it early, then ``result()``.

    Errors never escape the iteration: a failed or cut stream ends it, and ``result()`` carries
    the partial text with status ``error``. The caller decides how loudly to say so.
    """

    def __init__(self, grok: Grok, prompt: str, options: AskOptions, thread: Thread | None):
        self._grok = grok
        self._prompt = prompt
        self._options = options
        self._thread = thread
        self._stream: CompletionStream | None = None
        self._error: BaseException | None = None
        self._partial: Completion | None = None
        self._stopped = False
        self._result: GrokResult | None = None

    def __iter__(self) -> Iterator[StreamEvent]:
        from xai_magics.client import IncompleteStreamError, XAIError

        try:
            self._stream = self._grok._open_stream(self._prompt, self._options, self._thread)
            yield from self._stream
        except IncompleteStreamError as exc:
            self._error, self._partial = exc, exc.partial
        except XAIError as exc:
            self._error = exc

    def stop(self) -> None:
        """End the stream now (closes the connection); the partial answer is kept."""
        self._stopped = True
        if self._stream is not None:
            self._stream.close()

    def __enter__(self) -> AnswerStream:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._result is None:
            self.stop()

    def result(self) -> GrokResult:
        """Fold what arrived into a result; recorded once in the ledger and the thread."""
        if self._result is not None:
            return self._result
        from xai_magics.client import Completion

        snapshot = self._partial or (
            self._stream.snapshot if self._stream is not None else Completion()
        )
        if self._stopped and snapshot.status in ("streaming", "stopped"):
            snapshot = replace(snapshot, status="stopped")
        elif self._error is not None:
            snapshot = replace(snapshot, status="error")
        self._result = self._grok._finish(
            self._prompt, self._options, self._thread, snapshot, self._error
        )
        return self._result


class Grok:
    """A session with Grok: defaults, threads, the usage ledger and one HTTP client."""

    def __init__(
        self,
        model: str = "grok-4.3",
        *,
        api: Api = "responses",
        tier: Tier | None = None,
        system: str | None = None,
        client: XAIClient | None = None,
        ledger: Ledger | None = None,
        threads: ThreadStore | None = None,
    ) -> None:
        self.defaults = AskOptions(model=model, api=api, tier=tier, system=system)
        self.ledger = ledger if ledger is not None else session_ledger()
        self.threads = threads if threads is not None else ThreadStore()
        self._client = client
        self._owns_client = client is None
        self._env_fingerprint: str | None = None
        self._prices: dict[str, Prices] = {}
        self._cache_keys: dict[str | None, str] = {}

    def __repr__(self) -> str:
        d = self.defaults
        return f"Grok(model={d.model!r}, api={d.api!r}, tier={d.tier!r}, calls={self.ledger.calls})"

    # -- public calls -------------------------------------------------------------------------

    def options(self, **overrides: Any) -> AskOptions:
        """The defaults with ``overrides`` applied (``None`` values keep the default)."""
        return replace(self.defaults, **{k: v for k, v in overrides.items() if v is not None})

    def stream(self, prompt: str, **overrides: Any) -> AnswerStream:
        """Start an answer; iterate the returned stream for its events."""
        options = self.options(**overrides)
        self._check_prompt(prompt, options)
        return AnswerStream(self, prompt, options, self._thread_for(options))

    def ask(
        self,
        prompt: str,
        *,
        stream: bool = True,
        on_retry: OnRetry | None = None,
        **overrides: Any,
    ) -> GrokResult:
        """Ask and wait for the whole answer (streamed underneath, for the first-token time).

        ``on_retry`` hears each "retrying in N s" notice before the wait, so a caller can say
        why nothing has arrived yet.
        """
        if stream:
            from xai_magics.client import Retrying

            answer = self.stream(prompt, **overrides)
            for event in answer:
                if on_retry is not None and isinstance(event, Retrying):
                    on_retry(event)
            return answer.result()
        options = self.options(**overrides)
        self._check_prompt(prompt, options)
        thread = self._thread_for(options)
        from xai_magics.client import Completion, XAIError

        try:
            completion = self._call(prompt, options, thread, stream=False, on_retry=on_retry)
        except XAIError as exc:
            return self._finish(prompt, options, thread, Completion(status="error"), exc)
        return self._finish(prompt, options, thread, completion, None)

    def compare(
        self,
        prompt: str,
        specs: Sequence[str],
        *,
        on_retry: Callable[[str, Retrying], object] | None = None,
        **overrides: Any,
    ) -> list[GrokResult]:
        """The same prompt to several ``model`` or ``model@tier`` specs at once, in order.

        ``on_retry(spec, notice)`` is called from the worker asking ``spec`` before it waits.
        """
        runs = [self.options(**overrides, **parse_spec(spec)) for spec in specs]
        for options in runs:
            self._check_prompt(prompt, options)
        self.client()  # one client, created before the workers share it
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(len(runs), 8))
        futures = [
            pool.submit(
                self.ask,
                prompt,
                on_retry=functools.partial(on_retry, spec) if on_retry else None,
                **{**as_overrides(o), "thread": None},
            )
            for spec, o in zip(specs, runs, strict=True)
        ]
        try:
            return [f.result() for f in futures]
        finally:
            # On an interrupt, return at once: answers still running finish in the background
            # (and are still recorded in the ledger).
            pool.shutdown(wait=False, cancel_futures=True)

    def dry_run(self, prompt: str, **overrides: Any) -> DryRun:
        """The exact request (key redacted) and an estimate of its cost; nothing is sent."""
        options = self.options(**overrides)
        self._check_prompt(prompt, options)
        thread = self.threads.get(options.thread) if options.thread else None
        cache_key = self.cache_key(options.thread)
        path, body = wire_body(prompt, options, thread, stream=True, cache_key=cache_key)
        if options.images:  # each image as a short placeholder, never its base64
            from xai_magics.images import with_placeholders

            body = with_placeholders(body)
        base = os.environ.get("XAI_BASE_URL", "https://api.x.ai/v1").rstrip("/")
        headers = {
            "Authorization": "Bearer [redacted]",
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
        }
        if options.api == "chat":
            from xai_magics.client.chat import conversation_header

            headers.update(conversation_header(cache_key) or {})
        text_in = json.dumps(body.get("input") or body.get("messages"), ensure_ascii=False)
        tokens = estimate_tokens(text_in)
        prices = self.prices_for(options.model)
        if prices is None:
            estimate = f"≈{tokens:,} input tokens; no price known for {options.model}"
        else:
            cost_in = prices.cost_usd(tokens, 0)
            estimate = f"≈{tokens:,} input tokens ≈ {format_usd(cost_in)} input"
            if options.max_tokens:
                cap = prices.cost_usd(tokens, options.max_tokens)
                estimate += f"; {format_usd(cap)} with {options.max_tokens:,} output tokens"
            else:
                estimate += f"; output {format_usd(prices.output * 1000 / 1e10)} per 1k tokens"
            # grok-4.3 reasons on every call, and recorded answers reasoned past the cap
            estimate += ", plus any reasoning (billed as output tokens)"
            if options.tier == "priority":
                estimate += " (priority tier bills more when granted)"
        if options.images:
            n = len(options.images)
            what = "the image adds" if n == 1 else f"the {n} images add"
            estimate += f"; {what} image tokens, not estimated"
        return DryRun("POST", base + path, headers, body, tokens, estimate)

    def models(self) -> list[Any]:
        """Language models with prices (ticks per token); refreshes the dry-run price table."""
        models: list[Any] = list(self.client().models.language_models())
        for m in models:
            prices = prices_of(m)
            if prices is not None:
                self._prices[str(m.id)] = prices
                for alias in getattr(m, "aliases", None) or ():
                    self._prices[str(alias)] = prices
        return models

    def cache_key(self, thread: str | None) -> str:
        """The prompt-cache key of a conversation (or of this session's one-off asks).

        xAI caches prompt prefixes per server; requests that share a key go to the same cache,
        so a thread's history, re-sent or re-read on every turn, is billed at the cached rate.
        Random per session: it carries nothing about the notebook or the user.
        """
        key = self._cache_keys.get(thread)
        if key is None:
            key = self._cache_keys[thread] = f"xai-magics-{uuid.uuid4().hex}"
        return key

    def prices_for(self, model: str) -> Prices | None:
        """Per-token prices: the live list once ``models()`` fetched it, else the published one."""
        return self._prices.get(model) or PUBLISHED_PRICES.get(model)

    def known_models(self) -> list[str]:
        """Model names known without a request: the published list, then any ``models()`` found."""
        return list(dict.fromkeys([*PUBLISHED_PRICES, *self._prices]))

    def client(self) -> XAIClient:
        """The HTTP client, rebuilt when XAI_API_KEY or XAI_BASE_URL changed since it was made."""
        fingerprint = _env_fingerprint()
        if self._client is not None and (
            not self._owns_client or fingerprint == self._env_fingerprint
        ):
            return self._client
        from xai_magics.client import XAIClient

        if self._client is not None:
            self._client.close()
            self._client = None
        self._client = XAIClient()
        self._env_fingerprint = fingerprint
        return self._client

    def close(self) -> None:
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None

    # -- internals ----------------------------------------------------------------------------

    def _check_prompt(self, prompt: str, options: AskOptions) -> None:
        if len(prompt) > MAX_PROMPT_CHARS:
            raise PromptRefused(
                f"The prompt is {len(prompt):,} characters (limit {MAX_PROMPT_CHARS:,}); "
                "nothing was sent. Interpolate a summary or a slice instead of the whole object."
            )
        key = os.environ.get("XAI_API_KEY", "")
        texts = (prompt, options.system or "")
        if len(key) >= 8 and any(key in t for t in texts):
            raise PromptRefused(
                "The prompt contains the value of XAI_API_KEY; nothing was sent. "
                "Remove the variable that holds the key from the prompt."
            )

    def _thread_for(self, options: AskOptions) -> Thread | None:
        if options.new_thread:
            return self.threads.new(options.turn_key or "", system=options.system)
        if options.thread:
            return self.threads.get_or_create(options.thread, system=options.system)
        return None

    def _call(
        self,
        prompt: str,
        options: AskOptions,
        thread: Thread | None,
        *,
        stream: bool,
        on_retry: OnRetry | None = None,
    ) -> Any:
        cache_key = self.cache_key(thread.name if thread is not None else None)
        kwargs = client_kwargs(prompt, options, thread, cache_key=cache_key)
        api = self.client().responses if options.api == "responses" else self.client().chat
        return api.stream(**kwargs) if stream else api.create(**kwargs, on_retry=on_retry)

    def _open_stream(
        self, prompt: str, options: AskOptions, thread: Thread | None
    ) -> CompletionStream:
        stream: CompletionStream = self._call(prompt, options, thread, stream=True)
        return stream

    def _finish(
        self,
        prompt: str,
        options: AskOptions,
        thread: Thread | None,
        completion: Completion,
        error: BaseException | None,
    ) -> GrokResult:
        parsed, parse_error = None, None
        cut = completion.incomplete_reason
        if options.schema is not None and completion.status == "completed" and cut is None:
            parsed, parse_error = parse_structured(options.schema, completion.text)
        status = "error" if parse_error else completion.status
        if status == "streaming" or (status == "completed" and cut is not None):
            status = "incomplete"
        receipt = Receipt.from_completion(
            completion, model_requested=options.model, tier_requested=options.tier, status=status
        )
        if completion.usage is None and (completion.id or completion.text or completion.reasoning):
            # Stopped or cut: xAI bills what it generated, but its usage never arrived.
            inp, out, reasoning = _counted_tokens(prompt, options, thread, completion)
            receipt = replace(
                receipt,
                input_tokens=inp,
                output_tokens=out,
                reasoning_tokens=reasoning,
                estimated=True,
            )
        prices = self.prices_for(completion.model or options.model)
        receipt = price_receipt(receipt, prices or self.prices_for(options.model))
        if completion.id is not None or completion.usage is not None or completion.text:
            self.ledger.record(receipt)
        result = GrokResult(
            text=completion.text,
            status=status,
            model_requested=options.model,
            model=completion.model,
            reasoning=completion.reasoning,
            parsed=parsed,
            tier_requested=options.tier,
            tier=completion.service_tier,
            usage=completion.usage,
            cost_usd=receipt.cost_usd,
            response_id=completion.id,
            ttft_s=completion.ttft_s,
            elapsed_s=completion.elapsed_s,
            endpoint=options.api,
            thread=thread.name if thread else None,
            error=parse_error or (_error_text(error) if error is not None else None),
            error_type=type(error).__name__ if error is not None else None,
            receipt=receipt,
            incomplete_reason=cut if status == "incomplete" else None,
            max_tokens=options.max_tokens,
        )
        if thread is not None and result.status == "completed":
            key = turn_key(options, prompt)
            usage = completion.usage
            context = usage.input_tokens + usage.output_tokens if usage is not None else None
            thread.record(
                Turn(
                    key,
                    prompt,
                    result.text,
                    result.response_id,
                    result.model,
                    options.api,
                    context_tokens=context,
                    cost_usd=result.cost_usd,
                )
            )
        return result


def _counted_tokens(
    prompt: str, options: AskOptions, thread: Thread | None, completion: Completion
) -> tuple[int, int, int]:
    """(input, output, reasoning) tokens counted here for an answer whose usage never came:
    the prompt with the thread's history in, the text and the reasoning that arrived out."""
    sent = [options.system or "", prompt]
    if thread is not None:
        sent.append(thread.system or "")
        sent += [t.prompt + t.answer for t in thread.history_for(turn_key(options, prompt))]
    out = estimate_tokens(completion.text) if completion.text else 0
    reasoning = estimate_tokens(completion.reasoning) if completion.reasoning else 0
    return estimate_tokens("".join(sent)), out, reasoning


def _error_text(error: BaseException) -> str:
    from xai_magics.client.redact import redact

    return redact(str(error)) or type(error).__name__


def _env_fingerprint() -> str:
    # A hash, so the key itself never sits in this object (reprs, tracebacks with locals).
    raw = os.environ.get("XAI_API_KEY", "") + "\0" + os.environ.get("XAI_BASE_URL", "")
    return hashlib.sha256(raw.encode()).hexdigest()
