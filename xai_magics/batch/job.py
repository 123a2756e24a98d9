"""A batch job handle: send, follow, fetch results, cancel, retry the failed rows.

Everything durable lives in the job store; a ``BatchJob`` is a view over one store record plus,
when the user's frame is at hand, what is needed to (re)build its requests. Two handles over the
same record (a re-run cell, ``attach``) behave the same.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from xai_magics.batch.chunks import DEFAULT_CHUNK_ROWS, MAX_CALL_BYTES, iter_chunks
from xai_magics.batch.claim import Claim, sending_claim
from xai_magics.batch.columns import output_columns
from xai_magics.batch.dataset import results_frame, write_page
from xai_magics.batch.estimate import TICKS_PER_USD
from xai_magics.batch.fetch import fetch_results
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.outcomes import (
    ResultTally,
    RowOutcomes,
    RowStatus,
    assemble,
    counter_notes,
    overlay,
)
from xai_magics.batch.progress import JobSnapshot, Listener, Poller, job_state
from xai_magics.batch.sender import ADD_RATE, Sender
from xai_magics.batch.spend import record_batch_spend
from xai_magics.batch.store import JobRecord, JobState, JobStore, ResultRow, StoreError
from xai_magics.batch.stream import StreamSource
from xai_magics.batch.template import ColumnTemplate
from xai_magics.batch.wire import LineBuilder, RequestSpec

RETRYABLE: tuple[RowStatus, ...] = ("error", "expired", "missing", "cancelled")
# A sent row without a result, once the batch has ended, says how the batch ended.
UNFINISHED_BY_BATCH_STATUS: dict[str, RowStatus] = {
    "done": "missing",
    "expired": "expired",
    "cancelled": "cancelled",
    "cancelled_by_xai": "cancelled",
}


@dataclass(frozen=True)
class JobSettings:
    """How requests are built and sent; defaults follow xAI's documented limits."""

    chunk_rows: int = DEFAULT_CHUNK_ROWS
    chunk_bytes: int = MAX_CALL_BYTES
    max_prompt_bytes: int = 4_000_000  # about 1M tokens: grok-4.3's context
    results_page_size: int = 1000
    add_rate: tuple[int, float] = ADD_RATE
    poll_first_s: float = 1.0
    poll_max_s: float = 15.0
    # xAI notes that batches of more than 100,000 requests may be throttled: larger frames are
    # split into several batches of at most this many rows, handled as one job (``split.py``)
    batch_rows: int = 100_000


@dataclass
class JobInputs:
    """The frame and request recipe a job was built from (absent after a bare ``attach``)."""

    source: FrameSource
    template: ColumnTemplate
    spec: RequestSpec
    schema: type[Any] | None = None
    row_ids: np.ndarray | None = None  # positions in the user's frame, for a retry's subset
    full_source: FrameSource | None = None  # the whole frame, for joining a retry's results


@dataclass
class _Live:
    snapshot: JobSnapshot
    listeners: list[Listener] = field(default_factory=list)
    poller: Poller | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class BatchJob:
    """One batch job: ``status()``, ``wait()``, ``results()``, ``cancel()``, ``retry_failed()``."""

    def __init__(
        self,
        store: JobStore,
        record: JobRecord,
        client: Any,
        inputs: JobInputs | None = None,
        settings: JobSettings | None = None,
    ) -> None:
        self._store = store
        self._record = record
        self._client = client
        self._inputs = inputs
        self.settings = settings or JobSettings()
        skipped = len(store.skipped(record.job_id))
        self._live = _Live(
            JobSnapshot(
                name=record.name,
                batch_id=record.batch_id,
                total=record.n_sent,
                pending=record.n_sent,
                skipped=skipped,
                started_at=record.created_at,
                estimate_usd=record.spec.get("estimate_usd"),
                estimate_is_bound=bool(record.spec.get("estimate_is_bound")),
            )
        )
        if record.finished:  # a handle on an ended job shows how it ended, not "sending"
            self._live.snapshot = self._stored_snapshot()

    def __repr__(self) -> str:
        snap = self.snapshot
        return (
            f"<BatchJob {self.name!r} batch={snap.batch_id} {job_state(snap)} "
            f"{snap.done}/{snap.total} done>"
        )

    # -- identity ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def batch_id(self) -> str | None:
        return self._record.batch_id

    @property
    def output(self) -> str:
        """The answer column's name (its companions start with it)."""
        return str(self._record.spec.get("output", "answer"))

    @property
    def record(self) -> JobRecord:
        return self._record

    @property
    def snapshot(self) -> JobSnapshot:
        """The latest known progress (no network call)."""
        return self._live.snapshot

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every new snapshot (from the poller's thread)."""
        self._live.listeners.append(listener)
        listener(self.snapshot)

    def _publish(self, snapshot: JobSnapshot, *, from_server: bool = False) -> JobSnapshot:
        """Make ``snapshot`` the job's progress and tell the listeners.

        ``from_server``: the snapshot holds a batch's counters as a response gave them. Two
        threads ask (the poller, and a cancel or status call), and responses come back in any
        order: one that is older than what is shown (a batch's finished count only grows), or
        that comes after the results were stored, is left out.
        """
        with self._live.lock:
            shown = self._live.snapshot
            older = snapshot.batch_id == shown.batch_id and snapshot.done < shown.done
            if from_server and (older or shown.finished):
                return shown
            self._live.snapshot = snapshot
        for listener in list(self._live.listeners):
            try:
                listener(snapshot)
            except Exception:  # noqa: S112 - a broken display must not stop the poller
                continue
        return snapshot

    # -- sending ----------------------------------------------------------------------------

    def send(self) -> None:
        """Create the batch (once) and add every chunk not yet in it; safe to call again, from
        any number of processes at once: one sends (it holds the job's claim), the others wait
        and find the job submitted."""
        if self._record.state not in ("created", "adding"):
            return
        inputs = self._require_inputs("send its requests")
        with sending_claim(self._store, self._record.job_id) as claim:
            self._refresh_record()
            if self._record.state in ("created", "adding"):
                self._send(inputs, claim)

    def _send(self, inputs: JobInputs, claim: Claim) -> None:
        def chunk_added(_index: int, count: int) -> None:
            self._publish(replace(self.snapshot, sent=self.snapshot.sent + count))

        sender = Sender(
            self._client,
            self._store,
            add_rate=self.settings.add_rate,
            on_chunk=chunk_added,
            guard=claim.check,
        )
        record = self._record
        where = record.where
        followed = self._store.batch_ids(where) if where is not None else set()
        batch_id = sender.ensure_batch(record, exclude=followed)
        landed = sender.landed_ids(batch_id) if sender.adopted else None
        self._refresh_record()
        already = sum(c.n_requests for c in self._store.chunks(self._record.job_id))
        self._publish(
            replace(self.snapshot, batch_id=batch_id, batch_status="submitting", sent=already)
        )
        prefix = self._record.id_prefix
        builder = LineBuilder(inputs.spec, prefix, inputs.template)

        def request_id(position: int) -> str:
            return f"{prefix}{position}"

        def chunks_from(row: int, index: int) -> Any:
            return iter_chunks(
                inputs.source,
                inputs.template,
                builder,
                max_prompt_bytes=self.settings.max_prompt_bytes,
                start_row=row,
                start_index=index,
                max_rows=self.settings.chunk_rows,
                max_bytes=self.settings.chunk_bytes,
                row_ids=inputs.row_ids,
            )

        start_row, start_index = 0, 0
        ledger = self._store.chunks(self._record.job_id)
        if ledger:
            last = ledger[-1]
            if last.state == "sent":
                unfinished = next(iter(chunks_from(last.first_row, last.chunk_index)))
                sender.resolve_unfinished_chunk(self._record, batch_id, unfinished, request_id)
            start_row, start_index = last.stop_row, last.chunk_index + 1
        try:
            sender.add_chunks(
                self._record, batch_id, chunks_from(start_row, start_index), request_id, landed
            )
        except Exception as exc:
            self._publish(replace(self.snapshot, error=str(exc)))
            raise
        self._store.set_state(self._record.job_id, "submitted")
        self._refresh_record()

    # -- following --------------------------------------------------------------------------

    def status(self) -> JobSnapshot:
        """Fresh progress from the server (one request)."""
        return self._refresh()

    def start_polling(self) -> None:
        """Follow the batch in a background thread until its results are stored."""
        if self._finished_in_store():
            self._publish(self._stored_snapshot())
            return
        with self._live.lock:
            poller = self._live.poller
            if poller is not None and poller.is_alive():
                return
            if self._record.state in ("created", "adding"):
                return
            self._live.poller = Poller(
                self._refresh,
                self._finish,
                first_interval_s=self.settings.poll_first_s,
                max_interval_s=self.settings.poll_max_s,
            )
            self._live.poller.start()

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        """Block until the batch ended and its results are stored (Ctrl-C stops waiting only)."""
        if self._record.state in ("created", "adding"):
            self.send()
        if not self._finished_in_store():
            self.start_polling()
        deadline = None if timeout is None else time.monotonic() + timeout
        poller = self._live.poller
        while poller is not None and not poller.finished_event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"batch {self.name!r} still running after {timeout} s")
            poller.finished_event.wait(0.2)
        if not self.snapshot.finished and self._finished_in_store():
            self._publish(replace(self.snapshot, results_fetched=True))
        return self.snapshot

    def _stored_snapshot(self) -> JobSnapshot:
        """The final snapshot of a job whose results are already in the store (no request)."""
        counts = self._store.result_counts(self._record.job_id)
        return replace(
            self.snapshot,
            pending=0,
            succeeded=counts.get("ok", 0),
            failed=counts.get("error", 0),
            cancelled=counts.get("cancelled", 0) + counts.get("expired", 0),
            batch_status=self._record.batch_status or "done",
            results_fetched=True,
            # when it ended, not now: a finished job's elapsed time does not grow
            updated_at=self._record.updated_at or time.time(),
            cost_usd=self._billed_usd(),
        )

    def _billed_usd(self) -> float | None:
        """What the server billed for this job's stored results (the sum of the costs it
        reported with them), else the batch's own running figure, if it gave one."""
        totals = self._store.result_totals(self._record.job_id)
        if totals.costed:
            return totals.cost_ticks / TICKS_PER_USD
        return self.snapshot.cost_usd

    def _finished_in_store(self) -> bool:
        self._refresh_record()
        return self._record.finished

    def _refresh(self) -> JobSnapshot:
        if not self._record.batch_id:
            return self.snapshot
        try:
            batch = self._client.batches.get(self._record.batch_id)
        except Exception as exc:
            return self._publish(replace(self.snapshot, error=str(exc), updated_at=time.time()))
        fetched = self._record.finished
        return self._publish(
            replace(self.snapshot.with_batch(batch), results_fetched=fetched), from_server=True
        )

    def _finish(self) -> JobSnapshot:
        """`_store_results`; a store that stayed locked is reported, and the poller tries
        again later (never a traceback from its thread)."""
        try:
            return self._store_results()
        except StoreError as exc:
            return self._publish(replace(self.snapshot, error=f"{exc} Retrying."))

    def _store_results(self) -> JobSnapshot:
        """Fetch every results page into the store, then mark the job ended."""
        tally = fetch_results(
            self._client,
            self._store,
            self._record,
            self.settings.results_page_size,
            tally=ResultTally.for_batch(self.snapshot),
            on_page=self._page_writer(),
        )
        if tally is None:
            return self._publish(replace(self.snapshot, error="could not fetch results; retrying"))
        status = self.snapshot.batch_status
        final: JobState = "cancelled" if status.startswith("cancelled") else "done"
        already_ended = self._finished_in_store()  # another handle of this job got there first
        self._store.set_state(self._record.job_id, final, batch_status=status)
        self._refresh_record()
        if not already_ended:
            record_batch_spend(self._store, self._record, self.snapshot.elapsed_s)
        notes = (*tally.warnings, *counter_notes(self._own_outcomes().counts(), self.snapshot))
        return self._publish(
            replace(
                self.snapshot,
                results_fetched=True,
                notes=notes,
                cost_usd=self._billed_usd(),
            )
        )

    # -- results ----------------------------------------------------------------------------

    def outcomes(self) -> RowOutcomes:
        """One outcome per row of the user's frame: the first job's, with every retry of its
        failed rows laid over in order (whichever job of the chain this handle is)."""
        root = self
        while root.record.parent_job_id is not None:
            parent = self._store.job(root.record.parent_job_id)
            root = BatchJob(self._store, parent, self._client)
        return root._tree_outcomes()

    def _tree_outcomes(self) -> RowOutcomes:
        outcomes = self._own_outcomes()
        for child in self._store.children(self._record.job_id):
            outcomes = overlay(
                outcomes, BatchJob(self._store, child, self._client)._tree_outcomes()
            )
        return outcomes

    def _own_outcomes(self) -> RowOutcomes:
        record = self._record
        n_rows = self._frame_rows()
        unfinished: RowStatus = "pending"
        if record.finished:
            unfinished = UNFINISHED_BY_BATCH_STATUS.get(record.batch_status or "", "missing")
        return assemble(
            n_rows,
            self._store.rows(record.job_id),
            self._store.skipped(record.job_id),
            self._store.results(record.job_id),
            unfinished,
        )

    def _frame_rows(self) -> int:
        if self._inputs is not None and self._inputs.full_source is not None:
            return self._inputs.full_source.n_rows
        if self._record.parent_job_id is not None:
            return self._store.job(self._record.parent_job_id).n_rows
        if "frame_rows" in self._record.spec:  # one part of a split job
            return int(self._record.spec["frame_rows"])
        return self._record.n_rows

    def results(
        self, df: Any = None, *, output: str | None = None, to: str | os.PathLike[str] | None = None
    ) -> Any:
        """The frame with the answer, status, error, tokens and cost columns (same type out).

        ``df`` defaults to the frame the job was submitted with; a handle from ``attach`` needs it.
        A lazy frame gets them from a Parquet dataset written to ``to`` (default: the job's
        folder in the data dir), joined by row id: a lazy frame of the same kind comes back.
        """
        source = self.frame_for_results(df)
        name = output or str(self._record.spec.get("output", "answer"))
        schema = self._inputs.schema if self._inputs is not None else None
        columns = output_columns(self.outcomes(), name, schema)
        return results_frame(source, columns, name, Path(to) if to else self.results_dir)

    @property
    def results_dir(self) -> Path:
        """Where a lazy input's results dataset goes by default: ``to`` given at submit, else
        the job's folder in the data dir."""
        chosen = self._record.spec.get("to")
        if chosen:
            return Path(str(chosen))
        return self._store.path.parent / "jobs" / str(self._record.job_id) / "results"

    def _page_writer(self) -> Callable[[list[ResultRow]], None] | None:
        """For a lazy input: write each results page to the results dataset as it arrives."""
        inputs = self._inputs
        if inputs is None or not isinstance(inputs.full_source or inputs.source, StreamSource):
            return None
        output = str(self._record.spec.get("output", "answer"))
        pages = iter(range(1_000_000_000))

        def write(records: list[ResultRow]) -> None:
            name = f"{self._record.job_id}-{next(pages):06d}"
            write_page(records, output, inputs.schema, self.results_dir, name)

        return write

    def frame_for_results(self, df: Any) -> FrameSource:
        if df is not None:
            source = FrameSource.of(df)
        elif self._inputs is not None:
            source = self._inputs.full_source or self._inputs.source
        else:
            raise ValueError(
                f"job {self.name!r} was attached without its frame: pass it, job.results(df)"
            )
        if source.n_rows != self._frame_rows():
            raise ValueError(
                f"job {self.name!r} covers {self._frame_rows():,} rows; this frame has "
                f"{source.n_rows:,}"
            )
        return source

    # -- control ----------------------------------------------------------------------------

    def cancel(self) -> JobSnapshot:
        """Cancel the batch on the server: finished rows keep their results, the rest end
        ``cancelled``. The poller then fetches what finished."""
        if not self._record.batch_id:
            self._store.set_state(self._record.job_id, "cancelled", batch_status="cancelled")
            self._refresh_record()
            return self._publish(replace(self.snapshot, batch_status="cancelled"))
        batch = self._client.batches.cancel(self._record.batch_id)
        snapshot = self._publish(self.snapshot.with_batch(batch), from_server=True)
        if self._record.state in ("created", "adding"):
            self._store.set_state(self._record.job_id, "submitted")
            self._refresh_record()
        self.start_polling()
        if self._live.poller is not None:
            self._live.poller.poke()
        return snapshot

    def retry_failed(self, df: Any = None) -> BatchJob:
        """Submit only the rows that ended error/expired/missing/cancelled, as a linked batch."""
        from xai_magics.batch.api import submit_rows

        if not self._finished_in_store():
            raise RuntimeError(f"job {self.name!r} has not finished yet: wait() for it first")
        outcomes = self.outcomes()
        failed = [i for i, s in enumerate(outcomes.status) if s in RETRYABLE]
        if not failed:
            raise ValueError(f"job {self.name!r} has no failed rows to retry")
        return submit_rows(self, self.frame_for_results(df), failed)

    def stop_polling(self, timeout: float | None = None) -> None:
        """Stop following the batch here (it keeps running at xAI); wait up to ``timeout``."""
        poller = self._live.poller
        if poller is not None:
            poller.stop()
            if timeout is not None and poller.is_alive():
                poller.join(timeout)

    def _require_inputs(self, why: str) -> JobInputs:
        if self._inputs is None:
            raise ValueError(f"job {self.name!r} needs its frame to {why}: re-run its cell")
        return self._inputs

    def _refresh_record(self) -> None:
        self._record = self._store.job(self._record.job_id)

    @property
    def inputs(self) -> JobInputs | None:
        return self._inputs

    def rebind(self, inputs: JobInputs) -> None:
        """Use this frame from now on (same rows used, maybe other columns): results join to it."""
        self._inputs = inputs

    @property
    def store(self) -> JobStore:
        return self._store

    @property
    def client(self) -> Any:
        return self._client
