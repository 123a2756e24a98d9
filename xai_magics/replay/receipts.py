"""Receipts of replayed answers: they show what the answer cost when it was recorded, and cost
nothing now, so ``%grok_usage`` lists them apart, marked "replayed", at $0."""

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
    if not spoken and receipt.response_id not in now.replayed_ids:
        return receipt
    return replace(
        receipt,
        replayed=True,
        original_cost_usd=receipt.cost_usd,
        cost_usd=0.0,
        reasoning_cost_usd=None,
    )
