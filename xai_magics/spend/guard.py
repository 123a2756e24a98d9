"""The spend guard: admits a call only if its bound fits what is left, and caps it while it runs.

Every call the session makes passes ``SpendGuard.admit`` first, with the bound of what it could
cost (``bound.py``). With no budget and no ``--max-cost`` the guard waves it through without
working the bound out. Otherwise the call is refused (``BudgetRefused``: nothing is sent) when
its worst case is more than what is left, or is admitted with a ``Ticket``: the most it may spend
while streaming (``limit_usd``), and a reservation of its worst case that other calls (the other
answers of a ``--compare``, a running batch, another kernel on the day budget) see as spent until
the call ends and its receipt takes the reservation's place.

The guard keeps its own total of the session's receipts: clearing ``%grok_usage`` does not give
the budget back (a new kernel does).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xai_magics.request import PromptRefused
from xai_magics.spend.bound import dearest_prices
from xai_magics.spend.day import FILE_NAME, DayLedger, data_dir, today
from xai_magics.spend.limits import Limit, limit_of

if TYPE_CHECKING:
    from xai_magics.spend.bound import Bound
    from xai_magics.usage import Ledger, Receipt

__all__ = ["BudgetRefused", "BudgetUse", "SpendGuard", "Ticket", "money"]

#: the share of a budget spent past which ``%grok_usage`` and the status bar warn
WARN_AT = 0.8


class BudgetRefused(PromptRefused):
    """Nothing was sent: the call could pass a budget or ``--max-cost``; the message says how
    to go ahead."""


def money(usd: float, like: float | None = None) -> str:
    """Dollars as a budget reads them: "$3.10" (cents once ``like`` or ``usd`` reaches $1),
    with more digits below it so a few cheap calls do not read as $0.00."""
    scale = like if like is not None else usd
    if scale >= 1:
        return f"${usd:,.2f}"
    return f"${usd:.4f}" if scale >= 0.01 else f"${usd:.6f}"


@dataclass
class Ticket:
    """One admitted call: what it may spend while running, and what it holds reserved."""

    limit_usd: float | None = None
    bound: Bound | None = None
    guard: SpendGuard | None = field(default=None, repr=False)
    session_reserved: float = 0.0
    day_reserved: float = 0.0
    day: str = ""
    #: why the limit is what it is, for the line under a stopped answer
    limit_note: str = ""
    released: bool = False

    def over(self, output_tokens: float) -> bool:
        """Whether an answer that has streamed ``output_tokens`` (text and reasoning, counted
        by ``output_tokens_seen``) has reached its limit."""
        if self.limit_usd is None or self.bound is None:
            return False
        cost = self.bound.input_usd + output_tokens * self.bound.output_usd_per_token
        return cost >= self.limit_usd

    def split(self, bounds: list[Bound]) -> list[Ticket]:
        """One ticket per answer of a call admitted as a whole, in proportion to their bounds."""
        total = sum(b.usd for b in bounds) or 1.0
        parts = []
        for b in bounds:
            share = b.usd / total
            parts.append(
                Ticket(
                    self.limit_usd * share if self.limit_usd is not None else None,
                    b,
                    self.guard,
                    self.session_reserved * share,
                    self.day_reserved * share,
                    self.day,
                    f"its share of {self.limit_note}" if self.limit_note else "",
                )
            )
        self.released = True  # its reservations now belong to the parts
        return parts

    def release(self) -> None:
        """The call ended (its receipt, if any, is recorded): give back the reservation."""
        if self.released:
            return
        self.released = True
        if self.guard is not None:
            self.guard._release(self)


@dataclass(frozen=True)
class BudgetUse:
    """One budget in force and how much of it is used."""

    limit: Limit
    spent_usd: float

    @property
    def fraction(self) -> float:
        return self.spent_usd / self.limit.usd if self.limit.usd > 0 else 1.0

    @property
    def warning(self) -> bool:
        return self.fraction >= WARN_AT

    def text(self) -> str:
        """ "$3.10 of $5.00": what the status bar shows."""
        return f"{money(self.spent_usd, self.limit.usd)} of {money(self.limit.usd)}"

    def line(self) -> str:
        """A sentence for ``%grok_usage``, with a warning from 80% on."""
        where = "this session" if self.limit.scope == "session" else "today, all kernels"
        if self.spent_usd != self.spent_usd:  # NaN: the day file cannot be read
            return (
                f"⚠ Budget {where}: {money(self.limit.usd)}, but the day's spend cannot be read "
                "from the data dir (XAI_MAGICS_DATA_DIR), so every call is refused."
            )
        text = f"Budget {where}: {self.text()} ({self.fraction:.0%})"
        if self.warning:
            left = max(self.limit.usd - self.spent_usd, 0.0)
            text = f"⚠ {text}: {money(left, self.limit.usd)} left. A call that could cost more "
            text += f"is refused; {self.limit.how_to_raise()} to go on."
        return text


class SpendGuard:
    """The budgets of this process: the session's (in memory) and the day's (shared file)."""

    def __init__(
        self,
        *,
        ledger: Ledger | None = None,
        day_dir: Callable[[], Any] = data_dir,
        on_change: Callable[[SpendGuard], None] | None = None,
    ) -> None:
        #: ``%config GrokMagics.budget_usd`` / ``budget_day_usd`` (the environment may be lower)
        self.session_usd: float | None = None
        self.day_usd: float | None = None
        self._lock = threading.RLock()
        self._spent = ledger.spend_usd if ledger is not None else 0.0
        self._reserved = 0.0
        self._kernel = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._day_dir = day_dir
        self._day: DayLedger | None = None
        self._day_error: str | None = None
        #: spend not yet written to the day file (it was busy or failing): written with the next
        self._unwritten = 0.0
        self._on_change = on_change
        if ledger is not None:
            ledger.subscribe(self.record)
            if self._spent:
                self._add_to_day(self._spent)

    # -- what is spent ----------------------------------------------------------------------

    def record(self, receipt: Receipt) -> None:
        """A receipt was recorded: count it against the session and the day.

        One without a cost (no price known, none reported) is priced at the dearest list
        price: it was billed something, and not counting it would let spending through.
        """
        cost = receipt.cost_usd
        if cost is None:
            output = receipt.output_tokens + receipt.reasoning_tokens
            cost = dearest_prices().cost_usd(
                receipt.input_tokens, output, receipt.cached_input_tokens
            )
        if cost <= 0:
            return
        with self._lock:
            self._spent += cost
        self._add_to_day(cost)
        self.changed()

    @property
    def session_spent_usd(self) -> float:
        with self._lock:
            return self._spent

    def limits(self) -> list[Limit]:
        """The budgets in force now (the environment is read on every call)."""
        found = [limit_of("session", self.session_usd), limit_of("day", self.day_usd)]
        return [limit for limit in found if limit is not None]

    def uses(self) -> list[BudgetUse]:
        """Each budget in force with its spend; the day's read from the shared file."""
        uses = []
        for limit in self.limits():
            if limit.scope == "session":
                uses.append(BudgetUse(limit, self.session_spent_usd))
                continue
            uses.append(BudgetUse(limit, self._day_spent()))
        return uses

    # -- admitting calls --------------------------------------------------------------------

    def admit(
        self,
        bound_of: Callable[[], Bound],
        *,
        what: str,
        max_cost: float | None = None,
        stoppable: bool = True,
        instead: str = "",
    ) -> Ticket:
        """Admit a call whose bound ``bound_of()`` gives, or raise ``BudgetRefused``.

        ``stoppable``: the call streams, so it can be stopped at its limit; then ``max_cost`` is
        the most it may spend (its worst case is the lower of that and its bound). A call that
        cannot be stopped (a batch, ``--no-stream``) must fit with its whole bound. ``instead``
        is the first way to go ahead the refusal offers (default: about ``--max-tokens``).
        """
        try:
            limits = self.limits()
        except ValueError as exc:  # a budget variable that is not a number
            raise BudgetRefused(f"Nothing was sent: {exc}.") from None
        if not limits and max_cost is None:
            return Ticket()
        bound = bound_of()
        worst = bound.usd
        if max_cost is not None:
            if not stoppable and bound.usd > max_cost:
                raise BudgetRefused(
                    _refusal(what, bound, f"more than --max-cost {money(max_cost)}")
                )
            if bound.input_usd > max_cost:
                raise BudgetRefused(
                    _refusal(
                        what,
                        bound,
                        f"its input alone is more than --max-cost {money(max_cost)}",
                        advice="shorten the prompt or raise --max-cost",
                    )
                )
            worst = min(worst, max_cost)
        ticket = Ticket(max_cost, bound, self, day=today())
        if max_cost is not None:
            ticket.limit_note = f"--max-cost {money(max_cost)}"
        try:
            for limit in limits:
                self._reserve(ticket, limit, worst, what, max_cost, stoppable, instead)
        except BaseException:
            ticket.release()
            raise
        self.changed()
        return ticket

    def _reserve(
        self,
        ticket: Ticket,
        limit: Limit,
        worst: float,
        what: str,
        max_cost: float | None,
        stoppable: bool,
        instead: str,
    ) -> None:
        def check(spent: float) -> None:
            left = limit.usd - spent
            if worst > left:
                capped = max_cost is not None and worst == max_cost
                raise BudgetRefused(
                    _over_budget(what, ticket, limit, max(left, 0.0), capped, stoppable, instead)
                )
            if ticket.limit_usd is None or left < ticket.limit_usd:
                ticket.limit_usd = left
                ticket.limit_note = f"the {money(left, limit.usd)} left of the {limit.name}"

        if limit.scope == "session":
            with self._lock:
                check(self._spent + self._reserved)
                self._reserved += worst
                ticket.session_reserved = worst
            return
        day = self._day_ledger()
        if day is None:
            raise BudgetRefused(
                f"Nothing was sent: the day budget needs the spend file, which cannot be used "
                f"({self._day_error}). Fix the folder (XAI_MAGICS_DATA_DIR) or unset the day "
                "budget."
            )
        try:
            day.reserve(ticket.day, worst, check)
        except sqlite3.Error as exc:
            raise BudgetRefused(
                f"Nothing was sent: the day's spend could not be read from {day.path} ({exc}). "
                "Run the cell again, or unset the day budget."
            ) from None
        ticket.day_reserved = worst

    def _release(self, ticket: Ticket) -> None:
        with self._lock:
            self._reserved = max(self._reserved - ticket.session_reserved, 0.0)
        if ticket.day_reserved and self._day is not None:
            # failing, the reservation goes stale: ignored once this process is gone
            with contextlib.suppress(sqlite3.Error):
                self._day.release(ticket.day, ticket.day_reserved)
        self.changed()

    # -- the shared day file ----------------------------------------------------------------

    def _day_ledger(self) -> DayLedger | None:
        with self._lock:
            if self._day is None and self._day_error is None:
                try:
                    self._day = DayLedger(self._day_dir() / FILE_NAME, self._kernel)
                except (OSError, sqlite3.Error) as exc:
                    self._day_error = f"{type(exc).__name__}: {exc}"
            return self._day

    def _day_spent(self) -> float:
        """Today's spend of every kernel; NaN when the day file cannot be read."""
        day = self._day_ledger()
        try:
            return day.total(today(), reserved=False) if day is not None else float("nan")
        except sqlite3.Error:
            return float("nan")

    def _add_to_day(self, usd: float) -> None:
        day = self._day_ledger()
        if day is None:
            return
        with self._lock:
            self._unwritten += usd
            try:
                day.add_spent(today(), self._unwritten)
            except sqlite3.Error:
                return  # counted in the session; written to the day file with the next receipt
            self._unwritten = 0.0

    def changed(self) -> None:
        """Tell the status bar (a budget was set, or spend moved)."""
        if self._on_change is not None:
            self._on_change(self)


def _fewer_tokens(bound: Bound) -> str:
    """The first way to a smaller bound: a cap on output, or a lower one."""
    return "add --max-tokens N" if bound.output_note.startswith("assumed") else "lower --max-tokens"


def _refusal(what: str, bound: Bound, why: str, *, advice: str = "") -> str:
    advice = advice or f"{_fewer_tokens(bound)} or raise --max-cost"
    return (
        f"Nothing was sent: {what} could cost up to {money(bound.usd)} ({bound.describe()}), "
        f"{why}. To go ahead: {advice}."
    )


def _over_budget(
    what: str,
    ticket: Ticket,
    limit: Limit,
    left: float,
    capped: bool,
    stoppable: bool,
    instead: str,
) -> str:
    assert ticket.bound is not None
    bound = ticket.bound
    cost = f"up to {money(bound.usd)} ({bound.describe()})"
    if capped:
        cost = f"up to {money(ticket.limit_usd or 0.0)} (its --max-cost)"
    steps = [instead or _fewer_tokens(bound)]
    if stoppable and not capped:
        steps.append(f"cap it with --max-cost USD (at most {money(left, limit.usd)})")
    if capped:
        steps = [f"lower --max-cost to {money(left, limit.usd)} or less"]
    steps.append(limit.how_to_raise())
    return (
        f"Nothing was sent: {what} could cost {cost}, and {money(left, limit.usd)} is left of "
        f"the {money(limit.usd)} {limit.name}. To go ahead: {', '.join(steps[:-1])}, or "
        f"{steps[-1]}."
    )
