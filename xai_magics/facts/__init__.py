"""Published or measured facts about the xAI service, read by the client and the emulator alike.

The emulator shares no code with the client (DESIGN.md): it is the client's opponent in tests,
and shared logic would hide shared mistakes. Facts about the real service are the one exception,
kept here as plain constants with their source: they are not logic, and one copy means the
client's estimates and the emulator's bills cannot drift apart. Nothing else belongs here.
"""

from __future__ import annotations

#: Batch results are billed at this fraction of the list price of the same usage. Measured on
#: recorded real traffic (xai-recordings, rubyllm batch cassette, grok-4.3): 12 uncached and 192
#: cached input tokens and 83 output tokens (1 visible, 82 reasoning) cost 2,609,000 ticks at
#: list price (12 x 12,500 + 192 x 2,000 + 83 x 25,000) and were billed 2,087,200: 0.8 exactly.
BATCH_PRICE_FACTOR = 0.8

__all__ = ["BATCH_PRICE_FACTOR"]
