"""Receipts for single calls and the session ledger behind ``%grok_usage`` and the status bar.

A receipt is what a careful user wants under every answer: which model actually served it, which
tier was granted (priority can be asked for and not given), the tokens by kind, the cost in
dollars, and the two latencies that matter (first token, total). The ledger sums receipts by
model; the session ledger also feeds the status-bar item (``xai_magics.status``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xai_magics.client.completion import Completion

__all__ = ["Ledger", "ModelTotals", "Receipt", "price_receipt", "session_ledger"]


@dataclass(frozen=True)
class Receipt:
    """What one call cost and how long it took."""

    model_requested: str
    model: str | None
    endpoint: str
    tier_requested: str | None
    tier: str | None
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float | None = None
    ttft_s: float | None = None
    elapsed_s: float | None = None
    status: str = "completed"
    retries: int = 0
    response_id: str | None = None
    at: float = field(default_factory=time.time)
    #: requests this receipt stands for: 1 for a call, the results of a batch
    requests: int = 1
    #: the tokens or the cost are counted here, not reported by the server (a stopped or cut
    #: stream is billed for what was generated, but its usage never arrives)
    estimated: bool = False
    #: the part of ``cost_usd`` that paid for reasoning (billed at the output rate)
    reasoning_cost_usd: float | None = None
    #: server-side tool calls by kind (``{"web_search_calls": 2}``), billed per call
    server_tool_calls: dict[str, int] = field(default_factory=dict, hash=False)
    #: sources the answer cites, and ``num_sources_used`` as the server reported it
    sources_cited: int = 0
    sources_used: int = 0
    #: answered from a record/replay cassette: ``cost_usd`` is 0, the recording cost this
    replayed: bool = False
    original_cost_usd: float | None = None

    @classmethod
    def from_completion(
        cls,
        completion: Completion,
        *,
        model_requested: str,
        tier_requested: str | None,
        status: str | None = None,
    ) -> Receipt:
        usage = completion.usage
        return cls(
            model_requested=model_requested,
            model=completion.model,
            endpoint=completion.endpoint,
            tier_requested=tier_requested,
            tier=completion.service_tier,
            input_tokens=usage.input_tokens if usage else 0,
            cached_input_tokens=usage.cached_input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            reasoning_tokens=usage.reasoning_tokens if usage else 0,
            cost_usd=usage.cost_usd if usage else None,
            ttft_s=completion.ttft_s,
            elapsed_s=completion.elapsed_s,
            status=status or completion.status,
            retries=completion.retries,
            response_id=completion.id,
            server_tool_calls=dict(usage.server_tool_usage) if usage else {},
            sources_cited=len(completion.sources),
            sources_used=usage.sources_used if usage else 0,
        )

    @property
    def tool_cost_usd(self) -> float:
        """What the server-side tool calls cost at xAI's per-call price (in ``cost_usd``)."""
        from xai_magics.tools.server import TOOL_CALL_TICKS

        ticks = sum(TOOL_CALL_TICKS.get(k, 0) * n for k, n in self.server_tool_calls.items())
        return ticks / 1e10

    def tools_text(self) -> str:
        """``2 web searches ($0.0100) · 3 sources``: empty when no server-side tool ran."""
        from xai_magics.rendering.tool_report import count_phrase

        parts = [count_phrase(k, n) for k, n in self.server_tool_calls.items()]
        text = ", ".join(parts)
        if text and self.tool_cost_usd:
            text += f" ({format_usd(self.tool_cost_usd)})"
        sources = max(self.sources_cited, self.sources_used)
        if sources:
            text += (" · " if text else "") + f"{sources} source{'s' if sources != 1 else ''}"
        return text

    @property
    def tier_label(self) -> str:
        """The tier that served the call; "asked priority, served default" when not granted.

        xAI bills the tier it echoes, so a refused priority request costs the default rate.
        Empty when no tier applies (speech) and none was asked.
        """
        if self.tier_requested and self.tier is None:
            return f"asked {self.tier_requested}, tier not reported"
        if self.tier_requested and self.tier_requested != self.tier:
            return f"asked {self.tier_requested}, served {self.tier}"
        return self.tier or ""

    @property
    def tier_note(self) -> str:
        label = self.tier_label
        if label.startswith("asked "):
            return label
        return f"{label or 'unknown'} tier"

    @property
    def cost_text(self) -> str:
        """The cost, marked "est." when it was counted here rather than billed by the server."""
        if self.replayed:
            return f"replayed, $0 (recorded at {format_usd(self.original_cost_usd)})"
        if self.estimated and self.cost_usd is not None:
            # Priority's rate is not published: a call that may have run at it is priced at
            # the default rate, and says so.
            maybe_priority = (self.tier or self.tier_requested) == "priority"
            rate = " at the default rate" if maybe_priority else ""
            return f"≈{format_usd(self.cost_usd)} est.{rate}"
        return format_usd(self.cost_usd)

    def summary(self) -> str:
        """One line for under the answer: model, tier, tokens, cost, latencies."""
        model = self.model or self.model_requested
        if self.model and self.model != self.model_requested:
            model = f"{self.model} (asked {self.model_requested})"
        about = "≈" if self.estimated else ""
        tokens = f"{about}{self.input_tokens:,} in"
        if self.cached_input_tokens:
            tokens += f" ({self.cached_input_tokens:,} cached)"
        tokens += f" · {about}{self.output_tokens:,} out"
        if self.reasoning_tokens:
            tokens += f" · {about}{self.reasoning_tokens:,} reasoning"
            if self.reasoning_cost_usd is not None:
                tokens += f" ({format_usd(self.reasoning_cost_usd)})"
        parts = [model, self.tier_note, tokens]
        if self.server_tool_calls or self.sources_cited or self.sources_used:
            parts.append(self.tools_text())
        parts.append(self.cost_text)
        if self.ttft_s is not None:
            parts.append(f"first token {self.ttft_s:.2f} s")
        if self.elapsed_s is not None:
            parts.append(f"total {self.elapsed_s:.2f} s")
        if self.retries:
            parts.append(f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}")
        return " · ".join(parts)

    def to_metadata(self) -> dict[str, Any]:
        """JSON-ready fields for the output metadata of the cell."""
        return asdict(self)


def format_usd(cost: float | None) -> str:
    """Dollars with enough digits to see a fraction of a cent."""
    if cost is None:
        return "cost unknown"
    if cost == 0:
        return "$0"
    return f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}"


@dataclass
class ModelTotals:
    """Sums over the calls one model served."""

    model: str
    calls: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_calls: int = 0
    #: the part of ``cost_usd`` counted locally (stopped or cut answers), not billed yet
    estimated_usd: float = 0.0
    reasoning_cost_usd: float = 0.0
    #: tiers that served these calls, as ``Receipt.tier_label`` says them, with their counts
    tiers: dict[str, int] = field(default_factory=dict)

    @property
    def tier_text(self) -> str:
        """The tiers, with counts when they differ: "default ×2; asked priority, served default
        ×1"."""
        named = {t: n for t, n in self.tiers.items() if t}
        if len(named) == 1:
            return next(iter(named))
        return "; ".join(f"{t} ×{n}" for t, n in named.items())


StatusSender = Callable[[Mapping[str, Any]], None]


class Ledger:
    """Every receipt of the session, thread-safe (comparisons record from worker threads)."""

    def __init__(self, sender: StatusSender | None = None) -> None:
        self._lock = threading.Lock()
        self._receipts: list[Receipt] = []
        self._sender = sender
        self._listeners: list[Callable[[Receipt], None]] = []

    def subscribe(self, listener: Callable[[Receipt], None]) -> None:
        """Hear every receipt recorded from now on (the spend guard counts them)."""
        self._listeners.append(listener)

    def record(self, receipt: Receipt) -> None:
        from xai_magics.replay.receipts import mark_replayed

        receipt = mark_replayed(receipt)  # a replayed answer (or batch, or clip) costs nothing
        with self._lock:
            self._receipts.append(receipt)
        for listener in list(self._listeners):
            listener(receipt)
        self._publish()

    @property
    def receipts(self) -> list[Receipt]:
        with self._lock:
            return list(self._receipts)

    @property
    def calls(self) -> int:
        """Requests made: a batch counts as its requests, not as one."""
        with self._lock:
            return sum(r.requests for r in self._receipts)

    @property
    def spend_usd(self) -> float:
        """What the session cost, estimates of stopped answers included."""
        with self._lock:
            return sum(r.cost_usd or 0.0 for r in self._receipts)

    @property
    def estimated_usd(self) -> float:
        """The part of ``spend_usd`` counted here rather than reported by the server."""
        with self._lock:
            return sum(r.cost_usd or 0.0 for r in self._receipts if r.estimated)

    def by_model(self) -> list[ModelTotals]:
        totals: dict[str, ModelTotals] = {}
        for r in self.receipts:
            name = r.model or r.model_requested
            name += " (replayed)" if r.replayed else ""
            t = totals.setdefault(name, ModelTotals(name))
            t.calls += r.requests
            t.input_tokens += r.input_tokens
            t.cached_input_tokens += r.cached_input_tokens
            t.output_tokens += r.output_tokens
            t.reasoning_tokens += r.reasoning_tokens
            t.reasoning_cost_usd += r.reasoning_cost_usd or 0.0
            t.tiers[r.tier_label] = t.tiers.get(r.tier_label, 0) + r.requests
            if r.cost_usd is None:
                t.unknown_cost_calls += 1
            else:
                t.cost_usd += r.cost_usd
                if r.estimated:
                    t.estimated_usd += r.cost_usd
        return sorted(totals.values(), key=lambda t: -t.cost_usd)

    def totals(self) -> dict[str, Any]:
        """Spend (estimates included, and apart) and call count: what the status bar shows."""
        with self._lock:
            return {
                "spend_usd": sum(r.cost_usd or 0.0 for r in self._receipts),
                "estimated_usd": sum(r.cost_usd or 0.0 for r in self._receipts if r.estimated),
                "calls": sum(r.requests for r in self._receipts),
            }

    def clear(self) -> None:
        with self._lock:
            self._receipts.clear()
        self._publish()

    def _publish(self) -> None:
        if self._sender is not None:
            self._sender(self.totals())


def _publish_status(totals: Mapping[str, Any]) -> None:
    from xai_magics import status

    status.publish(
        {
            "spend_usd": float(totals["spend_usd"]),
            "estimated_usd": float(totals["estimated_usd"]),
            "calls": int(totals["calls"]),
        }
    )


_SESSION: Ledger | None = None


def session_ledger() -> Ledger:
    """The process-wide ledger that ``%grok_usage`` and the status bar read."""
    global _SESSION
    if _SESSION is None:
        _SESSION = Ledger(sender=_publish_status)
    return _SESSION


@dataclass(frozen=True)
class Prices:
    """Ticks per token (1 USD = 1e10 ticks), as ``/v1/language-models`` lists them."""

    input: int
    cached_input: int
    output: int

    def cost_usd(self, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float:
        uncached = max(input_tokens - cached_tokens, 0)
        ticks = uncached * self.input + cached_tokens * self.cached_input
        return (ticks + output_tokens * self.output) / 1e10


#: xAI's published standard rates, used for dry-run estimates when the live list was not fetched
#: (a dry run sends nothing, not even a price lookup). ``%grok_models`` refreshes them.
PUBLISHED_PRICES: dict[str, Prices] = {
    "grok-4.3": Prices(12500, 2000, 25000),
    "grok-4.20-0309-reasoning": Prices(12500, 2000, 25000),
    "grok-4.20-0309-non-reasoning": Prices(12500, 2000, 25000),
    "grok-4.5": Prices(20000, 3000, 60000),
    "grok-4.6": Prices(20000, 5000, 60000),
    "grok-4.7": Prices(20000, 5000, 60000),
    "grok-3-mini": Prices(3000, 750, 5000),
    "grok-build-0.1": Prices(10000, 2000, 20000),
}


def estimate_tokens(text: str) -> int:
    """A rough token count (about 4 characters per token for English prose and code)."""
    return max(1, round(len(text) / 4))


def price_receipt(receipt: Receipt, prices: Prices | None) -> Receipt:
    """Fill in what the server left out, from the model's list prices.

    Without a reported cost (a stopped or cut stream, whose usage never comes; an older server
    without ``cost_in_usd_ticks``), the tokens are priced here and the receipt is marked
    estimated, at the standard rate: reasoning is billed as output. With a cost, reasoning's
    share of it is the share its tokens have of the list price, so a discount or a priority
    rate applies to it as to the rest.
    """
    if prices is None:
        return receipt
    output = receipt.output_tokens + receipt.reasoning_tokens
    at_list = prices.cost_usd(receipt.input_tokens, output, receipt.cached_input_tokens)
    at_list += receipt.tool_cost_usd
    cost, estimated = receipt.cost_usd, receipt.estimated
    if cost is None and (receipt.input_tokens or output):
        cost, estimated = at_list, True
    share = None
    if cost is not None and receipt.reasoning_tokens and at_list > 0:
        share = cost * (receipt.reasoning_tokens * prices.output / 1e10) / at_list
    return replace(receipt, cost_usd=cost, estimated=estimated, reasoning_cost_usd=share)
