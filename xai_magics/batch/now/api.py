"""``submit_now(df, prompt=...)``: every row answered now, one realtime request each.

The same order of work as a batch (``batch/api.py``): template and columns checked, every row
read once, the job recorded in the store before any request. The job is the frame's batch job
name plus ``.now``; it keeps every answer as it arrives, so running the same cell again (after an
interrupt, a cancel or a dead kernel) sends only the rows without an answer. The store's claim
lets one kernel at a time send a job's rows: a second one waits, then sends what is left.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from xai_magics.batch.api import (
    DEFAULT_MODEL,
    _schema_name,
    default_name,
    job_place,
    prepare_rows,
)
from xai_magics.batch.claim import sending_claim
from xai_magics.batch.dry_view import dry_run_html
from xai_magics.batch.estimate import TYPICAL_OUTPUT_TOKENS, Estimate, estimate
from xai_magics.batch.job import BatchJob, JobInputs
from xai_magics.batch.now.estimate import Timing, comparison, now_timing
from xai_magics.batch.now.rows import unanswered_rows
from xai_magics.batch.now.sender import NowSettings, RowSender, Tally
from xai_magics.batch.outcomes import assemble
from xai_magics.batch.plan import RowsPlan
from xai_magics.batch.progress import JobSnapshot, Listener
from xai_magics.batch.store import JobRecord, JobState, JobStore
from xai_magics.batch.wire import RequestSpec
from xai_magics.spend.guard import Ticket

NOW_SUFFIX = ".now"


@dataclass
class NowDryRun:
    """What ``submit_now`` would send, and what it would cost and take; nothing was sent."""

    plan: RowsPlan
    estimate: Estimate
    timing: Timing
    model: str
    prompts: list[str]

    def summary(self) -> str:
        lines = [
            f"{self.plan.n_rows:,} rows: {self.plan.n_sent:,} would be sent one request each, "
            f"{len(self.plan.skipped):,} skipped. Nothing was sent.",
            f"Model {self.model}: {self.estimate.usage()}.",
            "Compared:",
            *comparison(self.estimate, self.timing),
        ]
        lines += [f"  first prompt: {prompt!r}" for prompt in self.prompts[:1]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<NowDryRun {self.plan.n_sent:,} requests, {self.timing.text()}>"

    def _repr_mimebundle_(self, **_kwargs: Any) -> dict[str, str]:
        text = self.summary()
        return {"text/plain": text, "text/html": dry_run_html([("", text)])}


def price_rows(
    model: str,
    n_rows: int,
    prompt_bytes: int,
    spec: RequestSpec,
    tier: str | None,
    *,
    job_name: str,
    max_cost: float | None = None,
) -> Ticket:
    """Admit the ``n_rows`` rows about to be sent one by one (``prompt_bytes`` of prompts) at
    the realtime rate and ``tier`` as asked, or raise ``BudgetRefused`` with nothing sent.

    Called once before the first request; the ticket holds the rows' bound until the run's
    receipts are in the ledger.
    """
    from xai_magics.spend.batches import admit_batch

    plural = "row" if n_rows == 1 else "rows"
    return admit_batch(
        n_rows,
        prompt_bytes,
        spec.system,
        model=model,
        max_tokens=spec.max_tokens,
        max_cost=max_cost,
        rate=1.0,
        tier=tier,
        what=f"--now for {n_rows:,} {plural} of {job_name}",
    )


def submit_now(
    df: Any,
    prompt: str,
    *,
    model: str = DEFAULT_MODEL,
    system: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    schema: type[Any] | None = None,
    output: str = "answer",
    name: str | None = None,
    new: bool = False,
    dry_run: bool = False,
    client: Any = None,
    data_dir: str | None = None,
    settings: NowSettings | None = None,
    on_progress: Listener | None = None,
    stop: threading.Event | None = None,
    max_cost: float | None = None,
    seed: int | None = None,
    on_answer: Callable[[int, float], None] | None = None,
) -> Any:
    """Answer every row of ``df`` now; returns the frame with the batch's output columns.

    The rows left are priced first at the realtime rate: when they could cost more than
    ``max_cost`` or the budget left (``xai_magics.spend``), ``BudgetRefused`` is raised and
    nothing is sent.

    ``seed`` goes with each request on the chat endpoint (the Responses API takes none).
    ``on_answer`` is told each answered row's position and its latency in seconds (retries
    included), from a worker thread.

    ``stop`` (set from another thread) ends the run early: rows in flight finish and
    are stored, the others end ``cancelled`` until the next run. Ctrl-C does the same and then
    raises ``KeyboardInterrupt``.
    """
    settings = settings or NowSettings()
    rows = prepare_rows(
        df,
        prompt,
        model,
        system,
        max_tokens,
        temperature,
        schema,
        settings.max_prompt_bytes,
        seed=seed,
    )
    source, template, spec, plan, fingerprint = rows
    if dry_run:
        cost = estimate(model, plan.n_sent, plan.prompt_bytes, system, max_tokens)
        timing = now_timing(plan.n_sent, settings.max_concurrency)
        return NowDryRun(plan, cost, timing, model, [p for _, p in plan.samples])
    job_name = (name or default_name(prompt, model, output)) + NOW_SUFFIX
    place = job_place(
        job_name,
        fingerprint,
        new=new,
        client=client,
        data_dir=data_dir,
        clash=(source, output, schema),
        outcomes=lambda p: assemble(
            plan.n_rows, None, plan.skipped, _results(p.store, p.earlier), "pending"
        ),
    )
    store, client = place.store, place.client
    record = place.create(
        plan,
        {
            "output": output,
            "model": model,
            "schema": _schema_name(schema),
            "mode": "now",
            "endpoint": settings.endpoint,
            "tier": settings.tier,
        },
    )
    run = _Run(store, record, plan, on_progress)
    stop = stop or threading.Event()
    with sending_claim(store, record.job_id, on_wait=_tell_waiting) as claim:
        done = {r.position for r in store.results(record.job_id) if r.status == "ok"}
        left = plan.n_sent - len(done)
        if left:
            left_bytes = plan.prompt_bytes * left // max(plan.n_sent, 1)
            ticket = price_rows(
                model, left, left_bytes, spec, settings.tier, job_name=job_name, max_cost=max_cost
            )
            store.set_state(record.job_id, "adding")
            sender = RowSender(
                client,
                store,
                record.job_id,
                record.id_prefix,
                spec,
                settings,
                on_result=run.progress,
                stop=stop,
                on_answer=on_answer,
            )
            output_tokens = max_tokens if max_tokens is not None else TYPICAL_OUTPUT_TOKENS
            todo = unanswered_rows(source, template, settings.max_prompt_bytes, done, output_tokens)
            run.start(len(done))
            try:
                interrupted = _run_in_thread(lambda: sender.run(todo, claim.check), stop)
            finally:
                sender.spend.record(time.time() - run.snapshot.started_at)
                ticket.release()  # after the receipts: they take the reservation's place
            finished = not stop.is_set()
            state: JobState = "done" if finished else "cancelled"
            store.set_state(record.job_id, state, batch_status=state)
            run.finish(state)
            if interrupted:
                raise KeyboardInterrupt
        else:
            store.set_state(record.job_id, "done", batch_status="done")
            run.start(len(done))
            run.finish("done")
    inputs = JobInputs(source, template, spec, schema)
    return BatchJob(store, store.job(record.job_id), client, inputs).results()


def _results(store: JobStore, record: JobRecord | None) -> list[Any]:
    return [] if record is None else list(store.results(record.job_id))


def _tell_waiting(holder: Any) -> None:
    print(
        f"Another kernel (process {holder.pid} on {holder.host}) is sending this job's rows; "
        "waiting for it, then only the rows still without an answer are sent.",
        file=sys.stderr,
    )


def _run_in_thread(work: Any, stop: threading.Event) -> bool:
    """Run ``work`` on a thread; Ctrl-C sets ``stop`` and waits for the requests in flight
    (a second Ctrl-C stops waiting; their answers are still stored when they arrive).

    Returns whether the user interrupted. An error of the run is raised here.
    """
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name="xai-now-dispatch", daemon=True)
    thread.start()
    interrupted = False
    while thread.is_alive():
        try:
            thread.join(0.1)
        except KeyboardInterrupt:
            if interrupted:  # a second interrupt: stop waiting, the thread still stores them
                return True
            interrupted = True
            stop.set()
    if failure:
        raise failure[0]
    return interrupted


class _Run:
    """Progress snapshots for the widget, the same ones a batch job publishes."""

    def __init__(
        self, store: JobStore, record: JobRecord, plan: RowsPlan, listener: Listener | None
    ) -> None:
        self._store = store
        self._record = record
        self._listener = listener
        self._before = 0
        self._lock = threading.Lock()
        self.snapshot = JobSnapshot(
            name=record.name,
            batch_id=None,
            total=plan.n_sent,
            pending=plan.n_sent,
            skipped=len(plan.skipped),
            batch_status="running",
            results_fetched=False,
            started_at=time.time(),
        )

    def start(self, answered_before: int) -> None:
        self._before = answered_before
        self._publish(
            replace(
                self.snapshot,
                succeeded=answered_before,
                pending=self.snapshot.total - answered_before,
            )
        )

    def progress(self, tally: Tally) -> None:
        succeeded = self._before + tally.succeeded
        self._publish(
            replace(
                self.snapshot,
                succeeded=succeeded,
                failed=tally.failed,
                pending=max(self.snapshot.total - succeeded - tally.failed, 0),
                cost_usd=None,
                notes=_notes(tally),
                updated_at=time.time(),
            )
        )

    def finish(self, state: str) -> None:
        counts: dict[str, int] = {}
        for result in self._store.results(self._record.job_id):
            counts[result.status] = counts.get(result.status, 0) + 1
        totals = self._store.result_totals(self._record.job_id)
        succeeded = counts.get("ok", 0)
        failed = sum(n for status, n in counts.items() if status != "ok")
        self._publish(
            replace(
                self.snapshot,
                succeeded=succeeded,
                failed=failed,
                cancelled=max(self.snapshot.total - succeeded - failed, 0),
                pending=0,
                batch_status=state,
                results_fetched=True,
                cost_usd=totals.cost_ticks / 1e10 if totals.costed else None,
                updated_at=time.time(),
            )
        )

    def _publish(self, snapshot: JobSnapshot) -> None:
        with self._lock:
            self.snapshot = snapshot
        if self._listener is not None:
            with contextlib.suppress(Exception):  # a broken display must not stop the rows
                self._listener(snapshot)


def _notes(tally: Tally) -> tuple[str, ...]:
    if not tally.rate_limited:
        return ()
    return (f"rate limited {tally.rate_limited} times: waited as the service asked",)
