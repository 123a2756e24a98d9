"""Receipts of replayed answers: they show what the answer cost when it was recorded, and cost
nothing now, so ``%grok_usage`` lists them apart, marked "replayed", at $0."""

from __future__ import annotations

from dataclasses import replace

from xai_magics.replay.switch import state
from xai_magics.usage import Receipt

__all__ = ["mark_replayed"]


def mark_replayed(receipt: Receipt) -> Receipt:
    """``receipt`` marked replayed when its answer came from the cassette being played."""
    now = state()
    if now.mode != "play" or receipt.response_id not in now.replayed_ids:
        return receipt
    return replace(
        receipt,
        replayed=True,
        original_cost_usd=receipt.cost_usd,
        cost_usd=0.0,
        reasoning_cost_usd=None,
    )
