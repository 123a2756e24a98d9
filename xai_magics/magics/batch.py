"""``%grok_batch``: label a whole DataFrame with one xAI batch job, results back as columns.

    %grok_batch reviews --prompt "Classify the sentiment of: {review}" --output sentiment
    %grok_batch reviews --prompt "..." --now [--tier priority] [--concurrency N]
    %grok_batch --list | --attach NAME_OR_ID | --cancel NAME_OR_ID | --retry-failed NAME_OR_ID

The job is named after the frame's variable (plus ``.COLUMN`` for ``--output``), so re-running the
cell, even after a kernel restart, re-attaches to the batch it already submitted. ``--now``
answers every row at once instead (one realtime request per row, at the list price), storing
each answer as it arrives: running the cell again sends only the rows still without one.
Everything here calls ``xai_magics.batch``; the magic only parses options and shows progress.
"""

from __future__ import annotations

import shlex
import sys
import threading
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from traitlets import Int, Unicode

from xai_magics.client.errors import AuthenticationError, XAIError
from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.magics.key_prompt import ask_for_missing_key, forget_rejected_key
from xai_magics.magics.options import max_cost
from xai_magics.request import is_model_class

__all__ = ["BatchMagics"]


@magics_class
class BatchMagics(Magics):
    """DataFrame batch jobs on xAI's Batch API."""

    model = Unicode("grok-4.3", help="Model used when -m is not given.").tag(config=True)
    chunk_rows = Int(10_000, help="Requests per add-requests call (also bounded by 25 MB).").tag(
        config=True
    )
    batch_rows = Int(
        100_000,
        help="Most rows per batch (xAI may throttle larger ones): more become several batches.",
    ).tag(config=True)
    data_dir = Unicode(
        "", help="Job store folder; empty means $XAI_MAGICS_DATA_DIR or the user data dir."
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._jobs: dict[str, Any] = {}
        # id of a job -> the execution count of the cell that showed its widget
        self._shown_in: dict[int, int] = {}
        if shell is not None:
            # a job as a cell's value is its live widget, not a repr frozen at "running 0/N"
            # (by name: %load_ext does not import the batch package)
            shows = shell.display_formatter.ipython_display_formatter
            for module, name in (
                ("xai_magics.batch.job", "BatchJob"),
                ("xai_magics.batch.split", "SplitJob"),
            ):
                shows.for_type_by_name(module, name, self._display_job)
            shows.for_type_by_name("xai_magics.batch.api", "DryRun", self._display_once)
            shows.for_type_by_name("xai_magics.batch.now.api", "NowDryRun", self._display_once)

    @no_var_expand
    @magic_arguments()
    @argument(
        "frame",
        nargs="?",
        help="Name of the DataFrame variable (pandas, polars, pyarrow), or of a lazy input: a "
        "polars LazyFrame, DuckDB relation, Dask DataFrame, Arrow reader or iterable of dicts.",
    )
    @argument(
        "--prompt",
        "-p",
        help="Template over columns: {column}, {[column with spaces]}, {{ }} for braces.",
    )
    @argument("--system", metavar="TEXT", help="System prompt sent with every request.")
    @argument("-m", "--model", help="Model (default: BatchMagics.model, grok-4.3).")
    @argument(
        "--name",
        help="Job name (default: the frame's name, e.g. reviews; with --output COL, reviews.COL).",
    )
    @argument(
        "--output", default="answer", metavar="COLUMN", help="Answer column (default answer)."
    )
    @argument(
        "--schema", metavar="NAME", help="A pydantic model in the namespace: one column per field."
    )
    @argument("--max-tokens", type=int, metavar="N", help="Cap on output tokens per row.")
    @argument(
        "--max-cost",
        type=max_cost,
        metavar="USD",
        help="Most this batch may cost: priced on submit (at the batch rate, output at "
        "--max-tokens), it is not created when it could cost more (nor past the budget).",
    )
    @argument(
        "--image-column",
        metavar="COLUMN",
        help="Send each row's image with its prompt: a path, an https URL or bytes (rows with "
        "a missing or unreadable image are skipped, with the reason).",
    )
    @argument("--detail", choices=["low", "high", "auto"], help="Image detail for --image-column.")
    @argument("--wait", action="store_true", help="Block until done and return the frame.")
    @argument(
        "--to",
        metavar="PATH",
        help="Folder for a lazy input's results (a Parquet dataset; default: the job's folder).",
    )
    @argument(
        "--now",
        action="store_true",
        help="Answer now: one realtime request per row (list price), paced to the rate limits; "
        "returns the frame. Re-running sends only rows without an answer.",
    )
    @argument(
        "--tier",
        choices=["default", "priority"],
        help="With --now: service tier to ask for (priority is billed above default).",
    )
    @argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="With --now: at most N requests at once (default 16, at most 32).",
    )
    @argument(
        "--api", choices=["responses", "chat"], help="With --now: endpoint (default responses)."
    )
    @argument("--dry-run", action="store_true", help="Show rows, requests, cost; send nothing.")
    @argument("--new", action="store_true", help="Submit a new batch even if this job exists.")
    @argument(
        "--list",
        action="store_true",
        help="Table of recent batch jobs: created, state, rows, counts by status, cost, server.",
    )
    @argument(
        "--attach", metavar="NAME_OR_ID", help="Follow an earlier job (also after a restart)."
    )
    @argument("--cancel", metavar="NAME_OR_ID", help="Cancel a job's batch.")
    @argument("--retry-failed", metavar="NAME_OR_ID", help="Resubmit only the failed rows.")
    @line_magic
    def grok_batch(self, line: str) -> Any:
        """Submit one request per DataFrame row as an xAI batch; results come back as columns.

        Columns: COLUMN (or the --schema fields), COLUMN_status (ok, error, cancelled, expired,
        skipped, missing), COLUMN_error, COLUMN_input_tokens, COLUMN_output_tokens (reasoning
        included), COLUMN_reasoning_tokens, COLUMN_cost_usd. With --now the same
        columns come back at once; rows not sent when it was stopped are cancelled until the
        cell runs again. --dry-run with --now compares its price and time with the batch's.
        Rows with a missing or empty cell, a lone surrogate or an oversize prompt are skipped
        with a reason, not sent.
        Without --wait the cell returns at once with a live widget; when the batch ends, the
        widget's clock stops and it shows the billed cost, the line that gets the results
        (results = %grok_batch --attach NAME --wait) and the first rows. --list is a table of
        the recent jobs (created, state, rows by status, cost, server).
        A frame that already has one of these columns is refused: choose another --output.
        A new batch is priced on submit; one that could cost more than --max-cost or the budget
        left (GrokMagics.budget_usd, budget_day_usd) is not created.
        ``--image-column COL`` sends each row's picture (path, URL or bytes) with its prompt;
        a row whose picture is missing or unreadable is skipped with the reason.
        A lazy input (polars LazyFrame, DuckDB relation, Dask DataFrame) is never collected: only
        the template's columns are read, block by block; its results go to a Parquet dataset
        (--to PATH) and come back as the same kind of lazy object, joined by row position. An
        Arrow reader or an iterable of dicts gives an Arrow reader of the results (xai_row first).
        More than BatchMagics.batch_rows rows (100,000) are sent as several batches under one job,
        followed, cancelled (--cancel NAME) and attached (--attach NAME) together.
        """
        args = parse_argstring(self.grok_batch, line)  # type: ignore[misc]
        try:
            if args.list:
                return self._list()
            if not args.dry_run:
                ask_for_missing_key()
            # a job name with spaces ("reviews (retry 1)") comes quoted, as the widget writes it
            if args.cancel:
                return self._cancel(_unquote(args.cancel))
            if args.attach:
                job = self._job(_unquote(args.attach), args.frame)
                return self._follow(job, wait=args.wait, to=args.to)
            if args.retry_failed:
                job = self._job(_unquote(args.retry_failed), args.frame)
                frame = self._frame(args.frame) if args.frame else None
                return self._follow(job.retry_failed(frame), wait=args.wait, to=args.to)
            if args.now:
                if args.image_column or args.to:
                    raise UsageError("--image-column and --to go with a batch, not --now")
                return self._now(args)
            if args.tier or args.concurrency is not None or args.api:
                raise UsageError("--tier, --concurrency and --api go with --now")
            return self._submit(args)
        except UsageError:
            raise
        except AuthenticationError as exc:
            raise UsageError(str(exc) + forget_rejected_key()) from None
        except (ValueError, LookupError, TypeError, RuntimeError, XAIError) as exc:
            # every one of these messages says what to do next; a traceback adds nothing
            raise UsageError(str(exc)) from None

    def _submit(self, args: Any) -> Any:
        from xai_magics.batch import DryRun

        frame, name = self._frame_and_name(args)
        from xai_magics.widgets.batch_progress import BatchProgress

        progress = BatchProgress()
        try:
            result = self._send(args, frame, name, progress.show_and_update)
        except KeyboardInterrupt:
            progress.stop_clock()
            print(
                f"Stopped while sending {name!r}. Run the cell again to resume: requests that "
                "already reached xAI are checked, none is added twice.",
                file=sys.stderr,
            )
            return None
        if isinstance(result, DryRun):
            self._show_once(result)  # shown even when assigned; as the value, not again
            return result
        self._jobs[result.name] = result
        return self._follow(result, wait=args.wait, progress=progress, to=args.to)

    def _now(self, args: Any) -> Any:
        """``--now``: every row answered in this cell, with the batch's progress widget."""
        from xai_magics.batch.now import NowSettings, submit_now
        from xai_magics.widgets.batch_progress import BatchProgress

        frame, name = self._frame_and_name(args)
        if args.concurrency is not None and not 1 <= args.concurrency <= 32:
            raise UsageError("--concurrency takes 1 to 32 requests at once")
        settings = NowSettings(
            endpoint=args.api or "responses",
            tier=args.tier,
            max_concurrency=args.concurrency or NowSettings().max_concurrency,
        )
        stop = threading.Event()
        # the rows hold the cell, so a button's click would arrive only after them: the
        # kernel's interrupt stops the run instead (answers so far are kept)
        progress = BatchProgress(stop.set, stop_hint=NOW_STOP_HINT)
        try:
            result = submit_now(
                frame,
                **self._job_options(args, name),
                settings=settings,
                on_progress=None if args.dry_run else progress.show_and_update,
                stop=stop,
                max_cost=args.max_cost,
            )
        except KeyboardInterrupt:
            progress.stop_clock()
            print(
                f"Stopped {name!r}: every answer that arrived is stored. Run the cell again to "
                "send only the rows still without one.",
                file=sys.stderr,
            )
            return None
        if args.dry_run:
            self._show_once(result)
        return result

    def _frame_and_name(self, args: Any) -> tuple[Any, str]:
        if not args.frame:
            raise UsageError('Name the DataFrame: %grok_batch df --prompt "...{column}..."')
        if not args.prompt:
            raise UsageError('Give the prompt: --prompt "Classify the sentiment of: {review}"')
        frame = self._frame(args.frame)
        name = args.name or (
            args.frame if args.output == "answer" else f"{args.frame}.{args.output}"
        )
        return frame, name

    def _send(self, args: Any, frame: Any, name: str, on_progress: Any) -> Any:
        from xai_magics.batch import JobSettings, submit

        return submit(
            frame,
            **self._job_options(args, name),
            settings=JobSettings(chunk_rows=self.chunk_rows, batch_rows=self.batch_rows),
            on_progress=None if args.dry_run else on_progress,
            max_cost=args.max_cost,
            image_column=args.image_column,
            image_detail=args.detail,
            to=args.to,
        )

    def _job_options(self, args: Any, name: str) -> dict[str, Any]:
        """What a batch and ``--now`` both take from the line."""
        return {
            "prompt": _unquote(args.prompt),
            "model": args.model or self.model,
            "system": _unquote(args.system) if args.system else None,
            "max_tokens": args.max_tokens,
            "schema": self._schema(args.schema) if args.schema else None,
            "output": args.output,
            "name": name,
            "new": args.new,
            "dry_run": args.dry_run,
            "data_dir": self.data_dir or None,
        }

    def _follow(self, job: Any, *, wait: bool, progress: Any = None, to: str | None = None) -> Any:
        """Show live progress; with ``wait``, block and return the frame with its new columns."""
        from xai_magics.widgets.batch_progress import BatchProgress

        self._jobs[job.name] = job
        if progress is None:
            progress = BatchProgress()
            job.subscribe(progress.show_and_update)
        progress.on_cancel(job.cancel)
        job.subscribe(_status_feed)
        self._shown_in[id(job)] = self._execution_count()  # the widget above is its value
        if not wait:
            job.subscribe(_results_when_finished(job, progress))
            progress.show_text(job.snapshot)
            return job
        try:
            snapshot = job.wait()
        except KeyboardInterrupt:
            progress.show_text(job.snapshot)
            print(
                f"Stopped waiting; batch {job.batch_id} keeps running. "
                f"%grok_batch --attach {job.name} follows it again.",
                file=sys.stderr,
            )
            return job
        progress.show_text(snapshot)
        if job.inputs is None:
            return job
        return job.results(to=to)

    def _display_job(self, job: Any) -> None:
        """A job shown as a cell's value: its live widget, unless this cell shows it already."""
        from xai_magics.widgets.batch_progress import BatchProgress

        if self._shown_in.get(id(job)) == self._execution_count():
            return
        progress = BatchProgress(job.cancel)
        job.subscribe(_results_when_finished(job, progress))  # a finished job's: shown at once
        job.subscribe(progress.show_and_update)
        progress.show_text(job.snapshot)
        self._shown_in[id(job)] = self._execution_count()

    def _show_once(self, value: Any) -> None:
        """Display ``value`` now; as this cell's value it is then not displayed again."""
        from IPython.display import display

        display(value._repr_mimebundle_(), raw=True)  # type: ignore[no-untyped-call]
        self._shown_in[id(value)] = self._execution_count()

    def _display_once(self, value: Any) -> None:
        if self._shown_in.get(id(value)) != self._execution_count():
            self._show_once(value)

    def _execution_count(self) -> int:
        return int(getattr(self.shell, "execution_count", 0) or 0)

    def _cancel(self, name_or_id: str) -> None:
        from xai_magics.widgets.batch_progress import describe

        job = self._job(name_or_id)
        snapshot = job.cancel()
        print(
            f"Cancel sent for batch {job.batch_id}. Finished rows keep their results; the rest "
            f"end cancelled.\n{describe(snapshot)}"
        )

    def known_jobs(self) -> list[str]:
        """Names of the jobs this session submitted or attached (for tab completion)."""
        return list(self._jobs)

    def _job(self, name_or_id: str, frame_name: str | None = None) -> Any:
        from xai_magics.batch import attach

        frame = self._frame(frame_name) if frame_name else None
        known = self._jobs.get(name_or_id)
        if known is not None and frame is None:
            return known
        return attach(name_or_id, frame, data_dir=self.data_dir or None)

    def _list(self) -> None:
        from IPython.display import display

        from xai_magics.batch import list_jobs
        from xai_magics.batch.listing import job_table
        from xai_magics.batch.store import open_store
        from xai_magics.render import render_table, text_table

        jobs = list_jobs(self.data_dir or None)
        if not jobs:
            print("No batch jobs yet.")
            return
        table = job_table(open_store(self.data_dir or None), jobs)
        bundle = {
            "text/plain": text_table(table.headers, table.rows),
            "text/html": render_table(table.headers, table.rows),
        }
        display(bundle, raw=True)  # type: ignore[no-untyped-call]

    def _frame(self, name: str) -> Any:
        namespace = self.shell.user_ns if self.shell is not None else {}
        if name not in namespace:
            close = [n for n in namespace if n.lower() == name.lower()]
            hint = f" Did you mean {close[0]}?" if close else ""
            raise UsageError(f"{name}: no such variable in the notebook.{hint}")
        return namespace[name]

    def _schema(self, name: str) -> Any:
        value = self.shell.user_ns.get(name) if self.shell is not None else None
        if not is_model_class(value):
            raise UsageError(f"--schema {name}: expected a pydantic model class in the notebook.")
        return value


NOW_STOP_HINT = (
    "To stop: interrupt the kernel (■). Answers so far are kept; running the cell again sends "
    "only the rows without one."
)


def results_call(job: Any) -> tuple[str, str]:
    """The line that gets a job's results as a frame, and a note on it (what the finished
    widget says)."""
    name = job.name if _plain_word(job.name) else shlex.quote(job.name)
    if job.inputs is None:  # attached without its frame: the frame must be named again
        return f"results = %grok_batch FRAME --attach {name} --wait", "FRAME: the frame it ran on"
    return f"results = %grok_batch --attach {name} --wait", ""


def _plain_word(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c in "._-" for c in text)


def _results_when_finished(job: Any, progress: Any) -> Any:
    """A listener that, once ``job`` has finished, puts its results line and first rows in
    ``progress`` (once; from the poller's thread, as the job ends)."""
    from xai_magics.batch.preview import preview

    done = threading.Event()

    def listener(snapshot: Any) -> None:
        if not snapshot.finished or done.is_set():
            return
        done.set()
        try:
            first_rows = preview(job)
        except (ValueError, LookupError, TypeError, OSError, RuntimeError):
            first_rows = None  # the way to the results is still worth showing
        how, note = results_call(job)
        progress.show_results(snapshot, how, first_rows, note)

    return listener


def _unquote(text: str) -> str:
    """Option values keep their text; surrounding quotes left by the line splitter go."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _status_feed(snapshot: Any) -> None:
    """Report the job to JupyterLab's status bar while it runs."""
    from xai_magics import status

    if not snapshot.batch_id:
        return
    if snapshot.finished:
        status.batch_finished(snapshot.batch_id)
    else:
        status.batch_progress(
            {
                "name": snapshot.name,
                "id": snapshot.batch_id,
                "done": snapshot.done,
                "total": snapshot.total,
            }
        )
