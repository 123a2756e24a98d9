"""``submit(df, prompt=...)``: the Python entry point under ``%grok_batch``.

Order of work, so that bad input never costs a request and a crash never costs a duplicate:
parse the template and check its columns; read every row once (skips, sizes, digest); refuse an
empty batch; then either describe it (``dry_run``) or record the job in the store, and only then
talk to the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from xai_magics.batch.columns import refuse_output_clash
from xai_magics.batch.dry_view import dry_run_blocks, dry_run_html, dry_run_text
from xai_magics.batch.estimate import LIST_PRICES, Estimate, estimate
from xai_magics.batch.fingerprint import Fingerprint, canonical_options
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.job import BatchJob, JobInputs, JobSettings
from xai_magics.batch.outcomes import assemble
from xai_magics.batch.plan import RowsPlan, plan_rows
from xai_magics.batch.progress import Listener
from xai_magics.batch.sender import batch_token
from xai_magics.batch.split import SplitJob, part_name, part_ranges
from xai_magics.batch.store import JobRecord, JobStore, Where, open_store
from xai_magics.batch.stream import StreamSource
from xai_magics.batch.template import ColumnTemplate, MissingColumnError, parse_template
from xai_magics.batch.wire import RequestSpec, reference_line
from xai_magics.client.errors import NotFoundError
from xai_magics.facts import BATCH_PRICE_FACTOR
from xai_magics.spend.batches import admit_batch, hold_while_running
from xai_magics.spend.guard import Ticket
from xai_magics.usage import format_usd

DEFAULT_MODEL = "grok-4.3"


class JobChangedError(ValueError):
    """A job with this name exists but was built from different rows, template or options."""


@dataclass
class DryRun:
    """What ``submit`` would send; nothing was sent."""

    plan: RowsPlan
    estimate: Estimate
    requests: list[str]  # the first request lines, exactly as they would be sent
    model: str
    skipped: dict[int, str] = field(default_factory=dict)
    row_labels: dict[int, str] = field(default_factory=dict)  # position -> index label
    batches: int = 1  # more than JobSettings.batch_rows rows are sent as several batches

    def summary(self) -> str:
        lines = [
            f"{self.plan.n_rows:,} rows: {self.plan.n_sent:,} would be sent, "
            f"{len(self.skipped):,} skipped. Nothing was sent.",
            f"Model {self.model}: {self.estimate.usage()}.",
        ]
        if self.batches > 1:
            lines.append(
                f"Sent as {self.batches} batches under one job (xAI may throttle batches of "
                "more than 100,000 requests; BatchMagics.batch_rows sets the size)."
            )

        from xai_magics.batch.now.estimate import batch_hint

        lines.append(batch_hint(self.plan.n_sent))
        if self.model not in LIST_PRICES:
            accepted = ", ".join(LIST_PRICES)
            lines.append(
                f"Note: xAI documents batch support for {accepted}; {self.model} may be refused."
            )
        for position, reason in sorted(self.skipped.items())[:10]:
            lines.append(f"  {self._row_name(position)}: skipped, {reason}")
        if len(self.skipped) > 10:
            lines.append(f"  ... and {len(self.skipped) - 10:,} more skipped rows")
        return "\n".join(lines)

    def __repr__(self) -> str:
        cost = self.estimate.batch_usd
        price = f", ≈ {format_usd(cost)}" if cost is not None else ""
        return f"<DryRun {self.plan.n_sent:,} requests, {len(self.skipped):,} skipped{price}>"

    def _blocks(self) -> list[tuple[str, str]]:
        samples = [(self._row_name(p), prompt) for p, prompt in self.plan.samples]
        return dry_run_blocks(self.summary(), self.requests, samples)

    def text(self) -> str:
        """The summary, the first request pretty-printed and the next ones' prompts."""
        return dry_run_text(self._blocks())

    def _repr_mimebundle_(self, **_kwargs: Any) -> dict[str, str]:
        blocks = self._blocks()
        return {"text/plain": dry_run_text(blocks), "text/html": dry_run_html(blocks)}

    def _row_name(self, position: int) -> str:
        label = self.row_labels.get(position)
        return f"row {position}" + (f" (index {label})" if label is not None else "")


def submit(
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
    wait: bool = False,
    client: Any = None,
    data_dir: str | None = None,
    settings: JobSettings | None = None,
    on_progress: Listener | None = None,
    max_cost: float | None = None,
    image_column: str | None = None,
    image_detail: str | None = None,
    to: str | os.PathLike[str] | None = None,
    seed: int | None = None,
) -> BatchJob | SplitJob | DryRun:
    """Submit one request per row of ``df`` as an xAI batch; returns a `BatchJob` handle.

    Re-running with the same inputs and ``name`` re-attaches to the job already submitted (even
    from a new kernel); different inputs under the same name raise `JobChangedError` unless
    ``new=True``. ``name`` defaults to one derived from the prompt, model and output column.
    ``on_progress`` gets every progress snapshot, from the first chunk sent on.
    A new job is priced first: when it could cost more than ``max_cost`` or the budget left
    (``xai_magics.spend``), ``BudgetRefused`` is raised and no batch is created.
    ``image_column`` sends each row's picture (path, URL or bytes) with its prompt; a row whose
    picture is missing or unreadable is skipped with the reason.
    A frame of more than ``settings.batch_rows`` rows becomes several batches, one `SplitJob`.
    ``to`` is the folder of a lazy input's results dataset (default: the job's folder in the
    data dir). ``seed`` goes with every request (and makes another job than without it).
    """
    settings = settings or JobSettings()
    source, template, spec, options = _read_inputs(
        df,
        prompt,
        model,
        system,
        max_tokens,
        temperature,
        schema,
        image_column,
        image_detail,
        seed=seed,
    )
    job_name = name or default_name(prompt, model, output)
    if not dry_run and source.n_rows > settings.batch_rows:
        parts = _Parts(
            source, JobInputs(source, template, spec, schema), prompt, options, output, to, max_cost
        )
        return _submit_split(parts, job_name, new, client, data_dir, settings, on_progress, wait)
    plan = plan_rows(source, template, settings.max_prompt_bytes, image_column=spec.image_column)
    plan.require_rows()
    fingerprint = Fingerprint(plan.n_rows, plan.digest, prompt, model, options)
    if dry_run:
        # index labels for the messages: skipped rows and the sample requests' rows
        shown = sorted(plan.skipped)[:10] + [position for position, _ in plan.samples]
        dry = _dry_run(plan, spec, fingerprint, source.index_labels(shown))
        dry.batches = len(part_ranges(plan.n_rows, settings.batch_rows))
        return dry
    place = job_place(
        job_name,
        fingerprint,
        new=new,
        client=client,
        data_dir=data_dir,
        clash=(source, output, schema),
        outcomes=lambda p: (
            BatchJob(p.store, p.earlier, p.client).outcomes()
            if p.earlier is not None
            else assemble(plan.n_rows, None, plan.skipped, (), "pending")
        ),
    )
    # a job that exists already was admitted when it was made; only a new one is priced
    ticket = _admit(plan, spec, max_cost) if place.earlier is None else None
    try:
        # a job asked for anew (--new) never adopts a same-content batch found on the server
        record = place.create(
            plan,
            {
                "output": output,
                "model": model,
                "schema": _schema_name(schema),
                "adoptable": not new,
                **_destination(to),
                **_expected(plan, spec),
            },
        )
    except JobChangedError:
        if ticket is not None:
            ticket.release()
        raise
    job = _handle(
        place.store, record, place.client, JobInputs(source, template, spec, schema), settings
    )
    if on_progress is not None:
        job.subscribe(on_progress)
    _send_holding(job, ticket)
    job.start_polling()
    if wait:
        job.wait()
    return job


def _expected(plan: RowsPlan, spec: RequestSpec) -> dict[str, Any]:
    """The batch's estimated cost, kept with the job: the widget shows it while the server
    reports none (an upper bound when --max-tokens caps the answers)."""
    cost = estimate(spec.model, plan.n_sent, plan.prompt_bytes, spec.system, spec.max_tokens)
    if cost.batch_usd is None:
        return {}
    return {"estimate_usd": cost.batch_usd, "estimate_is_bound": cost.output_is_upper_bound}


def _admit(plan: RowsPlan, spec: RequestSpec, max_cost: float | None) -> Ticket:
    """The spend guard's admission of a new batch over ``plan`` (raises ``BudgetRefused``)."""
    return _admit_plans([plan], spec, max_cost)


def _admit_plans(plans: Sequence[RowsPlan], spec: RequestSpec, max_cost: float | None) -> Ticket:
    """One admission for the batches of ``plans`` together (the parts of a split job)."""
    return admit_batch(
        sum(plan.n_sent for plan in plans),
        sum(plan.prompt_bytes for plan in plans),
        spec.system,
        model=spec.model,
        max_tokens=spec.max_tokens,
        max_cost=max_cost,
        rate=BATCH_PRICE_FACTOR,
    )


def _send_holding(job: BatchJob | SplitJob, ticket: Ticket | None) -> None:
    """Send, keeping the batch's reservation until its results are stored."""
    try:
        job.send()
    except BaseException:
        if ticket is not None:
            ticket.release()
        raise
    if ticket is not None:
        hold_while_running(job, ticket)


def _handle(
    store: JobStore, record: JobRecord, client: Any, inputs: JobInputs, settings: JobSettings
) -> BatchJob:
    """The job's handle: the one made for it earlier in this process, if any, else a new one."""
    live = _live_jobs.get((store.path, record.job_id))
    if live is not None and live.client is client:
        live.rebind(inputs)  # the same cell run again in this kernel: one handle, one poller
        return live
    job = BatchJob(store, record, client, inputs, settings)
    _live_jobs[(store.path, record.job_id)] = job
    return job


@dataclass
class _Parts:
    """What every part of a split job shares."""

    source: FrameSource
    inputs: JobInputs
    prompt: str
    options: str
    output: str
    to: str | os.PathLike[str] | None
    max_cost: float | None = None


def _submit_split(
    parts: _Parts,
    job_name: str,
    new: bool,
    client: Any,
    data_dir: str | None,
    settings: JobSettings,
    on_progress: Listener | None,
    wait: bool,
) -> SplitJob:
    """One job per run of ``settings.batch_rows`` rows, sent and followed as one."""
    source, inputs = parts.source, parts.inputs
    store = open_store(data_dir)
    client = client or _default_client()
    where = job_where(store, client)
    n_rows = source.n_rows
    refuse_output_clash(
        source,
        parts.output,
        inputs.schema,
        lambda: assemble(n_rows, None, {}, (), "pending"),
    )
    ranges = part_ranges(n_rows, settings.batch_rows)
    planned = []
    for number, (first, stop) in enumerate(ranges, 1):
        piece = source.window(first, stop)
        plan = plan_rows(
            piece, inputs.template, settings.max_prompt_bytes, image_column=inputs.spec.image_column
        )
        plan.require_rows()
        fingerprint = Fingerprint(
            plan.n_rows, plan.digest, parts.prompt, inputs.spec.model, parts.options
        )
        name = part_name(job_name, number, len(ranges))
        earlier = store.latest_by_name(name, where) if not new else None
        if earlier is not None:
            _refuse_changed(earlier, name, fingerprint)
        planned.append((number, first, stop, piece, plan, fingerprint, name, earlier))
    # the parts not made yet are priced together, before any of them is created
    fresh = [plan for *_, plan, _f, _n, earlier in planned if earlier is None]
    ticket = _admit_plans(fresh, inputs.spec, parts.max_cost) if fresh else None
    jobs: list[BatchJob] = []
    for number, first, stop, piece, plan, fingerprint, name, _earlier in planned:
        row_ids = np.arange(first, stop, dtype=np.int64)
        record = store.create_job(
            name=name,
            batch_name=f"{name} {batch_token(fingerprint.digest, secrets.token_hex(4))}",
            fingerprint=fingerprint,
            spec={
                "output": parts.output,
                "model": inputs.spec.model,
                "schema": _schema_name(inputs.schema),
                "adoptable": not new,
                "part": [number, len(ranges)],
                "frame_rows": n_rows,
                **_destination(parts.to),
                **_expected(plan, inputs.spec),
            },
            n_sent=plan.n_sent,
            skipped={first + p: reason for p, reason in plan.skipped.items()},
            where=where,
            reuse=not new,
            rows=range(first, stop),
        )
        _refuse_changed(record, name, fingerprint)
        part_inputs = replace(inputs, source=piece, row_ids=row_ids, full_source=source)
        jobs.append(_handle(store, record, client, part_inputs, settings))
    job = SplitJob(job_name, jobs, inputs)
    if on_progress is not None:
        job.subscribe(on_progress)
    _send_holding(job, ticket)
    if wait:
        job.wait()
    return job


@dataclass(frozen=True)
class PreparedRows:
    """The frame read once, the template checked against it, and what identifies the job."""

    source: FrameSource
    template: ColumnTemplate
    spec: RequestSpec
    plan: RowsPlan
    fingerprint: Fingerprint

    def __iter__(self) -> Any:
        return iter((self.source, self.template, self.spec, self.plan, self.fingerprint))


def _read_inputs(
    df: Any,
    prompt: str,
    model: str,
    system: str | None,
    max_tokens: int | None,
    temperature: float | None,
    schema: type[Any] | None,
    image_column: str | None = None,
    image_detail: str | None = None,
    *,
    seed: int | None = None,
) -> tuple[FrameSource, ColumnTemplate, RequestSpec, str]:
    """The frame, the template checked against its columns, the request spec and the options
    that identify the job: what every job checks before the store or the network."""
    source = FrameSource.of(df)
    template = parse_template(prompt)
    template.check_columns(source.columns)
    if image_column is not None and image_column not in source.columns:
        raise MissingColumnError(image_column, source.columns)
    _read_only(source, template)
    spec = RequestSpec(
        model=model,
        system=system,
        max_tokens=max_tokens,
        temperature=temperature,
        response_format=_response_format(schema),
        image_column=image_column,
        image_detail=image_detail,
        seed=seed,
    )
    options = canonical_options(
        system=system,
        max_tokens=max_tokens,
        temperature=temperature,
        schema=spec.response_format,
        image_column=image_column,
        image_detail=image_detail,
        seed=seed,
    )
    return source, template, spec, options


def prepare_rows(
    df: Any,
    prompt: str,
    model: str,
    system: str | None,
    max_tokens: int | None,
    temperature: float | None,
    schema: type[Any] | None,
    max_prompt_bytes: int,
    seed: int | None = None,
) -> PreparedRows:
    """Everything a job needs before the store or the network: bad input never costs a request
    (a batch and ``--now`` share it, so both ask the same question of the same rows)."""
    source, template, spec, options = _read_inputs(
        df, prompt, model, system, max_tokens, temperature, schema, seed=seed
    )
    plan = plan_rows(source, template, max_prompt_bytes)
    plan.require_rows()
    fingerprint = Fingerprint(plan.n_rows, plan.digest, prompt, model, options)
    return PreparedRows(source, template, spec, plan, fingerprint)


# Handles created in this process, so a re-run cell follows its job with the same poller.
_live_jobs: weakref.WeakValueDictionary[tuple[Path, int], BatchJob] = weakref.WeakValueDictionary()


@dataclass
class JobPlace:
    """Where the job of a name lives: the store, client and server it runs on, and the job
    made under that name before (None when asked anew). A batch and ``--now`` find it alike."""

    name: str
    fingerprint: Fingerprint
    store: JobStore
    client: Any
    where: Where
    earlier: JobRecord | None
    new: bool

    def create(self, plan: RowsPlan, spec: dict[str, Any]) -> JobRecord:
        """The job's record (the earlier one when its inputs are the same, unless asked anew);
        ``JobChangedError`` when another kernel has just made it from other inputs."""
        token = batch_token(self.fingerprint.digest, secrets.token_hex(4))
        record = self.store.create_job(
            name=self.name,
            batch_name=f"{self.name} {token}",
            fingerprint=self.fingerprint,
            spec=spec,
            n_sent=plan.n_sent,
            skipped=plan.skipped,
            where=self.where,
            reuse=not self.new,
        )
        _refuse_changed(record, self.name, self.fingerprint)
        return record


def job_place(
    name: str,
    fingerprint: Fingerprint,
    *,
    new: bool,
    client: Any,
    data_dir: str | None,
    clash: tuple[FrameSource, str, type[Any] | None],
    outcomes: Callable[[JobPlace], Any],
) -> JobPlace:
    """Before anything is made or sent: the job's place, refused with ``JobChangedError`` when
    the job of that name was made from other inputs, and with ``OutputClashError`` when the
    output columns (``clash``: source, output, schema) would overwrite the frame's own
    (``outcomes``: the job's answers so far, which name the clash)."""
    store = open_store(data_dir)
    client = client or _default_client()
    where = job_where(store, client)
    earlier = store.latest_by_name(name, where) if not new else None
    if earlier is not None:
        _refuse_changed(earlier, name, fingerprint)
    place = JobPlace(name, fingerprint, store, client, where, earlier, new)
    refuse_output_clash(*clash, lambda: outcomes(place))
    return place


def _refuse_changed(record: JobRecord, name: str, fingerprint: Fingerprint) -> None:
    if record.fingerprint.digest == fingerprint.digest:
        return
    changes = "; ".join(fingerprint.changes_from(record.fingerprint))
    raise JobChangedError(
        f"batch job {name!r} (batch {record.batch_id or 'not created yet'}) was submitted "
        f"from different inputs: {changes}. Nothing was sent. To submit these inputs as a "
        f"new batch use --new (new=True) or another --name; to get the earlier batch's "
        f"results use --attach {name!r} (attach({name!r}))."
    )


def _runs_on(store: JobStore, record: JobRecord, where: Where, client: Any) -> bool:
    """Whether ``record`` is a job of this server and account; an old record without them is
    when the server knows its batch (then it is stamped with them)."""
    if record.where is not None:
        return record.where == where
    if record.batch_id is None:
        return False
    try:
        client.batches.get(record.batch_id)
    except NotFoundError:
        return False
    store.set_where(record.job_id, where)
    return True


def job_where(store: JobStore, client: Any) -> Where:
    """The server and account ``client`` talks to, as the store records them."""
    config = getattr(client, "config", None)
    key = config.api_key.get_secret_value() if config is not None else ""
    return store.where(str(getattr(client, "base_url", "")), key)


def submit_rows(parent: BatchJob, source: FrameSource, positions: Sequence[int]) -> BatchJob:
    """A linked batch over some rows of ``parent``'s frame (``retry_failed``)."""
    inputs = parent.inputs
    if inputs is None:
        raise ValueError(f"job {parent.name!r} needs its frame to retry rows: re-run its cell")
    row_ids = np.asarray(positions, dtype=np.int64)
    subset = source.subset(list(positions))
    plan = plan_rows(
        subset,
        inputs.template,
        parent.settings.max_prompt_bytes,
        image_column=inputs.spec.image_column,
    )
    plan.require_rows()
    before = parent.record.fingerprint
    fingerprint = Fingerprint(
        n_rows=plan.n_rows,
        data_digest=plan.digest,
        template=before.template,
        model=before.model,
        options=before.options,
    )
    ticket = _admit(plan, inputs.spec, None)
    store = parent.store
    retries = len(store.children(parent.record.job_id))
    name = f"{parent.name} (retry {retries + 1})"
    record = store.create_job(
        name=name,
        batch_name=f"{name} {batch_token(fingerprint.digest, secrets.token_hex(4))}",
        fingerprint=fingerprint,
        spec={**parent.record.spec, **_expected(plan, inputs.spec)},
        n_sent=plan.n_sent,
        skipped={int(row_ids[p]): reason for p, reason in plan.skipped.items()},
        where=parent.record.where,
        rows=[int(p) for p in row_ids],
        parent_job_id=parent.record.job_id,
    )
    child_inputs = JobInputs(subset, inputs.template, inputs.spec, inputs.schema, row_ids, source)
    job = BatchJob(store, record, parent.client, child_inputs, parent.settings)
    _send_holding(job, ticket)
    job.start_polling()
    return job


def attach(
    name_or_id: str,
    df: Any = None,
    *,
    client: Any = None,
    data_dir: str | None = None,
    settings: JobSettings | None = None,
) -> BatchJob | SplitJob:
    """The job with this name (the newest), batch name or batch id, from the job store, among
    the jobs of the server and account the client talks to. A job recorded before servers were
    counts when its batch is found on this server (and is then recorded as this server's)."""
    store = open_store(data_dir)
    client = client or _default_client()
    where = job_where(store, client)
    everywhere = store.find(name_or_id)
    found = [r for r in everywhere if _runs_on(store, r, where, client)]
    if not found and name_or_id.startswith("batch_"):
        found = [adopt_batch(store, client, name_or_id, df)]
    if not found:
        newest_part = store.latest_part(name_or_id, where)
        if newest_part is not None:
            return _attach_split(store, client, name_or_id, newest_part, df, settings)
    if not found and everywhere:
        ran_on = everywhere[0].base_url or "a server its batch is not on"
        raise LookupError(
            f"batch job {name_or_id!r} ran on {ran_on} with another API key or server than "
            f"this one ({where.base_url}): set XAI_BASE_URL and XAI_API_KEY as they were to "
            "follow it"
        )
    if not found:
        known = ", ".join(repr(r.name) for r in store.jobs(10)) or "none yet"
        raise LookupError(f"no batch job named {name_or_id!r} in {store.path}; recent: {known}")
    record = found[0]  # newest first: a name submitted again with --new means its latest job
    inputs = None
    if df is not None and record.fingerprint.template:
        template = parse_template(record.fingerprint.template)
        source = FrameSource.of(df)
        _read_only(source, template)
        inputs = JobInputs(source, template, _spec(record))
    job = BatchJob(store, record, client, inputs, settings)
    if not record.finished and record.batch_id:
        job.start_polling()
    return job


def _attach_split(
    store: JobStore,
    client: Any,
    name: str,
    newest_part: JobRecord,
    df: Any,
    settings: JobSettings | None,
) -> SplitJob:
    """The parts of a job split into several batches, as one job again (``attach``)."""
    assert newest_part.where is not None
    count = int(newest_part.spec["part"][1])
    records = [
        store.latest_by_name(part_name(name, k, count), newest_part.where)
        for k in range(1, count + 1)
    ]
    present = [record for record in records if record is not None]
    if len(present) != count:
        raise LookupError(f"batch job {name!r} had {count} batches; the store holds {len(present)}")
    template = parse_template(present[0].fingerprint.template)
    source = FrameSource.of(df) if df is not None else None
    if source is not None:
        _read_only(source, template)
    parts: list[BatchJob] = []
    first = 0
    for record in present:
        stop = first + record.n_rows
        inputs = None
        if source is not None:
            row_ids = np.arange(first, stop, dtype=np.int64)
            piece = source.window(first, stop)
            inputs = JobInputs(piece, template, _spec(record), None, row_ids, source)
        job = BatchJob(store, record, client, inputs, settings)
        if not record.finished and record.batch_id:
            job.start_polling()
        parts.append(job)
        first = stop
    whole = JobInputs(source, template, _spec(present[0])) if source is not None else None
    return SplitJob(name, parts, whole)


def adopt_batch(store: JobStore, client: Any, batch_id: str, df: Any = None) -> JobRecord:
    """Record a batch this store has never seen (another machine, a deleted store).

    The row of each request is read back from its id (``<prefix><position>``), so results can
    still be joined to the frame by position; without the original inputs there is nothing to
    compare the frame against, so the row count is the only check.
    """
    batch = client.batches.get(batch_id)
    ids = [meta.batch_request_id for meta in client.batches.iter_requests(batch_id)]
    if not ids:
        raise LookupError(f"batch {batch_id} holds no requests to attach to")
    prefix = ids[0].rsplit("-", 1)[0] + "-"
    positions = {
        int(i[len(prefix) :]) for i in ids if i.startswith(prefix) and i[len(prefix) :].isdigit()
    }
    if len(positions) != len(ids):
        raise LookupError(
            f"batch {batch_id} was not submitted by xai-magics: its ids carry no rows"
        )
    n_rows = FrameSource.of(df).n_rows if df is not None else max(positions) + 1
    fingerprint = Fingerprint(n_rows, "unknown", "", "", "{}")
    record = store.create_job(
        name=batch.name or batch_id,
        batch_name=f"{batch.name} [adopted:{batch_id}]",
        fingerprint=fingerprint,
        spec={"output": "answer", "id_prefix": prefix},
        n_sent=len(positions),
        skipped={p: "not part of the batch" for p in range(n_rows) if p not in positions},
        where=job_where(store, client),
    )
    store.set_batch_id(record.job_id, batch_id)
    store.set_state(record.job_id, "submitted")
    return store.job(record.job_id)


def list_jobs(data_dir: str | None = None, limit: int = 50) -> list[JobRecord]:
    """The most recent jobs in the store, newest first."""
    return open_store(data_dir).jobs(limit)


def default_name(prompt: str, model: str, output: str) -> str:
    """A stable name for a job submitted without ``name``: same prompt, same job."""
    digest = hashlib.sha256(f"{prompt}\0{model}\0{output}".encode()).hexdigest()[:8]
    return f"batch-{digest}"


def _destination(to: str | os.PathLike[str] | None) -> dict[str, str]:
    """The ``to`` folder as the job records it (absolute, so any kernel finds it)."""
    return {} if to is None else {"to": str(Path(to).resolve())}


def _read_only(source: FrameSource, template: ColumnTemplate) -> None:
    """A streamed input reads only the template's columns."""
    if isinstance(source, StreamSource):
        source.use_columns(template.columns)


def _spec(record: JobRecord) -> RequestSpec:
    options = json.loads(record.fingerprint.options)
    return RequestSpec(
        model=record.fingerprint.model,
        system=options.get("system"),
        max_tokens=options.get("max_tokens"),
        temperature=options.get("temperature"),
        response_format=options.get("schema"),
        image_column=options.get("image_column"),
        image_detail=options.get("image_detail"),
        seed=options.get("seed"),
    )


def _dry_run(
    plan: RowsPlan, spec: RequestSpec, fingerprint: Fingerprint, labels: dict[int, str]
) -> DryRun:
    prefix = fingerprint.request_id_prefix
    # a row's picture shows as a placeholder naming its column, never as base64
    picture = f"<image from column {spec.image_column!r}>" if spec.image_column else ""
    lines = [reference_line(f"{prefix}{p}", spec, prompt, picture) for p, prompt in plan.samples]
    cost = estimate(spec.model, plan.n_sent, plan.prompt_bytes, spec.system, spec.max_tokens)
    return DryRun(plan, cost, lines, spec.model, dict(plan.skipped), labels)


def _response_format(schema: type[Any] | None) -> dict[str, Any] | None:
    if schema is None:
        return None
    to_schema = getattr(schema, "model_json_schema", None)
    if not callable(to_schema):
        raise TypeError(f"schema must be a pydantic model class, got {schema!r}")
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": to_schema(), "strict": True},
    }


def _schema_name(schema: type[Any] | None) -> str | None:
    return None if schema is None else schema.__name__


_shared: dict[tuple[str, str], Any] = {}
_shared_lock = threading.Lock()


def _default_client() -> Any:
    """One client per (key, base URL) for the process: pollers share its connection pool."""
    from xai_magics.client import XAIClient

    # keyed by a hash, so the key itself is held by the client's SecretStr only
    secret = os.environ.get("XAI_API_KEY", "").encode()
    key = (hashlib.sha256(secret).hexdigest(), os.environ.get("XAI_BASE_URL", ""))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = XAIClient()
        return _shared[key]


__all__ = ["ColumnTemplate", "DryRun", "JobChangedError", "attach", "list_jobs", "submit"]
