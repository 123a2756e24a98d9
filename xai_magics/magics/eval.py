"""``%grok_eval``: prompt and model variants over a labelled DataFrame, graded, on a leaderboard.

    %grok_eval quiz --prompt "What is {question}?" --expected answer --models grok-4.3,grok-4.20
    %grok_eval quiz --prompts terse,stepwise --expected answer --grader number --repeats 3 -o res

Everything here calls ``xai_magics.evals.run``; the magic parses options, names the eval after
the frame's variable (so re-running the cell attaches to the same jobs) and reports each job.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from traitlets import Unicode

from xai_magics.client.errors import AuthenticationError, XAIError
from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.magics.batch import _unquote
from xai_magics.magics.key_prompt import ask_for_missing_key, forget_rejected_key
from xai_magics.request import is_model_class

__all__ = ["EvalMagics"]


@magics_class
class EvalMagics(Magics):
    """Exploratory evals over xAI's batch (or realtime) API."""

    model = Unicode("grok-4.3", help="Model used when --models is not given.").tag(config=True)
    data_dir = Unicode(
        "", help="Job store folder; empty means $XAI_MAGICS_DATA_DIR or the user data dir."
    ).tag(config=True)

    @no_var_expand
    @magic_arguments()
    @argument("frame", nargs="?", help="Name of the DataFrame variable (pandas, polars, Arrow).")
    @argument(
        "--prompt",
        "-p",
        help="Template over columns, as in %%grok_batch: {column}, {[column with spaces]}.",
    )
    @argument(
        "--prompts",
        metavar="NAME1,NAME2",
        help="Variables holding more templates: each is a variant, named after its variable.",
    )
    @argument("--expected", metavar="COLUMN", help="Column with the right answer of each row.")
    @argument(
        "--models",
        metavar="M1,M2@priority",
        help="Models to compare (default EvalMagics.model); MODEL@priority asks for the "
        "priority tier, answered in real time (batches have no tier).",
    )
    @argument(
        "--grader",
        default="exact",
        metavar="SPEC",
        help="exact (normalised), contains, number[:TOL], regex:PATTERN, json:FIELD, "
        "judge[:MODEL] (an LLM with a rubric, its cost counted) or python:FUNC "
        "(f(answer, expected, row) -> bool | float). Default exact.",
    )
    @argument("--repeats", type=int, default=1, metavar="K", help="Answers per row (default 1).")
    @argument(
        "--now",
        action="store_true",
        help="Answer in real time (list price) instead of as batches.",
    )
    @argument("--batch", action="store_true", help="Answer as batches (the default, cheapest).")
    @argument(
        "--schema", metavar="NAME", help="A pydantic model: structured answers (grade json:FIELD)."
    )
    @argument("--name", help="Eval name (default: the frame's name); its jobs are named after it.")
    @argument(
        "--dry-run",
        action="store_true",
        help="Show requests and estimated cost by path (batch, now, priority); send nothing.",
    )
    @argument("-o", "--output", metavar="VAR", help="Keep the EvalResult in this variable.")
    @line_magic
    def grok_eval(self, line: str) -> Any:
        """Run prompt and model variants over a labelled DataFrame; grade and compare them.

        Variants are every model (--models, with @priority for the priority tier) crossed with
        every template (--prompt, named default, and --prompts). Each variant answers every row
        --repeats times (repeat k sends seed k), as one batch job each (the default) or --now.
        The cell waits for the batches, with a progress bar each; interrupting (■) stops only
        the waiting: the batches keep running, and running the cell again picks them up.
        Each bar's text form ends as its job ended: what a notebook without widgets shows.
        Re-running the cell attaches to the same jobs and sends nothing; changing one variant
        runs only that variant. Shown: the leaderboard (accuracy with its 95% Wilson interval,
        cost, cost per correct answer, tokens, latency for --now, and the tier served when a
        @priority variant was not served priority on every row: "asked priority, served default
        3/30"), the significance of the top two, a chart of accuracy against cost with the
        Pareto front, and the rows where the top two disagree. -o VAR keeps the EvalResult:
        .leaderboard, .rows (with reasoning_tokens and tier_served), .compare(a, b),
        .disagreements(a, b). The same from Python: xai_magics.evals.run(df, ...).
        """
        args = parse_argstring(self.grok_eval, line)  # type: ignore[misc]
        try:
            return self._run(args)
        except UsageError:
            raise
        except AuthenticationError as exc:
            raise UsageError(str(exc) + forget_rejected_key()) from None
        except KeyboardInterrupt:
            print(
                "Stopped. Run the cell again: jobs already sent are attached and answers kept, "
                "nothing is sent twice.",
                file=sys.stderr,
            )
            return None
        except (ValueError, LookupError, TypeError, RuntimeError, XAIError) as exc:
            # every one of these messages says what to do next; a traceback adds nothing
            raise UsageError(str(exc)) from None

    def _run(self, args: Any) -> Any:
        from xai_magics.evals.runner import run

        if not args.frame:
            raise UsageError(
                'Name the DataFrame: %grok_eval df --prompt "...{column}..." --expected COLUMN'
            )
        if not args.expected:
            raise UsageError("Give the column with the right answers: --expected COLUMN")
        if args.now and args.batch:
            raise UsageError("Choose one of --now and --batch")
        namespace = self.shell.user_ns if self.shell is not None else {}
        if args.frame not in namespace:
            raise UsageError(f"{args.frame}: no such variable in the notebook.")
        if not args.dry_run:
            ask_for_missing_key()
        report = _Report()
        progress = _Progress()
        try:
            result = run(
                namespace[args.frame],
                prompt=_unquote(args.prompt) if args.prompt else None,
                expected=args.expected,
                models=args.models,
                prompts=args.prompts,
                grader=_unquote(args.grader),
                repeats=args.repeats,
                mode="now" if args.now else "batch",
                schema=self._schema(args.schema) if args.schema else None,
                name=args.name or args.frame,
                dry_run=args.dry_run,
                namespace=namespace,
                judge=self._judge(args.grader),
                data_dir=self.data_dir or None,
                on_job=None if args.dry_run else report,
                progress=None if args.dry_run else progress,
            )
        finally:
            progress.settle()
        if args.output:
            namespace[args.output] = result
        if args.dry_run:
            print(result.summary())
            return None
        print(report.summary())
        return result

    def _judge(self, grader: str) -> Any:
        """A judge grader's settings: this session's ``Grok`` (its key, server and ledger, so
        the judge's calls show in %grok_usage); None for other graders (or no session)."""
        if not _unquote(grader).strip().lower().startswith("judge"):
            return None
        grok = self.shell.magics_manager.registry.get("GrokMagics") if self.shell else None
        try:
            judge = importlib.import_module("xai_magics.evals.judge")
        except ImportError:
            return None  # parse_grader says what is missing
        return judge.JudgeSettings(grok=grok.session) if grok is not None else None

    def _schema(self, name: str) -> Any:
        value = self.shell.user_ns.get(name) if self.shell is not None else None
        if not is_model_class(value):
            raise UsageError(f"--schema {name}: expected a pydantic model class in the notebook.")
        return value


EVAL_STOP_HINT = (
    "To stop waiting: interrupt the kernel (■). Batches keep running and answers are kept; "
    "running the cell again attaches to them and sends nothing twice."
)


class _Progress:
    """Each job's progress bar while the cell waits; once it is done with them (or stopped),
    each bar's plain-text form is brought up to its job's last state, so a notebook saved or
    converted without widget state says what ran, not how the job started."""

    def __init__(self) -> None:
        self._bars: list[tuple[Any, list[Any]]] = []

    def __call__(self, task: Any) -> Any:
        from xai_magics.widgets.batch_progress import BatchProgress

        bar = BatchProgress(stop_hint=EVAL_STOP_HINT)
        latest: list[Any] = []

        def listen(snapshot: Any) -> None:
            latest[:] = [snapshot]
            bar.show_and_update(snapshot)

        self._bars.append((bar, latest))
        return listen

    def settle(self) -> None:
        """From the cell's own thread: the display updates reach this cell's outputs."""
        for bar, latest in self._bars:
            bar.stop_clock()
            if latest:
                bar.show_text(latest[0])


class _Report:
    """One line per job as it is attached or sent, then the tally."""

    def __init__(self) -> None:
        self.sent = 0
        self.attached = 0

    def __call__(self, task: Any, what: str, name: str) -> None:
        if what == "attached":
            self.attached += 1
        else:
            self.sent += 1
        verb = "already answered" if what == "attached" else f"sending ({task.path})"
        print(f"{task.variant.name} r{task.repeat}: {verb}", flush=True)

    def summary(self) -> str:
        return (
            f"{self.sent + self.attached} jobs: {self.sent} sent, "
            f"{self.attached} already answered (nothing sent for those)."
        )
