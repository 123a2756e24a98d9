"""A batch job priced on submit: admitted against the budgets before any request is added.

Rows sent as realtime requests instead (``%grok_batch --now``, when it lands) are admitted the
same way: ``admit_batch(..., rate=1.0, tier=..., what="these 50 rows")``.

xAI bills a batch at its batch rate as its requests finish, and a batch cannot be stopped at a
limit the way a stream can (cancelling only stops what has not run), so it must fit with its
whole bound. Its reservation is held while the job runs and given back when its results are
stored, by which time its receipt (``batch.spend``) counts what it really cost.
"""

from __future__ import annotations

from typing import Any

from xai_magics.spend.bound import batch_bound
from xai_magics.spend.guard import Ticket
from xai_magics.usage import PUBLISHED_PRICES

__all__ = ["admit_batch", "hold_while_running"]


def admit_batch(
    n_requests: int,
    prompt_bytes: int,
    system: str | None,
    *,
    model: str,
    max_tokens: int | None,
    max_cost: float | None,
    rate: float,
    tier: str | None = None,
    what: str | None = None,
) -> Ticket:
    """Admit a batch, or raise ``BudgetRefused`` (nothing created, nothing added)."""
    from xai_magics.spend import spend_guard

    def bound() -> Any:
        return batch_bound(
            n_requests,
            prompt_bytes,
            system,
            model=model,
            max_tokens=max_tokens,
            prices=PUBLISHED_PRICES.get(model),
            rate=rate,
            tier=tier,
        )

    plural = "request" if n_requests == 1 else "requests"
    what = what or f"this batch of {n_requests:,} {plural}"
    return spend_guard().admit(bound, what=what, max_cost=max_cost, stoppable=False)


def hold_while_running(job: Any, ticket: Ticket) -> None:
    """Keep ``ticket``'s reservation until ``job``'s results are stored."""
    if ticket.guard is None:
        return

    def on_progress(snapshot: Any) -> None:
        if snapshot.finished:
            ticket.release()

    job.subscribe(on_progress)
