"""Receipts of replayed answers: they show what the answer cost and took when it was recorded,
and cost nothing now, so ``%grok_usage`` lists them apart, marked "replayed", at $0."""

from __future__ import annotations

from dataclasses import replace

from xai_magics.replay.switch import state
from xai_magics.usage import Receipt

__all__ = ["mark_replayed"]


def mark_replayed(receipt: Receipt) -> Receipt:
    """``receipt`` marked replayed when its answer (or batch) came from the cassette being
    played. Speech has no id: a clip made in play mode is replayed unless misses go live."""
    now = state()
    if receipt.replayed or now.mode != "play":
        return receipt
    spoken = receipt.endpoint == "tts" and now.fallback != "live"
    facts = now.replayed.get(receipt.response_id or "")
    if not spoken and facts is None:
        return receipt
    # The replay's own timings say nothing about the model and would differ run to run: the
    # receipt shows how long the recorded answer took, so a replayed notebook's outputs repeat.
    seconds = (facts or {}).get("seconds")
    return replace(
        receipt,
        replayed=True,
        original_cost_usd=receipt.cost_usd,
        cost_usd=0.0,
        reasoning_cost_usd=None,
        ttft_s=None,
        elapsed_s=float(seconds) if isinstance(seconds, (int, float)) else None,
    )
