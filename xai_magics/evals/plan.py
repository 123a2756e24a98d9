"""``--dry-run``: how many requests an eval makes and what it would cost by each path.

Nothing is sent. Each variant's rows are read and priced as ``%grok_batch --dry-run`` prices them
(``batch/estimate.py``): the batch at ``BATCH_PRICE_FACTOR`` of the list price, ``--now`` at the
list price, priority above it (xAI does not publish the premium, so it is "more than").
"""

from __future__ import annotations

from dataclasses import dataclass

from xai_magics.batch.estimate import Estimate
from xai_magics.evals.tasks import Task


@dataclass(frozen=True)
class PlannedTask:
    """One job of the eval as it would be sent."""

    task: Task
    estimate: Estimate
    skipped: int


@dataclass(frozen=True)
class EvalPlan:
    """What ``run(..., dry_run=True)`` returns; nothing was sent."""

    name: str
    n_rows: int
    n_variants: int
    repeats: int
    tasks: list[PlannedTask]

    @property
    def requests(self) -> int:
        return sum(t.estimate.n_requests for t in self.tasks)

    def cost(self, path: str) -> float | None:
        """Every request by ``path`` (``batch`` or ``now``; priority is more than ``now``)."""
        return _total([(t, path) for t in self.tasks])

    def this_run(self) -> float | None:
        """The run as asked: each job by its own path (priority counted at the list price)."""
        return _total([(t, t.task.path) for t in self.tasks])

    def summary(self) -> str:
        repeat = "repeat" if self.repeats == 1 else "repeats"
        lines = [
            f"Eval {self.name!r}: {self.n_variants} variants x {self.n_rows:,} rows x "
            f"{self.repeats} {repeat} = {self.requests:,} requests. Nothing was sent.",
        ]
        skipped = sum(t.skipped for t in self.tasks)
        if skipped:
            lines.append(f"{skipped:,} row requests would be skipped (empty or missing cells).")
        batch, now = self.cost("batch"), self.cost("now")
        if batch is None or now is None:
            lines.append("Estimated cost: no price known for one of the models.")
        else:
            lines += [
                "Estimated cost by path:",
                f"  batch (default):      ≈ ${batch:,.4f}, most batches finish within 24 h",
                f"  --now:                ≈ ${now:,.4f}",
                f"  --now at priority:    more than ${now:,.4f} "
                "(xAI does not publish the priority premium)",
            ]
        run = self.this_run()
        paths = sorted({t.task.path for t in self.tasks})
        price = f"≈ ${run:,.4f}" if run is not None else "no price known"
        lines.append(f"This run ({', '.join(paths)}): {price}.")
        lines.append("Jobs:")
        for planned in self.tasks:
            est = planned.estimate
            cost = _price(planned, planned.task.path)
            shown = f"≈ ${cost:,.4f}" if cost is not None else "no price known"
            lines.append(
                f"  {planned.task.variant.name:<40} r{planned.task.repeat} "
                f"{planned.task.path:<8} {est.n_requests:>7,} requests  {shown}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<EvalPlan {self.name!r}: {self.requests:,} requests, nothing sent>"


def _price(planned: PlannedTask, path: str) -> float | None:
    return planned.estimate.batch_usd if path == "batch" else planned.estimate.sync_usd


def _total(priced: list[tuple[PlannedTask, str]]) -> float | None:
    prices = [_price(planned, path) for planned, path in priced]
    return None if any(p is None for p in prices) else sum(p or 0.0 for p in prices)
