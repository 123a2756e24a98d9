"""``--now`` against a batch, before anything is sent: the three prices and the expected time.

Realtime rows are billed at the list price; priority above it (xAI bills the tier it echoes and
does not publish the premium, so it is shown as "more than" the default price); a batch at
``BATCH_PRICE_FACTOR`` of it but only promised within 24 h. The expected time of ``--now`` is
the larger of what the rate limit allows and what the concurrency gets through at a typical
answer time; both are estimates, and the dry run says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from xai_magics.batch.estimate import Estimate
from xai_magics.batch.now.limits import RATE_MARGIN

#: requests per minute the real service advertised for grok-4.3 (recorded, INDEX fact 9); the
#: dry run sends nothing, so it cannot read the account's own limit
RECORDED_REQUESTS_PER_MINUTE = 1800
#: a typical seconds per answer, for the concurrency bound of the expected time
TYPICAL_ANSWER_S = 4.0
#: ``--now``'s default number of requests at once
DEFAULT_CONCURRENCY = 16
#: up to this many minutes of realtime requests, a dry run of the batch suggests ``--now``
NOW_SUITS_MINUTES = 5.0


@dataclass(frozen=True)
class Timing:
    """How long ``--now`` would take for ``n_requests`` rows."""

    n_requests: int
    seconds: float
    requests_per_minute: int
    concurrency: int

    def text(self) -> str:
        return f"about {_duration(self.seconds)}"


def now_timing(
    n_requests: int,
    concurrency: int,
    requests_per_minute: int = RECORDED_REQUESTS_PER_MINUTE,
) -> Timing:
    """The expected wall time of sending ``n_requests`` rows one request each."""
    by_rate = n_requests / (requests_per_minute * RATE_MARGIN / 60.0)
    by_concurrency = n_requests * TYPICAL_ANSWER_S / max(concurrency, 1)
    return Timing(n_requests, max(by_rate, by_concurrency), requests_per_minute, concurrency)


def comparison(cost: Estimate, timing: Timing) -> list[str]:
    """Lines comparing --now, --now --tier priority and the batch."""
    if cost.sync_usd is None or cost.batch_usd is None:
        prices = ("no price known for this model",) * 3
    else:
        prices = (
            f"≈ ${cost.sync_usd:,.4f}",
            f"more than ${cost.sync_usd:,.4f} (xAI does not publish the priority premium)",
            f"≈ ${cost.batch_usd:,.4f}",
        )
    return [
        f"  --now:                 {prices[0]}, {timing.text()} at up to "
        f"{timing.requests_per_minute:,} requests/min and {timing.concurrency} at once",
        f"  --now --tier priority: {prices[1]}, {timing.text()}",
        f"  batch (no --now):      {prices[2]}, most batches finish within 24 h",
    ]


def batch_hint(n_requests: int, concurrency: int = DEFAULT_CONCURRENCY) -> str:
    """The batch dry run's advice: ``--now`` for a small frame, the batch for a large one."""
    timing = now_timing(n_requests, concurrency)
    if timing.seconds <= NOW_SUITS_MINUTES * 60:
        return (
            f"Tip: {n_requests:,} rows are few: --now answers them in {timing.text()} at the "
            "list price, instead of waiting for the batch."
        )
    return (
        f"A batch suits {n_requests:,} rows: --now would take {timing.text()} at the rate "
        "limit and cost more."
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
