"""``%grok_history``: the calls of every session, kept in the data dir, listed and searched.

Reads the store the recorder writes (flushed first, so the call just made is there); works
with recording off too, on what was recorded before.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand

from xai_magics.history.queries import Call, Filter, call, calls, parse_day
from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.usage import format_usd

if TYPE_CHECKING:
    from xai_magics.history.store import HistoryStore

__all__ = ["HistoryMagics", "history_store"]

LIST_LIMIT = 20
_PREVIEW = 60


def history_store() -> HistoryStore:
    """The store, with every queued call written; a one-line ``UsageError`` when unusable."""
    from xai_magics.history import recorder
    from xai_magics.history.store import HistoryUnavailable, open_history

    active = recorder.active()
    try:
        if active is None:
            return open_history()
        active.flush()
        if active.error:
            print(f"History: {active.error}", file=sys.stderr)
            active.error = None
        return active.store()
    except HistoryUnavailable as exc:
        raise UsageError(f"The history cannot be read: {exc}") from None


def _day(text: str, option: str) -> float:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise UsageError(f"{option} {exc}") from None


def _preview(text: str | None) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= _PREVIEW else line[: _PREVIEW - 1] + "…"


def _cost(c: Call) -> str:
    text = format_usd(c.cost_usd)
    return f"≈{text}" if c.estimated and c.cost_usd is not None else text


@magics_class
class HistoryMagics(Magics):
    """Every recorded call, across sessions and notebooks."""

    @property
    def _shell(self) -> Any:
        assert self.shell is not None, "magics are registered with a shell"
        return self.shell

    @no_var_expand
    @magic_arguments()
    @argument("--search", metavar="TEXT", help="Only calls whose prompt or answer holds TEXT.")
    @argument("--notebook", action="store_true", help="Only calls made in this notebook.")
    @argument("--since", metavar="DATE", help="Only calls from DATE on (YYYY-MM-DD).")
    @argument(
        "--limit",
        type=int,
        metavar="N",
        help=f"At most N calls, newest first (default {LIST_LIMIT}; all of them with -o/--frame).",
    )
    @argument(
        "--show", type=int, metavar="ID", help="Show one call whole: prompt, answer, receipt."
    )
    @argument("-o", "--output", metavar="VAR", help="Store the calls in VAR as a DataFrame.")
    @argument("--frame", action="store_true", help="Return the calls as a DataFrame.")
    @argument(
        "--clear", action="store_true", help="Forget the recorded calls (older ones: --before)."
    )
    @argument("--before", metavar="DATE", help="With --clear: only calls before DATE (YYYY-MM-DD).")
    @line_magic
    def grok_history(self, line: str) -> Any:
        """List the calls recorded by every kernel (newest first), search them, show one whole,
        or take them as a DataFrame (pandas, else polars) for analysis.

        Every ``%%grok``/``%grok`` call, each ``--compare`` column, ``%grok_tts`` clip and
        batch job is recorded in ``history.sqlite3`` in the data dir (``$XAI_MAGICS_DATA_DIR``
        or the user data dir; readable by you alone): time, notebook and cell, server, model,
        tier asked and served, prompt, answer, tokens, cost, ids, timings, outcome. Never the
        key. ``%config GrokMagics.history = False`` stops recording.
        """
        args = parse_argstring(self.grok_history, line)  # type: ignore[misc]
        if args.output is not None and not args.output.isidentifier():
            raise UsageError(f"-o {args.output}: not a valid variable name.")
        if args.before is not None and not args.clear:
            raise UsageError("--before DATE goes with --clear: %grok_history --clear --before DATE")
        if args.limit is not None and args.limit < 1:
            raise UsageError("--limit N takes a positive number.")
        store = history_store()
        if args.clear:
            before = _day(args.before, "--before") if args.before else None
            gone = store.clear(before)
            when = f" from before {args.before}" if args.before else ""
            print(f"Forgot {gone:,} recorded call(s){when}.")
            return None
        if args.show is not None:
            found = call(store, args.show)
            if found is None:
                raise UsageError(f"No call #{args.show} in the history; %grok_history lists them.")
            self._display(_call_bundle(found))
            return None
        which = self._filter(args)
        if args.output or args.frame:
            from xai_magics.history.frame import NoFrameLibrary, to_frame

            try:
                frame = to_frame(calls(store, which, args.limit))
            except NoFrameLibrary as exc:
                raise UsageError(str(exc)) from None
            if args.output:
                self._shell.user_ns[args.output] = frame
            return frame if args.frame else None
        found_calls = calls(store, which, args.limit or LIST_LIMIT)
        if not found_calls:
            print("No recorded calls" + (" match." if which != Filter() else " yet."))
            return None
        self._display(_list_bundle(found_calls))
        return None

    def _filter(self, args: Any) -> Filter:
        from xai_magics.history.where import notebook_path

        notebook = notebook_path(self._shell) if args.notebook else None
        return Filter(
            search=args.search,
            notebook=notebook,
            without_notebook=args.notebook and notebook is None,
            since=_day(args.since, "--since") if args.since else None,
        )

    def _display(self, data: dict[str, str]) -> None:
        if getattr(self._shell, "kernel", None) is None:
            print(data["text/plain"])
            return
        from IPython.display import display

        display(data, raw=True)  # type: ignore[no-untyped-call]


def _list_bundle(found: list[Call]) -> dict[str, str]:
    from xai_magics.magics.session import aligned_table
    from xai_magics.render import text_table

    headers = ["id", "when", "notebook", "model", "outcome", "in", "out", "cost", "prompt"]
    rows: list[list[object]] = [
        [
            c.id,
            c.when.strftime("%Y-%m-%d %H:%M"),
            os.path.basename(c.notebook) if c.notebook else "-",
            c.model or c.model_requested,
            c.outcome,
            f"{c.input_tokens:,}",
            f"{c.output_tokens:,}",
            _cost(c),
            _preview(c.prompt),
        ]
        for c in found
    ]
    note = "%grok_history --show ID shows one call whole."
    return {
        "text/html": aligned_table(headers, rows, align="rllllrrrl")
        + f'<div style="opacity:0.7;font-size:0.9em">{note}</div>',
        "text/plain": text_table(headers, rows) + f"\n\n{note}",
    }


def _call_bundle(c: Call) -> dict[str, str]:
    """One call whole: its facts in a table, the prompt as written, the answer rendered."""
    from xai_magics.magics.session import aligned_table
    from xai_magics.render import escape, render_bundle, text_table

    tier = c.tier or ""
    if c.tier_requested and c.tier_requested != c.tier:
        tier = f"asked {c.tier_requested}, served {c.tier or 'not reported'}"
    tokens = f"{c.input_tokens:,} in · {c.output_tokens:,} out"
    if c.reasoning_tokens:
        tokens += f" · {c.reasoning_tokens:,} reasoning"
    if c.cached_input_tokens:
        tokens += f" · {c.cached_input_tokens:,} cached"
    timing = " · ".join(
        f"{name} {value:.2f} s"
        for name, value in (("first token", c.ttft_s), ("total", c.elapsed_s))
        if value is not None
    )
    facts = [
        ("when", c.when.strftime("%Y-%m-%d %H:%M:%S")),
        ("notebook", c.notebook or "-"),
        ("cell", c.cell_id or "-"),
        ("server", c.server or "-"),
        ("kind", c.kind),
        ("model", c.model or f"{c.model_requested} (asked)"),
        ("tier", tier or "-"),
        ("thread", c.thread or "-"),
        ("outcome", c.outcome + (f" ({c.status})" if c.status and c.status != "completed" else "")),
        ("tokens", tokens + (f" · {c.requests:,} requests" if c.requests > 1 else "")),
        ("cost", _cost(c)),
        ("time", timing or "-"),
        ("response id", c.response_id or "-"),
    ]
    if c.error:
        facts.append(("error", c.error))
    rows: list[list[object]] = [[name, value] for name, value in facts]
    title = f"Call #{c.id}"
    answer = render_bundle(c.answer or "", reasoning=c.reasoning or "")
    system = f"System: {c.system}\n\n" if c.system else ""
    prompt = f"{system}{c.prompt}"
    return {
        "text/html": aligned_table([title, ""], rows, align="ll")
        + f'<div><strong>Prompt</strong></div><pre style="white-space:pre-wrap">'
        f"{escape(prompt)}</pre><div><strong>Answer</strong></div>" + answer["text/html"],
        "text/plain": f"{text_table([title, ''], rows)}\n\nPrompt:\n{prompt}\n\n"
        f"Answer:\n{answer['text/plain']}",
    }


def recorded_usage(since: str | None) -> list[dict[str, str]]:
    """``%grok_usage --all`` / ``--since``: the history summed by model (a table) and by day
    (a bar chart as SVG, with text bars for terminals and plain-text readers)."""
    from xai_magics.history.chart import svg_bars, text_bars
    from xai_magics.history.queries import sums_by
    from xai_magics.magics.session import aligned_table
    from xai_magics.render import text_table

    which = Filter(since=_day(since, "--since") if since else None)
    store = history_store()
    models = sums_by(store, "model", which)
    span = f"since {since}" if since else "in every session"
    if not models:
        return [{"text/plain": f"No recorded calls {span}."}]
    headers = ["model", "requests", "in", "cached", "out", "reasoning", "estimated", "cost"]
    figures = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens")

    def row(key: str, group: list[Any]) -> list[object]:
        estimated = sum(s.estimated_usd for s in group)
        return [
            key,
            f"{sum(s.requests for s in group):,}",
            *(f"{sum(getattr(s, f) for s in group):,}" for f in figures),
            f"≈{format_usd(estimated)}" if estimated else "-",
            format_usd(sum(s.cost_usd for s in group)),
        ]

    rows = [row(s.key, [s]) for s in models] + [row("total", models)]
    unknown = sum(s.unknown_cost for s in models)
    note = f"Recorded calls {span}, by model; estimated: counted here (stopped answers)."
    if unknown:
        note += f" {unknown:,} call(s) with no known cost are not in the cost."
    table = {
        "text/html": aligned_table(headers, rows, align="lrrrrrrr", total_row=True)
        + f'<div style="opacity:0.7;font-size:0.9em">{note}</div>',
        "text/plain": text_table(headers, rows) + f"\n\n{note}",
    }
    days = sums_by(store, "day", which)
    labels = [s.key for s in days]
    values = [s.cost_usd for s in days]
    notes = [f"{format_usd(s.cost_usd)} · {s.requests:,} requests" for s in days]
    title = f"Cost by day ({span})"
    chart = {
        "image/svg+xml": svg_bars(labels, values, notes, title=title),
        "text/plain": f"{title}\n{text_bars(labels, values, notes)}",
    }
    return [table, chart]
