"""``run(df, ...)``: every variant over every row, through batch jobs or ``--now``, then graded.

Order of work, as in ``batch/api.py``: bad input (columns, models, grader, templates) is refused
before anything is stored or sent; every variant x repeat is one job of the batch machinery,
named by ``tasks.py`` so a re-run attaches to it (nothing sent twice) and a changed variant is a
new job; batches are all submitted before any is waited for, so they run side by side. The rows
table (``rows.py``) is then graded and summed up by the grader and result modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

from xai_magics.batch.api import DEFAULT_MODEL, _default_client, job_where, prepare_rows
from xai_magics.batch.columns import output_names
from xai_magics.batch.estimate import estimate
from xai_magics.batch.job import BatchJob, JobSettings
from xai_magics.batch.now.api import NOW_SUFFIX
from xai_magics.batch.progress import Listener
from xai_magics.batch.store import JobStore, open_store
from xai_magics.batch.template import parse_template
from xai_magics.evals import latency
from xai_magics.evals.plan import EvalPlan, PlannedTask
from xai_magics.evals.rows import empty_rows, task_rows
from xai_magics.evals.tasks import Task, tasks
from xai_magics.evals.variants import parse_models, resolve_prompts, variants

Mode = Literal["batch", "now"]
DEFAULT_NAME = "eval"
MAX_PROMPT_BYTES = 4_000_000
#: told each job as it is attached or run: (task, "sent" or "attached", job name)
Report = Callable[[Task, str, str], None]
#: a progress listener for a task's job (the batch progress widget's), or None
Progress = Callable[[Task], "Listener | None"]


def run(
    df: Any,
    *,
    prompt: str | None = None,
    expected: str,
    models: str | Sequence[str] | None = None,
    prompts: str | Sequence[str] | Mapping[str, str] | None = None,
    grader: str = "exact",
    repeats: int = 1,
    mode: Mode = "batch",
    schema: type[Any] | None = None,
    name: str | None = None,
    dry_run: bool = False,
    namespace: Mapping[str, Any] | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    judge: Any = None,
    client: Any = None,
    data_dir: str | None = None,
    settings: JobSettings | None = None,
    on_job: Report | None = None,
    progress: Progress | None = None,
) -> Any:
    """Run an eval; returns an ``EvalResult`` (or, with ``dry_run``, an `EvalPlan`).

    ``prompt`` is one ``{column}`` template (named ``default``); ``prompts`` names notebook
    variables holding more (looked up in ``namespace``), or maps names to templates. ``models``
    is ``"M1,M2@priority"``: a ``@priority`` variant is answered in real time at the priority
    tier, the others by ``mode`` (``batch``, the cheapest, or ``now``). ``grader`` is a spec of
    ``xai_magics.evals.graders`` (``exact``, ``number:0.01``, ``python:FUNC``, ``judge``...).
    ``on_job`` hears of each job as it is sent or attached; ``progress`` gives each a listener
    of its progress snapshots.
    """
    namespace = namespace or {}
    data = _pandas(df)
    if expected not in data.columns:
        columns = ", ".join(repr(c) for c in list(data.columns)[:20])
        raise ValueError(
            f"--expected {expected!r}: the frame has no such column; columns: {columns}"
        )
    if repeats < 1:
        raise ValueError("--repeats takes a whole number of at least 1")
    if mode not in ("batch", "now"):
        raise ValueError(f"mode is 'batch' or 'now', not {mode!r}")
    settings = settings or JobSettings()
    if len(data) > settings.batch_rows:
        raise ValueError(
            f"an eval takes at most {settings.batch_rows:,} rows per variant; sample the frame"
        )
    chosen = variants(
        parse_models(models, DEFAULT_MODEL), resolve_prompts(prompt, prompts, namespace)
    )
    # the grader is read before anything is sent: a bad spec must not cost a request
    graded_by = _graders().parse_grader(grader, namespace, judge=judge)
    todo = tasks(chosen, repeats, mode)
    eval_name = name or DEFAULT_NAME
    prepared = [_prepare(data, task, system, max_tokens, schema) for task in todo]
    if dry_run:
        planned = [
            PlannedTask(
                task, estimate(task.variant.model, *rows.sizes, system, max_tokens), rows.skipped
            )
            for task, rows in zip(todo, prepared, strict=True)
        ]
        return EvalPlan(eval_name, len(data), len(chosen), repeats, planned)
    client = client or _default_client()
    store = open_store(data_dir)
    options = {"system": system, "max_tokens": max_tokens, "schema": schema}
    jobs = _Jobs(store, client, data_dir, settings, on_job, options, progress)
    names = [
        task.job_name(eval_name, rows.digest) for task, rows in zip(todo, prepared, strict=True)
    ]
    pieces = _answers(jobs, data, todo, names, data[expected].tolist())
    rows = pd.concat(pieces, ignore_index=True) if pieces else empty_rows()
    graded = _graders().grade_rows(rows, graded_by, data)
    return _result_class()(graded, name=eval_name, mode=mode)


def _answers(
    jobs: _Jobs, data: pd.DataFrame, todo: list[Task], names: list[str], expected: list[Any]
) -> list[pd.DataFrame]:
    """Each task's rows: batches submitted first (they run while --now rows are sent), then
    every job read back from the store once it is done."""
    handles: dict[int, BatchJob] = {}
    for i, task in enumerate(todo):
        if task.path == "batch":
            handles[i] = jobs.submit(data, task, names[i])
    for i, task in enumerate(todo):
        if task.path != "batch":
            handles[i] = jobs.now(data, task, names[i])
    pieces = []
    for i, task in enumerate(todo):
        job = handles[i]
        timings: dict[int, float] = {}
        if task.path == "batch":
            job.wait()
            job = BatchJob(jobs.store, jobs.store.job(job.record.job_id), jobs.client)
        else:
            timings = latency.read(jobs.store, job.record.job_id)
        pieces.append(task_rows(task, job, expected, timings))
    return pieces


class _Prepared:
    """A task's rows read once: what identifies its requests and what they weigh."""

    def __init__(self, digest: str, n_sent: int, prompt_bytes: int, skipped: int) -> None:
        self.digest = digest
        self.sizes = (n_sent, prompt_bytes)
        self.skipped = skipped


def _prepare(
    data: pd.DataFrame,
    task: Task,
    system: str | None,
    max_tokens: int | None,
    schema: type[Any] | None,
) -> _Prepared:
    rows = prepare_rows(
        data,
        task.variant.template,
        task.variant.model,
        system,
        max_tokens,
        None,
        schema,
        MAX_PROMPT_BYTES,
        seed=task.seed,
    )
    plan = rows.plan
    return _Prepared(rows.fingerprint.digest, plan.n_sent, plan.prompt_bytes, len(plan.skipped))


class _Jobs:
    """Starts or attaches each task's job through the batch machinery."""

    def __init__(
        self,
        store: JobStore,
        client: Any,
        data_dir: str | None,
        settings: JobSettings,
        on_job: Report | None,
        options: dict[str, Any],
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.data_dir = data_dir
        self.settings = settings
        self.on_job = on_job
        self.options = options  # system, max_tokens, schema: the same for every job
        self.progress = progress
        self.where = job_where(store, client)

    def _arguments(self, task: Task, name: str, answered: bool) -> dict[str, Any]:
        """What a batch job and --now both take (a job answered already shows no progress)."""
        listener = None if answered or self.progress is None else self.progress(task)
        return {
            "output": _free_output(_template_columns(task), self.options["schema"]),
            "model": task.variant.model,
            "name": name,
            "client": self.client,
            "data_dir": self.data_dir,
            "seed": task.seed,
            "on_progress": listener,
            **self.options,
        }

    def submit(self, data: pd.DataFrame, task: Task, name: str) -> BatchJob:
        from xai_magics.batch import submit

        answered = self._tell(task, name)
        frame, arguments = _own_columns(data, task), self._arguments(task, name, answered)
        job = submit(frame, task.variant.template, settings=self.settings, **arguments)
        assert isinstance(job, BatchJob)  # one batch: an eval's frame is never split
        return job

    def now(self, data: pd.DataFrame, task: Task, name: str) -> BatchJob:
        from xai_magics.batch.now import NowSettings, submit_now

        answered = self._tell(task, name + NOW_SUFFIX)
        tier = "priority" if task.path == "priority" else None
        # the chat endpoint: its body is the batch's, so both paths ask the same question
        settings = NowSettings(endpoint="chat", tier=tier)
        timings = latency.Latencies()
        try:
            submit_now(
                _own_columns(data, task),
                task.variant.template,
                settings=settings,
                on_answer=timings,
                **self._arguments(task, name, answered),
            )
        finally:  # an interrupted run keeps the timings of the answers it stored
            record = self.store.latest_by_name(name + NOW_SUFFIX, self.where)
            if record is not None:
                latency.save(self.store, record.job_id, timings.seconds)
        assert record is not None  # submit_now recorded it before sending
        return BatchJob(self.store, record, self.client)

    def _tell(self, task: Task, name: str) -> bool:
        """Report the job as sent or attached; whether it was answered already."""
        earlier = self.store.latest_by_name(name, self.where)
        answered = earlier is not None and earlier.finished
        if self.on_job is not None:
            self.on_job(task, "attached" if answered else "sent", name)
        return answered


def _template_columns(task: Task) -> list[str]:
    return list(parse_template(task.variant.template).columns)


def _own_columns(data: pd.DataFrame, task: Task) -> pd.DataFrame:
    """Only the template's columns go to the job (its identity covers only those), so the
    frame's other columns, the expected answers among them, never clash with its output."""
    return data[_template_columns(task) or list(data.columns[:1])]


def _free_output(columns: Sequence[str], schema: type[Any] | None) -> str:
    """The job's output column: ``answer`` unless the template reads a column of that name."""
    for output in ("answer", "eval_answer", "xai_eval_answer"):
        if not any(name in columns for name in output_names(output, schema)):
            break
    return output  # a schema field named as a template column: the job refuses it, clearly


def _pandas(df: Any) -> pd.DataFrame:
    """The eval's frame as pandas (graders and results index rows by position)."""
    if isinstance(df, pd.DataFrame):
        return df.reset_index(drop=True)
    to_pandas = getattr(df, "to_pandas", None)
    if callable(to_pandas):
        frame = to_pandas()
        if isinstance(frame, pd.DataFrame):
            return frame
    raise TypeError(f"an eval takes a pandas, polars or Arrow table, not {type(df).__name__}")


def _graders() -> Any:
    """``evals/graders.py`` (``parse_grader``, ``grade_rows``): imported by name, when used."""
    return importlib.import_module("xai_magics.evals.graders")


def _result_class() -> Any:
    """``evals/result.py``'s ``EvalResult``, imported when a result is made."""
    return importlib.import_module("xai_magics.evals.result").EvalResult
