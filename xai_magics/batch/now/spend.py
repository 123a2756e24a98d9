"""A ``--now`` run's spend, into the session ledger behind ``%grok_usage`` and the status bar.

Every row is a realtime call, billed at the tier the answer echoes; one receipt per model and
echoed tier stands for the run's answers (``requests``), so the ledger is not flooded by a
receipt per row and still prices each tier apart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from xai_magics.client.completion import Completion
from xai_magics.usage import Ledger, Receipt, session_ledger


@dataclass
class RunSpend:
    """Receipts of a run's answers, summed by (model, echoed tier); thread-safe."""

    model_requested: str
    tier_requested: str | None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._receipts: dict[tuple[str | None, str | None], Receipt] = {}

    def add(self, completion: Completion) -> None:
        one = Receipt.from_completion(
            completion, model_requested=self.model_requested, tier_requested=self.tier_requested
        )
        key = (one.model, one.tier)
        with self._lock:
            so_far = self._receipts.get(key)
            self._receipts[key] = one if so_far is None else _plus(so_far, one)

    def record(self, elapsed_s: float, ledger: Ledger | None = None) -> list[Receipt]:
        """Put the run's receipts in ``ledger`` (the session's by default)."""
        with self._lock:
            receipts = [replace(r, elapsed_s=elapsed_s) for r in self._receipts.values()]
        target = ledger if ledger is not None else session_ledger()
        for receipt in receipts:
            target.record(receipt)
        return receipts


def _plus(a: Receipt, b: Receipt) -> Receipt:
    cost = None if a.cost_usd is None or b.cost_usd is None else a.cost_usd + b.cost_usd
    return replace(
        a,
        input_tokens=a.input_tokens + b.input_tokens,
        cached_input_tokens=a.cached_input_tokens + b.cached_input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        reasoning_tokens=a.reasoning_tokens + b.reasoning_tokens,
        cost_usd=cost,
        requests=a.requests + b.requests,
        response_id=None,
        ttft_s=None,
    )
