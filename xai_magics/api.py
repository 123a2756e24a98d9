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
grok.ask("Ruby news?", search="web,x")                # server-side search: r.sources
grok.ask("Weather in Oslo?", tools=[get_weather])     # the model calls your function
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
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xai_magics.history.hooks import note_answer, note_thread_start
from xai_magics.request import (
    MAX_PROMPT_CHARS,
    Api,
    AskOptions,
    PromptRefused,
    Tier,
    client_kwargs,
    parse_spec,
    parse_structured,
    prices_of,
    turn_key,
    wire_body,
)
from xai_magics.result import DryRun, GrokResult, extract_code
from xai_magics.threads import Thread, ThreadStore, Turn
from xai_magics.tools.loop import MAX_TURNS_REASON, ToolRounds
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
        ToolActivity,
        XAIClient,
    )
    from xai_magics.spend import Bound, Ticket

    OnRetry = Callable[[Retrying], object]
    OnTool = Callable[[ToolActivity], object]

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

    def __init__(
        self,
        grok: Grok,
        prompt: str,
        options: AskOptions,
        thread: Thread | None,
        ticket: Ticket | None = None,
    ):
        self._grok = grok
        self._prompt = prompt
        self._options = options
        self._thread = thread
        #: the spend guard's admission: the answer is stopped when it reaches its limit
        self._ticket = ticket
        self._stream: CompletionStream | None = None
        self._error: BaseException | None = None
        self._partial: Completion | None = None
        self._stopped = False
        self._stop_reason: str | None = None
        self._result: GrokResult | None = None
        self._rounds = ToolRounds(options.tools, options.max_turns)
        self._seen_tokens = 0.0  # output tokens counted so far, for the spend limit

    def __iter__(self) -> Iterator[StreamEvent]:
        from xai_magics.client import IncompleteStreamError, XAIError

        try:
            kwargs = self._grok._kwargs(self._prompt, self._options, self._thread)
            while True:  # one stream per turn; more turns only while the model calls tools
                self._stream = self._grok._open_stream(kwargs, self._options)
                yield from self._metered(self._stream)
                if self._stopped:
                    return
                following = yield from self._rounds.after(kwargs, self._stream.snapshot)
                if following is None or self._stopped:
                    return
                kwargs = following
        except IncompleteStreamError as exc:
            self._error, self._partial = exc, exc.partial
        except XAIError as exc:
            self._error = exc

    def _metered(self, stream: CompletionStream) -> Iterator[StreamEvent]:
        """The stream's events; under a spend limit, the answer is stopped when it reaches it
        (counted over every turn of a tool loop)."""
        ticket = self._ticket
        if ticket is None or ticket.limit_usd is None:
            yield from stream
            return
        from xai_magics.client import ReasoningDelta, TextDelta
        from xai_magics.spend.bound import output_tokens_seen

        for event in stream:
            yield event
            if isinstance(event, (TextDelta, ReasoningDelta)):
                self._seen_tokens += output_tokens_seen(event.text)
                if ticket.over(self._seen_tokens):
                    self.stop(reason="budget")
                    return

    def stop(self, reason: str | None = None) -> None:
        """End the stream now (closes the connection); the partial answer is kept.

        ``reason`` says why when it was not the user ("budget": the spend guard's limit).
        """
        self._stopped = True
        self._stop_reason = self._stop_reason or reason
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
        if self._stopped and (
            snapshot.status in ("streaming", "stopped") or self._rounds.wants_more(snapshot)
        ):  # stopped mid-stream, or while the model's tool calls ran
            snapshot = replace(snapshot, status="stopped")
        elif self._error is not None:
            snapshot = replace(snapshot, status="error")
        stopped_by = self._stop_reason if snapshot.status == "stopped" else None
        try:
            self._result = self._grok._finish(
                self._prompt,
                self._options,
                self._thread,
                snapshot,
                self._error,
                stopped_by,
                rounds=self._rounds,
            )
        finally:
            if self._ticket is not None:
                self._ticket.release()
        if stopped_by == "budget" and self._ticket is not None:
            self._result.stop_note = f"it reached {self._ticket.limit_note}"
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
        """The defaults with ``overrides`` applied (``None`` values keep the default).

        ``tools`` may be a list of functions or a ``{name: function}`` mapping, ``search``
        ``"web,x"``.
        """
        if overrides.get("tools") is not None:
            from xai_magics.tools import LocalTools

            overrides["tools"] = LocalTools.of(overrides["tools"])
        if isinstance(overrides.get("search"), str):
            from xai_magics.tools import parse_search

            try:
                overrides["search"] = parse_search(overrides["search"])
            except ValueError as exc:
                raise PromptRefused(str(exc)) from None
        return replace(self.defaults, **{k: v for k, v in overrides.items() if v is not None})

    def stream(self, prompt: str, **overrides: Any) -> AnswerStream:
        """Start an answer; iterate the returned stream for its events."""
        options = self.options(**overrides)
        self._check_prompt(prompt, options)
        thread = self._thread_for(options)
        ticket = self._admit(prompt, [options], thread, what="this answer")
        return AnswerStream(self, prompt, options, thread, ticket)

    def ask(
        self,
        prompt: str,
        *,
        stream: bool = True,
        on_retry: OnRetry | None = None,
        on_tool: OnTool | None = None,
        **overrides: Any,
    ) -> GrokResult:
        """Ask and wait for the whole answer (streamed underneath, for the first-token time).

        ``on_retry`` hears each "retrying in N s" notice before the wait, so a caller can say
        why nothing has arrived yet; ``on_tool`` hears each tool call as it starts and ends.
        """
        if stream:
            return _drain(self.stream(prompt, **overrides), on_retry, on_tool)
        options = self.options(**overrides)
        self._check_prompt(prompt, options)
        thread = self._thread_for(options)
        # Not streamed, it cannot be stopped at a limit: it must fit with its whole bound.
        ticket = self._admit(prompt, [options], thread, what="this answer", stoppable=False)
        from xai_magics.client import Completion, XAIError

        rounds = ToolRounds(options.tools, options.max_turns)
        kwargs = self._kwargs(prompt, options, thread)
        try:
            try:
                while True:  # more turns only while the model calls tools
                    completion = self._call(kwargs, options, stream=False, on_retry=on_retry)
                    following = _drive(rounds.after(kwargs, completion), on_tool)
                    if following is None:
                        break
                    kwargs = following
            except XAIError as exc:
                failed = Completion(status="error")
                return self._finish(prompt, options, thread, failed, exc, rounds=rounds)
            return self._finish(prompt, options, thread, completion, None, rounds=rounds)
        finally:
            ticket.release()  # after the receipt is recorded: it takes the reservation's place

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
        runs = [
            replace(self.options(**overrides, **parse_spec(spec)), thread=None, new_thread=False)
            for spec in specs
        ]
        for options in runs:
            self._check_prompt(prompt, options)
        # One admission for all: --max-cost and the budget bound the comparison as a whole.
        ticket = self._admit(prompt, runs, None, what=f"these {len(runs)} answers")
        tickets = [ticket] * len(runs)  # no budget: nothing to split
        if ticket.guard is not None:
            tickets = ticket.split([self._bound(prompt, o, None) for o in runs])
        self.client()  # one client, created before the workers share it
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(len(runs), 8))
        futures = [
            pool.submit(
                _drain,
                AnswerStream(self, prompt, o, None, t),
                functools.partial(on_retry, spec) if on_retry else None,
            )
            for spec, o, t in zip(specs, runs, tickets, strict=True)
        ]
        try:
            return [f.result() for f in futures]
        finally:
            # On an interrupt, return at once: answers still running finish in the background
            # (and are still recorded in the ledger).
            pool.shutdown(wait=False, cancel_futures=True)
            for future, part in zip(futures, tickets, strict=True):
                if future.cancelled():
                    part.release()  # never sent

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
        tokens = estimate_tokens(_sent_text(body))
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
        if options.search or options.code:
            # billed per call on top of tokens; the model decides how many calls it makes
            estimate += "; plus $0.005 per server-side search or code call the model makes"
        budget = self._budget_preview(prompt, options, thread)
        if budget:
            estimate += "\n" + budget
        return DryRun("POST", base + path, headers, body, tokens, estimate)

    def result_of(
        self, prompt: str, completion: Completion, *, record: bool = True, **overrides: Any
    ) -> GrokResult:
        """The result of an answer that came another way (a deferred completion fetched later),
        priced like any other. ``record=False`` rebuilds one already counted (shown again after
        a restart), so this session's usage does not count it twice.
        """
        options = self.options(**overrides)
        return self._finish(prompt, options, None, completion, None, record=record)

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

    def _admit(
        self,
        prompt: str,
        runs: list[AskOptions],
        thread: Thread | None,
        *,
        what: str,
        stoppable: bool = True,
    ) -> Ticket:
        """The spend guard's admission of these calls; ``BudgetRefused`` when they could pass
        a budget or ``max_cost`` (nothing is sent)."""
        from xai_magics.spend import spend_guard

        def bound() -> Bound:
            bounds = [self._bound(prompt, o, thread) for o in runs]
            return functools.reduce(lambda a, b: a + b, bounds)

        return spend_guard().admit(bound, what=what, max_cost=runs[0].max_cost, stoppable=stoppable)

    def _budget_preview(self, prompt: str, options: AskOptions, thread: Thread | None) -> str:
        """What the spend guard would say to this call now; "" when no budget applies."""
        from xai_magics.spend import BudgetRefused

        try:
            ticket = self._admit(prompt, [options], thread, what="it")
        except BudgetRefused as exc:
            return "Budget: refused if sent now: " + str(exc).removeprefix("Nothing was sent: ")
        ticket.release()
        if ticket.limit_usd is None:
            return ""
        return f"Budget: it would be sent, and stopped if it reached {ticket.limit_note}."

    def _bound(self, prompt: str, options: AskOptions, thread: Thread | None) -> Bound:
        """The most this call could cost: what it sends (with a stored conversation's turns,
        which xAI bills again) in, its cap out."""
        from xai_magics.spend import answer_bound

        _, body = wire_body(prompt, options, thread, stream=True)
        sent = _sent_text(body)
        if thread is not None and "previous_response_id" in body:
            sent += "".join(
                t.prompt + t.answer for t in thread.history_for(turn_key(options, prompt))
            )
        return answer_bound(
            sent,
            model=options.model,
            max_tokens=options.max_tokens,
            prices=self.prices_for(options.model),
            tier=options.tier,
        )

    def _thread_for(self, options: AskOptions) -> Thread | None:
        if options.new_thread:
            thread = self.threads.new(options.turn_key or "", system=options.system)
            note_thread_start(thread.name)
            return thread
        if options.thread:
            return self.threads.get_or_create(options.thread, system=options.system)
        return None

    def _kwargs(self, prompt: str, options: AskOptions, thread: Thread | None) -> dict[str, Any]:
        cache_key = self.cache_key(thread.name if thread is not None else None)
        return client_kwargs(prompt, options, thread, cache_key=cache_key)

    def _call(
        self,
        kwargs: dict[str, Any],
        options: AskOptions,
        *,
        stream: bool,
        on_retry: OnRetry | None = None,
    ) -> Any:
        api = self.client().responses if options.api == "responses" else self.client().chat
        return api.stream(**kwargs) if stream else api.create(**kwargs, on_retry=on_retry)

    def _open_stream(self, kwargs: dict[str, Any], options: AskOptions) -> CompletionStream:
        stream: CompletionStream = self._call(kwargs, options, stream=True)
        return stream

    def _finish(
        self,
        prompt: str,
        options: AskOptions,
        thread: Thread | None,
        completion: Completion,
        error: BaseException | None,
        stopped_by: str | None = None,
        *,
        record: bool = True,
        rounds: ToolRounds | None = None,
    ) -> GrokResult:
        parsed, parse_error = None, None
        capped = rounds is not None and rounds.capped(completion)
        if rounds is not None:
            completion = rounds.fold(completion)
        cut = MAX_TURNS_REASON if capped else completion.incomplete_reason
        if options.schema is not None and completion.status == "completed" and cut is None:
            parsed, parse_error = parse_structured(options.schema, completion.text)
        status = "error" if parse_error else completion.status
        if status == "streaming" or (status == "completed" and cut is not None):
            status = "incomplete"
        receipt = Receipt.from_completion(
            completion,
            model_requested=options.model,
            tier_requested=options.tier,
            status=f"{status}: {stopped_by}" if stopped_by else status,
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
        from xai_magics.replay.receipts import mark_replayed

        receipt = mark_replayed(receipt)
        if record and (
            completion.id is not None or completion.usage is not None or completion.text
        ):
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
            stop_reason=stopped_by,
            server_tools=completion.server_tools,
            sources=completion.sources,
            tool_results=tuple(rounds.results) if rounds is not None else (),
        )
        key = turn_key(options, prompt)
        if thread is not None and result.status == "completed":
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
        if record:  # a stored answer shown again (a deferred one after a restart) is no new call
            note_answer(prompt, options, thread, result, key)
        return result


def _drain(
    answer: AnswerStream, on_retry: OnRetry | None, on_tool: OnTool | None = None
) -> GrokResult:
    """Read an answer to its end, passing on retry notices and tool calls; its result."""
    from xai_magics.client import Retrying, ToolActivity

    for event in answer:
        if on_retry is not None and isinstance(event, Retrying):
            on_retry(event)
        elif on_tool is not None and isinstance(event, ToolActivity):
            on_tool(event)
    return answer.result()


def _sent_text(body: dict[str, Any]) -> str:
    """What a request body carries to be read as input tokens."""
    return json.dumps(body.get("input") or body.get("messages"), ensure_ascii=False)


def _drive(
    round_: Generator[ToolActivity, None, dict[str, Any] | None], on_tool: OnTool | None
) -> dict[str, Any] | None:
    """Run a tool round to its end, telling ``on_tool`` about each call; its next request."""
    while True:
        try:
            event = next(round_)
        except StopIteration as stop:
            following: dict[str, Any] | None = stop.value
            return following
        if on_tool is not None:
            on_tool(event)


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
