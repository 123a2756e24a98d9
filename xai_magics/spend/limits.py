"""Where a budget comes from: ``%config`` (this kernel) and the environment (every kernel).

A teacher sets ``XAI_MAGICS_BUDGET_USD`` / ``XAI_MAGICS_BUDGET_DAY_USD`` once for all student
kernels; ``%config GrokMagics.budget_usd = 5`` sets one kernel's. When both are set the lower
applies: erring on the side of not spending, a ``%config`` can tighten the teacher's budget but
not loosen it. (A guard rail, not a lock: whoever holds the key can unset the variable.)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Literal

__all__ = ["DAY_ENV", "SESSION_ENV", "Limit", "Scope", "limit_of", "parse_usd"]

SESSION_ENV = "XAI_MAGICS_BUDGET_USD"
DAY_ENV = "XAI_MAGICS_BUDGET_DAY_USD"

Scope = Literal["session", "day"]

_CONFIG = {"session": "GrokMagics.budget_usd", "day": "GrokMagics.budget_day_usd"}
_ENV = {"session": SESSION_ENV, "day": DAY_ENV}


@dataclass(frozen=True)
class Limit:
    """One budget in force: its dollars, which scope, and where it was set (for "raise ...")."""

    usd: float
    scope: Scope
    from_env: bool

    @property
    def name(self) -> str:
        return "session budget" if self.scope == "session" else "day budget (all kernels)"

    def how_to_raise(self) -> str:
        if self.from_env:
            return f"raise {_ENV[self.scope]} (set in the environment)"
        return f"raise the budget (%config {_CONFIG[self.scope]} = ...)"


def parse_usd(text: str, *, what: str) -> float:
    """A non-negative dollar amount; ValueError naming ``what`` otherwise ("$5" and "5" both do)."""
    try:
        usd = float(text.strip().lstrip("$").replace(",", ""))
    except ValueError:
        raise ValueError(
            f"{what}={text!r} is not a dollar amount; write it like 5 or 0.50"
        ) from None
    if math.isnan(usd) or usd < 0:
        raise ValueError(f"{what}={text!r}: a budget is zero or more dollars")
    return usd


def limit_of(scope: Scope, configured: float | None) -> Limit | None:
    """The budget of ``scope`` in force: the lower of ``configured`` and the environment's.

    An environment value that is not a number refuses every call (ValueError), rather than
    being read as "no budget".
    """
    raw = os.environ.get(_ENV[scope], "").strip()
    env = parse_usd(raw, what=_ENV[scope]) if raw else None
    if env is not None and (configured is None or env <= configured):
        return Limit(env, scope, from_env=True)
    if configured is not None:
        return Limit(float(configured), scope, from_env=False)
    return None
