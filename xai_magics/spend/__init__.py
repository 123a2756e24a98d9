"""Budgets that stop a runaway cell before it bills.

    %config GrokMagics.budget_usd = 5          # this kernel session
    %config GrokMagics.budget_day_usd = 20     # every kernel on this machine, today
    XAI_MAGICS_BUDGET_USD=5 XAI_MAGICS_BUDGET_DAY_USD=20 jupyter lab   # for every kernel
    %%grok --max-cost 0.05                     # one cell

Layout: ``limits`` (where a budget is set), ``bound`` (the most a call could cost, before it is
sent), ``guard`` (admit or refuse; the running cap; reservations), ``day`` (the shared file of
the day's spend). ``spend_guard()`` is the process's guard, fed by the session ledger's
receipts; it also publishes budget use to the status bar.

Errors: ``BudgetRefused`` (a ``PromptRefused``, so a ``ValueError``): nothing was sent.
"""

from __future__ import annotations

import threading

from xai_magics.spend.bound import Bound, answer_bound, batch_bound, exact_bound
from xai_magics.spend.guard import BudgetRefused, BudgetUse, SpendGuard, Ticket, money

__all__ = [
    "Bound",
    "BudgetRefused",
    "BudgetUse",
    "SpendGuard",
    "Ticket",
    "answer_bound",
    "batch_bound",
    "exact_bound",
    "money",
    "spend_guard",
]

_GUARD: SpendGuard | None = None
_GUARD_LOCK = threading.Lock()


def spend_guard() -> SpendGuard:
    """The process-wide guard, counting what the session ledger records."""
    global _GUARD
    with _GUARD_LOCK:
        if _GUARD is None:
            from xai_magics.usage import session_ledger

            _GUARD = SpendGuard(ledger=session_ledger(), on_change=_publish)
        return _GUARD


def _publish(guard: SpendGuard) -> None:
    """The budget nearest to running out, for the status bar ("$3.10 of $5.00")."""
    from xai_magics import status

    try:
        uses = [u for u in guard.uses() if u.spent_usd == u.spent_usd]  # NaN: no day file
    except ValueError:  # a budget variable that is not a number: every call says so
        uses = []
    if not uses:
        status.publish({"budget": None})
        return
    use = max(uses, key=lambda u: u.fraction)
    status.publish(
        {
            "budget": {
                "usd": use.limit.usd,
                "spent_usd": use.spent_usd,
                "scope": use.limit.scope,
                "text": use.text(),
                "warning": use.warning,
            }
        }
    )
