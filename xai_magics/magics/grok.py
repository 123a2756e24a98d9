"""``%%grok`` / ``%grok``: ask Grok from a cell and watch the answer stream in, with a receipt.

Thin by design: options -> ``xai_magics.api.Grok`` -> ``presenter``. Defaults are traitlets, so
``%config GrokMagics.model = "grok-4.3"`` (or a profile's ipython_config.py) changes them.
"""

from __future__ import annotations

import difflib
import os
import re
import threading
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Enum, Float, Int, Unicode, observe

from xai_magics.magics._typing import argument, magic_arguments
from xai_magics.magics.lazy_session import SessionSource
from xai_magics.magics.options import cell_key, max_cost, split_line
from xai_magics.magics.presenter import present_stream, resolve_mode, retry_line
from xai_magics.templates import TemplateError, interpolate

if TYPE_CHECKING:
    from xai_magics.api import Grok
    from xai_magics.client import Retrying
    from xai_magics.magics.speaking import SpeechPlan
    from xai_magics.result import GrokResult

__all__ = ["GrokMagics"]

_KEY_SHAPED = re.compile(r"xai-[A-Za-z0-9]{20,}")
# xai_magics.spend.limits' SESSION_ENV and DAY_ENV, named here so %load_ext need not import the
# spend package (a test holds them equal)
_BUDGET_ENVS = ("XAI_MAGICS_BUDGET_USD", "XAI_MAGICS_BUDGET_DAY_USD")


@magics_class
class GrokMagics(Magics):
    """Ask Grok from a notebook: ``%%grok`` for a cell, ``%grok`` for one line."""

    model = Unicode("grok-4.3", help="Model used when -m is not given.").tag(config=True)
    api = Enum(["responses", "chat"], "responses", help="Endpoint: responses or chat.").tag(
        config=True
    )
    tier = Enum(
        ["default", "priority"], None, allow_none=True, help="Service tier to ask for."
    ).tag(config=True)
    system = Unicode(
        None, allow_none=True, help="System prompt used when --system is not given."
    ).tag(config=True)
    temperature = Float(None, allow_none=True, help="Sampling temperature.").tag(config=True)
    max_tokens = Int(None, allow_none=True, help="Cap on output tokens.").tag(config=True)
    reasoning_effort = Unicode(None, allow_none=True, help="none, low, medium, high...").tag(
        config=True
    )
    format = Enum(["markdown", "text", "code", "json"], "markdown", help="How answers show.").tag(
        config=True
    )
    display = Enum(
        ["auto", "widget", "text"],
        "auto",
        help="auto: a streaming widget in a kernel, text in a terminal; text: always plain text.",
    ).tag(config=True)
    stream = Bool(True, help="Stream answers (False: wait for the whole answer).").tag(config=True)
    max_updates_per_second = Float(
        5.0,
        help="Cap on live output updates per answer a second (each one costs the browser a "
        "message and a repaint; more than a reader can follow buys nothing).",
    ).tag(config=True)
    live_view_after = Float(
        0.05,
        min=0.0,
        help="Seconds before an answer still streaming gets its live view; one that is done "
        "sooner shows once, complete (0: always show the live view).",
    ).tag(config=True)

    budget_usd = Float(
        None,
        allow_none=True,
        min=0.0,
        help="Most this kernel session may spend, in USD; a call that could pass it is refused "
        "before anything is sent (XAI_MAGICS_BUDGET_USD sets it for every kernel; the lower "
        "applies).",
    ).tag(config=True)
    budget_day_usd = Float(
        None,
        allow_none=True,
        min=0.0,
        help="Most all kernels on this machine may spend today (local time), in USD "
        "(XAI_MAGICS_BUDGET_DAY_USD sets it for every kernel; the lower applies).",
    ).tag(config=True)
    history = Bool(
        True,
        help="Record every call (prompt, answer, usage, cost) in the history file of the data "
        "dir, for %grok_history, %grok_usage --all and threads that outlive the kernel.",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.sessions = SessionSource(on_create=self._give_threads_their_loader)
        self._apply_history()
        # A budget set in the environment shows in the status bar before the first call; the
        # spend package itself is imported only then, so %load_ext stays light.
        if any(os.environ.get(name) for name in _BUDGET_ENVS):
            self._budgets_changed()

    @observe("budget_usd", "budget_day_usd")
    def _budgets_changed(self, change: Any = None) -> None:
        """Hand the budgets to the process's spend guard, which every call passes."""
        from xai_magics.spend import spend_guard

        guard = spend_guard()
        guard.session_usd, guard.day_usd = self.budget_usd, self.budget_day_usd
        guard.changed()

    @observe("history")
    def _history_changed(self, change: Any) -> None:
        self._apply_history()

    def _apply_history(self) -> None:
        from xai_magics.history import recorder

        if self.history:
            recorder.enable()
        else:
            recorder.disable()
        session = self.sessions.made
        if session is not None:
            self._give_threads_their_loader(session)

    def _give_threads_their_loader(self, session: Grok) -> None:
        """Threads continue from the history after a restart, while it is kept."""
        if self.history:
            from xai_magics.history.hooks import restore_thread

            session.threads.loader = restore_thread
        else:
            session.threads.loader = None

    @property
    def session(self) -> Grok:
        """The kernel's session (made on the first call, not at ``%load_ext``)."""
        return self.sessions()

    @property
    def _shell(self) -> Any:
        assert self.shell is not None, "magics are registered with a shell"
        return self.shell

    # -- %%grok / %grok -------------------------------------------------------------------

    @no_var_expand
    @magic_arguments()
    @argument("-m", "--model", help="Model (default: GrokMagics.model, grok-4.3).")
    @argument("--api", choices=["responses", "chat"], help="Endpoint (default: responses).")
    @argument(
        "--tier",
        choices=["default", "priority"],
        help="Service tier to ask for; xAI may serve (and bill) default instead, and the "
        "receipt then says so.",
    )
    @argument(
        "--system",
        metavar="TEXT",
        help="System prompt ({name} interpolation applies unless --raw).",
    )
    @argument("-t", "--temperature", type=float, help="Sampling temperature, 0 to 2.")
    @argument(
        "--max-tokens",
        type=int,
        metavar="N",
        help="Cap on output tokens; xAI documents that on responses reasoning counts too, so "
        "a small cap can leave no answer (said under it).",
    )
    @argument("--reasoning-effort", metavar="LEVEL", help="none, low, medium, high (per model).")
    @argument(
        "--thread",
        metavar="NAME",
        help="Continue the named conversation (after a kernel restart too, from the history).",
    )
    @argument(
        "--new-thread",
        action="store_true",
        help="Start a new conversation (named chat-N); re-running the cell restarts it.",
    )
    @argument("--schema", metavar="NAME", help="A pydantic model in the namespace: parse into it.")
    @argument(
        "-f", "--format", choices=["markdown", "text", "code", "json"], help="How to show it."
    )
    @argument("-o", "--output", metavar="VAR", help="Store the result object in VAR.")
    @argument("--no-stream", action="store_true", help="Wait for the whole answer.")
    @argument("--compare", metavar="M1,M2", help="Ask several models (MODEL@priority) at once.")
    @argument(
        "--max-cost",
        type=max_cost,
        metavar="USD",
        help="Most this cell may spend (all of --compare's answers together): a streamed "
        "answer is stopped at it, marked 'stopped: budget'; anything that could cost more "
        "without a way to stop it is not sent.",
    )
    @argument(
        "--search",
        metavar="web,x",
        help="Let the model search the web and/or X (xAI's server-side tools, Responses); "
        "the answer ends with numbered sources, the receipt counts searches and their cost.",
    )
    @argument(
        "--code",
        action="store_true",
        help="Let the model run code on xAI's servers (code execution tool, Responses).",
    )
    @argument(
        "--tools",
        metavar="F,G",
        help="Let the model call these notebook functions (schema from signature, type hints "
        "and docstring); each call and result is shown, an exception goes back to the model.",
    )
    @argument(
        "--max-turns",
        type=int,
        metavar="N",
        help="With --tools: at most N requests to the model in this cell (default 5).",
    )
    @argument(
        "--image",
        action="append",
        default=[],
        metavar="PATH_OR_URL",
        help="Send an image with the prompt (repeatable): a file (PNG/JPEG; others converted "
        "with Pillow), an https URL, or a notebook variable by {name} in the prompt.",
    )
    @argument("--detail", choices=["low", "high", "auto"], help="Image detail xAI should use.")
    @argument(
        "--dry-run",
        action="store_true",
        help="Show the exact request (images as short placeholders); send nothing.",
    )
    @argument(
        "--deferred",
        action="store_true",
        help="Return at once: the answer fills in when xAI has it, the kernel free meanwhile. "
        "Sent to chat completions (xAI defers only those); %%grok_deferred lists requests and "
        "shows them after a restart.",
    )
    @argument(
        "--raw",
        action="store_true",
        help="Send the prompt (and --system) exactly as written: no {name} interpolation.",
    )
    @argument(
        "--speak",
        nargs="?",
        const="",
        metavar="VOICE",
        help="Speak the answer as it streams (voice: eve, ara, rex, sal, leo; default "
        "TTSMagics.voice). On one line: %%grok --speak rex -- PROMPT.",
    )
    @line_cell_magic
    def grok(self, line: str, cell: str | None = None) -> Any:
        """Ask Grok; ``{name}`` in the prompt is replaced by that variable's value.

        ``%%grok [options]`` then the prompt in the cell, or ``%grok [options] prompt``.
        ``{{name}}`` sends ``{name}`` literally; other braces (code, JSON) are sent as written.
        ``--raw`` sends the text exactly as written, with no interpolation at all.
        Pictures: ``--image PATH_OR_URL`` (repeatable), or ``{name}`` of a matplotlib Figure,
        a PIL image, ``IPython.display.Image``, image bytes or an image file path (it becomes
        ``[image N]`` in the text); PNG/JPEG as they are, other formats converted (Pillow),
        20 MiB at most; ``--dry-run`` shows each as a placeholder (type, size, pixels).
        The cell's value (and ``-o VAR``) is a GrokResult: text, parsed, usage, tier, timings.
        The receipt under the answer names the tier that served it ("asked priority, served
        default" when priority was refused) and what reasoning cost; an answer cut at its
        token cap says so (``incomplete_reason``), and one stopped early is billed by xAI for
        what it generated, so its receipt counts that locally, marked "≈ ... est.".
        Budgets (``%config GrokMagics.budget_usd = 5``, ``budget_day_usd``, or the variables
        XAI_MAGICS_BUDGET_USD / XAI_MAGICS_BUDGET_DAY_USD): a cell that could cost more than is
        left is not sent (one line says what to do), and an answer that reaches it is stopped,
        marked "stopped: budget". ``--max-cost USD`` bounds one cell.
        ``--deferred`` returns at once and fills the answer in when xAI has it, even after a
        kernel restart (``%grok_deferred`` lists and shows deferred requests).
        ``--search web,x`` and ``--code`` let the model use xAI's server-side search and code
        tools (Responses): a collapsed Tools block shows what it does, the answer ends with its
        numbered sources (linked only when http(s)), and the receipt counts the calls, sources
        and their cost. ``--tools f,g`` lets it call notebook functions (described from their
        signatures, type hints and docstrings); each call and result is shown, an exception
        goes back to the model as an error, and ``--max-turns N`` (default 5) caps the loop.
        Tab completes the options and their values (models, tiers, threads, schemas, tools).
        Without XAI_API_KEY, the first call asks for it in a hidden prompt.
        """
        if _KEY_SHAPED.search(line) or (cell and _KEY_SHAPED.search(cell)):
            # Checked before parsing: argparse would echo an unknown "--api-key xai-..." back.
            raise UsageError(
                "This cell holds what looks like an xAI API key; nothing was sent. The notebook "
                "and IPython's history keep cell text: remove it, revoke the key at "
                "https://console.x.ai, and set XAI_API_KEY in the environment instead."
            )
        parser = self.grok.parser  # type: ignore[misc, union-attr]
        argv, rest = split_line(line, parser)
        args = parser.parse_args(argv)
        if cell is None:
            template = rest
        elif rest.strip():
            raise UsageError(
                f"Unexpected text on the %%grok line: {rest.strip()!r}. "
                "Put the prompt in the cell body (or quote option values)."
            )
        else:
            template = cell
        # IPython adds a newline to a cell body; blank lines around a prompt carry no meaning.
        template = template.strip("\r\n")
        if not template.strip():
            raise UsageError("Nothing to ask: write the prompt after %grok or in the cell body.")
        if args.output is not None and not args.output.isidentifier():
            raise UsageError(f"-o {args.output}: not a valid variable name.")
        if args.thread and args.new_thread:
            raise UsageError("Use either --thread NAME or --new-thread, not both.")
        if args.compare and (args.thread or args.new_thread):
            raise UsageError("--compare asks each model once, outside threads: drop --thread.")

        from xai_magics.magics.key_prompt import ask_for_missing_key
        from xai_magics.magics.tool_options import tool_overrides
        from xai_magics.request import PromptRefused
        from xai_magics.result import extract_code

        speech = self._speech_plan(args.speak) if args.speak is not None else None
        if speech is not None and args.compare:
            raise UsageError("--speak speaks one answer: drop --compare (or --speak).")

        pictures: list[Any] = []  # {name} of a Figure, PIL/IPython image or image path
        fill = (lambda text: text) if args.raw else (lambda text: self._fill(text, pictures))
        prompt = fill(template)
        system = fill(args.system) if args.system is not None else self.system
        images = self._images(args.image, pictures, args.detail)
        schema = self._schema(args.schema) if args.schema else None
        fmt = args.format or ("json" if schema is not None else self.format)
        overrides: dict[str, Any] = {
            "model": args.model or self.model,
            "api": args.api or self.api,
            "tier": args.tier or self.tier,
            "system": system,
            "temperature": args.temperature if args.temperature is not None else self.temperature,
            "max_tokens": args.max_tokens if args.max_tokens is not None else self.max_tokens,
            "reasoning_effort": args.reasoning_effort or self.reasoning_effort,
            "schema": schema,
            "thread": args.thread,
            "new_thread": args.new_thread,
            "turn_key": cell_key(self._shell, line, cell),
            "max_cost": args.max_cost,
            **tool_overrides(args, self._shell.user_ns, args.api or self.api),
            "images": images,
        }
        if args.deferred:
            from xai_magics.magics.deferred import ask_deferred

            return ask_deferred(self, args, prompt, overrides, fmt)
        try:
            if args.dry_run:
                self._show_dry_run(prompt, overrides, args.compare)
                return None
            ask_for_missing_key()
            if args.compare:
                results = self._compare(prompt, overrides, args.compare, fmt)
                self._store(args.output, results)
                return None
            result = self._ask(
                prompt, overrides, fmt, stream=self.stream and not args.no_stream, speech=speech
            )
        except PromptRefused as exc:
            raise UsageError(str(exc)) from None
        if fmt == "code" and result.ok:
            self._shell.set_next_input(extract_code(result.text), replace=False)
        self._store(args.output, result)
        if result.status == "error":
            raise UsageError(result.error or "the request failed")
        return result

    def _explain(self, result: GrokResult, model: str, *, use: str = "use -m {}") -> None:
        """Add the next step to a failed result's error, where the magic knows better.

        ``use`` says how this cell would ask another model (``-m``, or in ``--compare``).
        """
        message = result.error
        if result.status != "error" or not message:
            return
        facts = message.rfind(" (HTTP ")
        cut = facts if facts >= 0 else len(message)
        if result.error_type == "AuthenticationError":
            from xai_magics.magics.key_prompt import forget_rejected_key

            result.error = message + forget_rejected_key()
        elif result.error_type == "ModelDeprecatedError":
            # xAI: 404 "The model X was deprecated on D ... Please use Y instead." Its words,
            # then the flag to change; no closest-name guess, which could name X itself.
            from xai_magics.client.errors import deprecated_model

            retired = deprecated_model(message)
            instead = retired[2] if retired else None
            hint = f"{model} is deprecated" + (f": {use.format(instead)}" if instead else "")
            text = message[:cut].split(". Ask for a current model")[0].rstrip(".")
            result.error = f"{hint} (%grok_models lists the models). {text}.{message[cut:]}"
        elif result.error_type == "BadRequestError" and "Model not found" in message:
            # xAI: 400 "Model not found: NAME". The closest known name, before the facts.
            close = difflib.get_close_matches(model, self.session.known_models(), n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            hint += " %grok_models lists the models."
            result.error = message[:cut] + hint + message[cut:]

    # -- helpers --------------------------------------------------------------------------

    def _images(self, given: list[str], pictures: list[Any], detail: str | None) -> Any:
        from xai_magics.images.prompt import ImageError, collect

        try:
            return collect(given, pictures, detail)  # type: ignore[arg-type]
        except ImageError as exc:
            raise UsageError(f"--image: {exc}") from None

    def _fill(self, template: str, pictures: list[Any] | None = None) -> str:
        from xai_magics.images.prompt import ImageError, picture_text
        from xai_magics.templates import format_value

        ns = self._shell.user_ns
        hidden = self._shell.user_ns_hidden

        def lookup(name: str) -> object:
            return ns[name]

        def candidates() -> list[str]:
            return [n for n in ns if not n.startswith("_") and n not in hidden]

        to_text = format_value if pictures is None else picture_text(pictures, format_value)
        try:
            return interpolate(
                template, lookup, candidates=candidates, to_text=to_text, where="the notebook"
            )
        except TemplateError as exc:
            raise UsageError(str(exc)) from None
        except ImageError as exc:
            raise UsageError(f"Image in the prompt: {exc}") from None

    def _schema(self, name: str) -> Any:
        from xai_magics.request import is_model_class

        value = self._shell.user_ns.get(name)
        if value is None:
            raise UsageError(
                f"--schema {name}: no such name in the notebook; define the model first."
            )
        if not is_model_class(value):
            raise UsageError(
                f"--schema {name}: expected a pydantic model class, got {type(value).__name__}."
            )
        return value

    def _speech_plan(self, voice: str) -> SpeechPlan:
        if getattr(self._shell, "kernel", None) is None:
            raise UsageError("--speak plays audio in a notebook; use %grok_tts in a terminal.")
        from xai_magics.magics.speaking import plan_speech
        from xai_magics.speech import SpeechInputError

        tts = self._shell.magics_manager.registry.get("TTSMagics")
        try:
            return plan_speech(
                voice or getattr(tts, "voice", "eve"), getattr(tts, "language", "en")
            )
        except SpeechInputError as exc:
            hint = " On one line, end the options with --: %grok --speak -- PROMPT."
            raise UsageError(f"--speak: {exc}{hint}") from None

    def _ask(
        self,
        prompt: str,
        overrides: dict[str, Any],
        fmt: str,
        *,
        stream: bool,
        speech: SpeechPlan | None = None,
    ) -> GrokResult:
        mode = resolve_mode(self._shell, self.display)
        if stream:
            answer = self.session.stream(prompt, **overrides)
            result = present_stream(
                answer,
                mode=mode,
                fmt=fmt,
                max_rate=self.max_updates_per_second,
                live_view_after_s=self.live_view_after,
                speech=speech,
            )
        else:
            status = _StatusLine(mode)
            try:
                result = self.session.ask(
                    prompt,
                    stream=False,
                    on_retry=status.retrying,
                    on_tool=lambda event: status.show(event.line),
                    **overrides,
                )
            except KeyboardInterrupt:
                status.replace({"text/plain": ""}, {})
                raise UsageError("Stopped before the answer arrived.") from None
            if result.status != "error" or result.text:
                data, meta = result.mime_bundle(fmt)
                if not status.replace(data, meta):
                    self._show(data, meta, mode=mode)
            else:  # the error is raised as one line; the retry notice goes
                status.replace({"text/plain": ""}, {})
            if speech is not None and result.text:
                from xai_magics.magics.speaking import SpokenAnswer

                spoken = SpokenAnswer(speech, show_player=mode == "widget")
                spoken.feed(result.text)
                spoken.finish()
                result.speech = spoken.result
        self._explain(result, overrides["model"])
        result.shown_in = self._shell.execution_count
        return result

    def _compare(
        self, prompt: str, overrides: dict[str, Any], spec: str, fmt: str
    ) -> list[GrokResult]:
        from xai_magics.magics.session import aligned_table
        from xai_magics.render import render_columns, text_table

        specs = [s for s in (p.strip() for p in spec.split(",")) if s]
        if len(specs) < 2:
            raise UsageError("--compare needs at least two models: --compare grok-4.3,grok-4.5")
        overrides = {k: v for k, v in overrides.items() if k not in ("model", "tier", "turn_key")}
        mode = resolve_mode(self._shell, self.display)
        asking = f"Asking {', '.join(specs)}…"
        status = _StatusLine(mode)
        if mode != "terminal":
            status.show(asking)

        def retrying(spec: str, notice: Retrying) -> None:
            status.show(f"{asking} {spec}: {retry_line(notice)}")

        try:
            results = self.session.compare(prompt, specs, on_retry=retrying, **overrides)
        except KeyboardInterrupt:
            status.replace({"text/plain": "Comparison stopped."}, {})
            raise UsageError("Stopped; the comparison was abandoned.") from None
        columns = []
        plain = []
        for label, result in zip(specs, results, strict=True):
            self._explain(result, label.partition("@")[0], use="ask {} in --compare")
            data, _ = result.mime_bundle(fmt)
            columns.append((label, data["text/html"]))
            plain.append(f"== {label} ==\n{data['text/plain']}")
        meta = {
            "xai_magics": {
                "compare": [r.receipt.to_metadata() if r.receipt else None for r in results]
            }
        }
        headers, rows = compare_summary(specs, results)
        bundle = {
            "text/html": aligned_table(headers, rows, align="llrrrrrrll") + render_columns(columns),
            "text/plain": text_table(headers, rows) + "\n\n" + "\n\n".join(plain),
        }
        if not status.replace(bundle, meta):
            self._show(bundle, meta, mode=mode)
        return results

    def _show_dry_run(self, prompt: str, overrides: dict[str, Any], compare: str | None) -> None:
        from xai_magics.render import escape

        runs = [overrides]
        if compare:
            from xai_magics.request import parse_spec

            runs = [{**overrides, **parse_spec(s)} for s in compare.split(",") if s.strip()]
        dry_runs = [self.session.dry_run(prompt, **run) for run in runs]
        header = "Dry run: nothing was sent."
        shell_note = "The same request from a shell (the key is read from $XAI_API_KEY):"
        plain = [header]
        # margin:0 keeps it flush with the cell's other outputs (Lab indents a bare <pre>).
        html = [f'<pre style="margin:0">{escape(header)}</pre>']
        for dry in dry_runs:
            plain += [str(dry), f"{shell_note}\n{dry.curl()}"]
            html.append(
                f'<pre style="margin:1em 0 0">{escape(str(dry))}</pre>'
                f"<details><summary>{escape(shell_note)}</summary>"
                f'<pre style="margin:0">{escape(dry.curl())}</pre></details>'
            )
        bundle = {"text/plain": "\n\n".join(plain), "text/html": "".join(html)}
        self._show(bundle, {}, mode=resolve_mode(self._shell, self.display))

    def _show(self, data: dict[str, str], meta: dict[str, Any], *, mode: str) -> None:
        if mode == "terminal":
            print(data["text/plain"])
            return
        from IPython.display import display

        display(data, metadata=meta, raw=True)  # type: ignore[no-untyped-call]

    def _store(self, name: str | None, value: object) -> None:
        if name:
            self._shell.user_ns[name] = value


def compare_summary(
    specs: list[str], results: list[GrokResult]
) -> tuple[list[str], list[list[object]]]:
    """One row per model asked, so latency, tokens and cost can be read across at a glance."""
    # Figures first: a narrow notebook scrolls this table, and they are what is compared.
    headers = [
        "asked",
        "tier",
        "first token",
        "total",
        "in",
        "out",
        "reasoning",
        "cost",
        "served by",
        "status",
    ]
    rows: list[list[object]] = []
    for spec, result in zip(specs, results, strict=True):
        r = result.receipt
        if r is None or result.status == "error":
            rows.append([spec, "", "", "", "", "", "", "", "", result.status])
            continue
        rows.append(
            [
                spec,
                r.tier_label,
                f"{r.ttft_s:.2f} s" if r.ttft_s is not None else "",
                f"{r.elapsed_s:.2f} s" if r.elapsed_s is not None else "",
                f"{r.input_tokens:,}",
                f"{r.output_tokens:,}",
                f"{r.reasoning_tokens:,}",
                r.cost_text,
                r.model or "",
                _status_word(result),
            ]
        )
    return headers, rows


def _status_word(result: GrokResult) -> str:
    """``completed``, ``stopped``, or ``incomplete (max_output_tokens)``: what the column says."""
    if result.incomplete_reason:
        return f"{result.status} ({result.incomplete_reason})"
    return result.status


class _StatusLine:
    """A transient line ("retrying in 2.0 s ...") in the cell, replaced later by the answer.

    Nothing is shown until there is something to say, so an answer that needs no retry is
    still the cell's one output. Retry notices of ``--compare`` come from its worker threads.
    """

    def __init__(self, mode: str) -> None:
        self._mode = mode
        self._handle: Any = None
        self._lock = threading.Lock()

    def retrying(self, notice: Retrying) -> None:
        self.show(retry_line(notice))

    def show(self, line: str) -> None:
        if self._mode == "terminal":
            print(f"[{line}]", flush=True)
            return
        from IPython.display import display

        data = {"text/plain": line}
        with self._lock:
            if self._handle is None:
                self._handle = display(data, raw=True, display_id=True)  # type: ignore[no-untyped-call]
            else:
                self._handle.update(data, raw=True)

    def replace(self, data: dict[str, str], meta: dict[str, Any]) -> bool:
        """Put ``data`` where the line is; False when no line was shown."""
        with self._lock:
            if self._handle is None:
                return False
            self._handle.update(data, metadata=meta, raw=True)
            return True
