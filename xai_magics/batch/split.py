"""A job too big for one batch: several batches, each over a run of rows, as one job.

xAI notes that a batch of more than 100,000 requests may be throttled, so ``submit`` cuts a
larger frame into runs of ``JobSettings.batch_rows`` rows. Each run is an ordinary job in the
store (``NAME part K/N``, its rows recorded, request ids carrying the rows' positions in the whole
frame), so each is sent exactly once, resumed and followed as any job is; a `SplitJob` sends,
follows, cancels and joins them together, and shows their totals.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from xai_magics.batch.columns import output_columns
from xai_magics.batch.dataset import results_frame
from xai_magics.batch.job import BatchJob, JobInputs
from xai_magics.batch.outcomes import RowOutcomes, assemble, overlay
from xai_magics.batch.progress import FINAL_BATCH_STATUSES, JobSnapshot, Listener, job_state


def part_ranges(n_rows: int, batch_rows: int) -> list[tuple[int, int]]:
    """The runs of rows, each of at most ``batch_rows`` rows."""
    return [(first, min(first + batch_rows, n_rows)) for first in range(0, n_rows, batch_rows)]


def part_name(name: str, number: int, count: int) -> str:
    return f"{name} part {number}/{count}"


class SplitJob:
    """Several batches over one frame, handled as one job (same methods as `BatchJob`)."""

    def __init__(self, name: str, parts: list[BatchJob], inputs: JobInputs | None) -> None:
        self.name = name
        self.parts = parts
        self._inputs = inputs
        self._listeners: list[Listener] = []

    def __repr__(self) -> str:
        snap = self.snapshot
        return (
            f"<SplitJob {self.name!r} {len(self.parts)} batches {job_state(snap)} "
            f"{snap.done}/{snap.total} done>"
        )

    @property
    def output(self) -> str:
        """The answer column's name (every part has the same)."""
        return self.parts[0].output

    @property
    def inputs(self) -> JobInputs | None:
        """The whole frame and recipe (None when attached without the frame)."""
        return self._inputs

    @property
    def batch_id(self) -> str | None:
        """Every part's batch id, for messages ("batch_a, batch_b")."""
        ids = [part.batch_id for part in self.parts if part.batch_id]
        return ", ".join(ids) if ids else None

    @property
    def batch_ids(self) -> list[str | None]:
        return [part.batch_id for part in self.parts]

    @property
    def snapshot(self) -> JobSnapshot:
        """The parts' progress added up: what the progress widget shows."""
        snaps = [part.snapshot for part in self.parts]
        statuses = [s.batch_status for s in snaps]
        running = [s for s in statuses if s not in FINAL_BATCH_STATUSES]
        if running:
            status = "submitting" if "submitting" in running else running[0]
        else:
            status = "cancelled" if "cancelled" in statuses else statuses[-1]
        ids = [s.batch_id for s in snaps if s.batch_id]
        costs = [s.cost_usd for s in snaps if s.cost_usd is not None]
        estimates = [s.estimate_usd for s in snaps if s.estimate_usd is not None]
        return JobSnapshot(
            name=f"{self.name} ({len(self.parts)} batches)",
            # the first batch's id, which never changes once made: the status bar keys on it
            batch_id=next(iter(ids), None),
            total=sum(s.total for s in snaps),
            pending=sum(s.pending for s in snaps),
            succeeded=sum(s.succeeded for s in snaps),
            failed=sum(s.failed for s in snaps),
            cancelled=sum(s.cancelled for s in snaps),
            skipped=sum(s.skipped for s in snaps),
            sent=sum(s.sent for s in snaps),
            batch_status=status,
            results_fetched=all(s.results_fetched for s in snaps),
            cost_usd=sum(costs) if costs else None,
            estimate_usd=sum(estimates) if len(estimates) == len(snaps) else None,
            estimate_is_bound=any(s.estimate_is_bound for s in snaps),
            started_at=min(s.started_at for s in snaps),
            updated_at=max(s.updated_at for s in snaps),
            error=next((s.error for s in snaps if s.error), None),
            notes=tuple(note for s in snaps for note in s.notes),
        )

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with the totals whenever a part moves."""
        self._listeners.append(listener)
        for part in self.parts:
            part.subscribe(lambda _snapshot: listener(self.snapshot))

    def send(self) -> None:
        """Send every part not yet sent, in order; a re-run resumes where this stopped."""
        for part in self.parts:
            part.send()
            part.start_polling()

    def start_polling(self) -> None:
        for part in self.parts:
            part.start_polling()

    def status(self) -> JobSnapshot:
        for part in self.parts:
            part.status()
        return self.snapshot

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        deadline = None if timeout is None else time.monotonic() + timeout
        for part in self.parts:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            part.wait(left)
        return self.snapshot

    def cancel(self) -> JobSnapshot:
        """Cancel every part's batch (parts not sent yet are never sent)."""
        for part in self.parts:
            if not part.record.finished:
                part.cancel()
        return self.snapshot

    def stop_polling(self, timeout: float | None = None) -> None:
        for part in self.parts:
            part.stop_polling(timeout)

    def outcomes(self) -> RowOutcomes:
        n_rows = sum(part.record.n_rows for part in self.parts)
        merged = assemble(n_rows, (), {}, (), "pending")
        for part in self.parts:
            merged = overlay(merged, part.outcomes())
        return merged

    def results(
        self, df: Any = None, *, output: str | None = None, to: str | os.PathLike[str] | None = None
    ) -> Any:
        """The whole frame with every part's output columns (see `BatchJob.results`)."""
        first = self.parts[0]
        if df is not None:
            source = first.frame_for_results(df)
        elif self._inputs is not None:
            source = self._inputs.source
        else:
            raise ValueError(
                f"job {self.name!r} was attached without its frame: pass it, job.results(df)"
            )
        name = output or str(first.record.spec.get("output", "answer"))
        schema = self._inputs.schema if self._inputs is not None else None
        columns = output_columns(self.outcomes(), name, schema)
        return results_frame(source, columns, name, Path(to) if to else first.results_dir)

    def retry_failed(self, df: Any = None) -> BatchJob:
        raise ValueError(
            f"job {self.name!r} spans {len(self.parts)} batches: retry each one, "
            f"%grok_batch --retry-failed {part_name(self.name, 1, len(self.parts))!r}"
        )
