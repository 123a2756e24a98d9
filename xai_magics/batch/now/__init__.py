"""Answers now: one realtime request per row, paced to the service's rate limits, every answer
stored as it arrives, joined back as the same columns a batch job gives.

    from xai_magics.batch.now import submit_now
    labelled = submit_now(reviews, prompt="Classify the sentiment of: {review}")
"""

from __future__ import annotations

from xai_magics.batch.now.api import NowDryRun, price_rows, submit_now
from xai_magics.batch.now.sender import NowSettings

__all__ = ["NowDryRun", "NowSettings", "price_rows", "submit_now"]
