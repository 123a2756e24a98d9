"""``%grok_models``, ``%grok_usage`` and ``%grok_thread``: what is available, spent and said."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand

from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.magics.key_prompt import ask_for_missing_key, forget_rejected_key
from xai_magics.magics.lazy_session import SessionSource

if TYPE_CHECKING:
    from xai_magics.api import Grok

__all__ = ["SessionMagics"]


def _per_million(ticks: Any) -> str:
    # ticks per token * 1e6 tokens / 1e10 ticks per USD
    try:
        return f"${int(ticks) / 1e4:.2f}"
    except (TypeError, ValueError):
        return "?"


_TOKEN_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens")
_TOKEN_HEADERS = ("in", "cached", "out", "reasoning")
_ESTIMATE_NOTE = (
    "≈ … est.: counted here, not reported by xAI (an answer stopped or cut before its usage "
    "arrived is still billed for what was generated); included in cost. Reasoning is counted "
    "from what was shown of it (on Responses, a summary), so the bill can be higher."
)


#: a warning stands out in any theme: bold, with the theme's own warning colour where it has one
_WARNING_STYLE = "font-weight:bold;color:var(--jp-warn-color0, #b35900)"


def _budgets() -> list[Any]:
    """The budgets in force with what is spent of each (``xai_magics.spend``)."""
    from xai_magics.spend import spend_guard

    try:
        return spend_guard().uses()
    except ValueError as exc:  # a budget variable that is not a number
        raise UsageError(str(exc)) from None


def _tokens(count: int, *, estimated: bool) -> str:
    return f"≈{count:,}" if estimated and count else f"{count:,}"


def _estimated(usd: float) -> str:
    """The estimated part of a cost, or "-" when all of it was reported by the server."""
    from xai_magics.usage import format_usd

    return f"≈{format_usd(usd)}" if usd else "-"


def aligned_table(
    headers: list[str], rows: list[list[object]], *, align: str, total_row: bool = False
) -> str:
    """An HTML table, every cell escaped, names left and figures right-aligned in even digits.

    ``align`` has one letter per column (``l`` or ``r``): JupyterLab right-aligns every cell of
    an output table, which makes lists of names hard to scan. Styles are inline because a saved
    notebook has no stylesheet of ours; theme colours are inherited, never set.
    """

    def cell(tag: str, value: object, column: int, extra: str = "") -> str:
        side = "right" if align[column] == "r" else "left"
        style = f"text-align:{side};white-space:nowrap;font-variant-numeric:tabular-nums{extra}"
        return f'<{tag} style="{style}">{escape(str(value))}</{tag}>'

    head = "".join(cell("th", h, i) for i, h in enumerate(headers))
    body = []
    for n, row in enumerate(rows):
        last = total_row and n == len(rows) - 1
        extra = ";font-weight:bold;border-top:1px solid" if last else ""
        body.append("<tr>" + "".join(cell("td", c, i, extra) for i, c in enumerate(row)) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    # Cells never wrap ("0.48 s" split over two lines reads as two numbers); a narrow notebook
    # scrolls the table sideways instead.
    return f'<div style="overflow-x:auto">{table}</div>'


@magics_class
class SessionMagics(Magics):
    """Models, spend and conversations of this session."""

    def __init__(
        self, shell: Any = None, *, sessions: SessionSource | None = None, **kwargs: Any
    ) -> None:
        super().__init__(shell=shell, **kwargs)
        self.sessions = sessions if sessions is not None else SessionSource()

    @property
    def session(self) -> Grok:
        return self.sessions()

    @property
    def _shell(self) -> Any:
        assert self.shell is not None, "magics are registered with a shell"
        return self.shell

    @magic_arguments()
    @line_magic
    def grok_models(self, line: str) -> None:
        """List the language models the API offers, with prices per million tokens."""
        from xai_magics.client import AuthenticationError, XAIError

        parse_argstring(self.grok_models, line)  # type: ignore[misc]  # no options: a typo errs

        ask_for_missing_key()
        try:
            models = self.session.models()
        except AuthenticationError as exc:
            raise UsageError(str(exc) + forget_rejected_key()) from None
        except XAIError as exc:
            raise UsageError(str(exc)) from None
        headers = ["model", "input", "cached input", "output", "aliases"]
        rows: list[list[object]] = [
            [
                str(m.id),
                _per_million(getattr(m, "prompt_text_token_price", None)),
                _per_million(getattr(m, "cached_prompt_text_token_price", None)),
                _per_million(getattr(m, "completion_text_token_price", None)),
                ", ".join(str(a) for a in (getattr(m, "aliases", None) or ())),
            ]
            for m in models
        ]
        self._table(headers, rows, align="lrrrl", note="Prices in USD per million tokens.")

    @no_var_expand
    @magic_arguments()
    @argument(
        "--clear", action="store_true", help="Forget this session's calls (the history keeps them)."
    )
    @argument("--calls", action="store_true", help="List every call, not totals by model.")
    @argument(
        "--all",
        action="store_true",
        help="Every recorded call of every session (the history), by model and by day.",
    )
    @argument("--since", metavar="DATE", help="Recorded calls from DATE on (YYYY-MM-DD), as --all.")
    @line_magic
    def grok_usage(self, line: str) -> None:
        """Requests, tiers, tokens, cost and what the prompt cache saved in this session, by
        model. Answers stopped before their usage came are counted locally, marked "≈ est.".
        With a budget in force, spend against it first ("$3.10 of $5.00"), a warning from 80%;
        --clear clears the table, not the budget.

        ``--all`` and ``--since DATE`` sum the history of every session instead."""
        from xai_magics.usage import format_usd

        args = parse_argstring(self.grok_usage, line)  # type: ignore[misc]
        if args.all or args.since:
            from xai_magics.magics.history import recorded_usage

            for data in recorded_usage(args.since):
                self._display(data)
            return
        ledger = self.session.ledger
        if args.clear:
            ledger.clear()
            print("Usage ledger cleared." + (" Budgets still count it." if _budgets() else ""))
            return
        self._show_budgets()
        if args.calls:
            headers = ["model", "tier", "status", "requests", *_TOKEN_HEADERS, "cost", "time"]
            rows: list[list[object]] = [
                [
                    r.model or r.model_requested,
                    r.tier_label,
                    r.status,
                    f"{r.requests:,}",
                    *(_tokens(getattr(r, f), estimated=r.estimated) for f in _TOKEN_FIELDS),
                    r.cost_text,
                    f"{r.elapsed_s:.2f} s" if r.elapsed_s is not None else "",
                ]
                for r in ledger.receipts
            ]
            if not rows:
                print("No calls yet in this session.")
                return
            self._table(headers, rows, align="lllrrrrrrr", note=_ESTIMATE_NOTE)
            return
        totals = ledger.by_model()
        if not totals:
            print("No calls yet in this session.")
            return
        headers = [
            "model",
            "requests",
            "tier",
            *_TOKEN_HEADERS,
            "reasoning cost",
            "estimated",
            "cost",
            "cache saved",
        ]
        saved = [self._cache_saving(t.model, t.cached_input_tokens) for t in totals]
        rows = [
            [
                t.model,
                t.calls,
                t.tier_text,
                *(f"{getattr(t, field):,}" for field in _TOKEN_FIELDS),
                format_usd(t.reasoning_cost_usd),
                _estimated(t.estimated_usd),
                format_usd(t.cost_usd),
                format_usd(s) if s is not None else "?",
            ]
            for t, s in zip(totals, saved, strict=True)
        ]
        rows.append(
            [
                "total",
                ledger.calls,
                "",
                *(f"{sum(getattr(t, field) for t in totals):,}" for field in _TOKEN_FIELDS),
                format_usd(sum(t.reasoning_cost_usd for t in totals)),
                _estimated(ledger.estimated_usd),
                format_usd(ledger.spend_usd),
                format_usd(sum(s for s in saved if s is not None)),
            ]
        )
        self._table(
            headers,
            rows,
            align="lrlrrrrrrrr",
            total_row=True,
            note="reasoning cost: reasoning is billed at the output rate; it is part of cost. "
            "cache saved: what the cached input tokens would have cost more at the "
            "model's full input price (? where the price is not known). " + _ESTIMATE_NOTE,
        )

    def _show_budgets(self) -> None:
        """One line per budget in force ("$3.10 of $5.00"), a warning from 80% on."""
        uses = _budgets()
        if not uses:
            return
        plain = "\n".join(u.line() for u in uses)
        html = "".join(
            f'<div style="{_WARNING_STYLE if u.warning else ""}">{escape(u.line())}</div>'
            for u in uses
        )
        self._display({"text/html": html, "text/plain": plain})

    def _cache_saving(self, model: str, cached_tokens: int) -> float | None:
        prices = self.session.prices_for(model)
        if prices is None:
            return None
        return cached_tokens * (prices.input - prices.cached_input) / 1e10

    @no_var_expand
    @magic_arguments()
    @argument("name", nargs="?", help="Show this thread's turns.")
    @argument(
        "--reset",
        action="store_true",
        help="Forget the thread (all threads if no NAME), in later kernels too.",
    )
    @line_magic
    def grok_thread(self, line: str) -> None:
        """List conversations, show one (``%grok_thread NAME``) or forget it (``--reset``).

        With history on, the list holds this notebook's threads from earlier kernels too, and
        ``%%grok --thread NAME`` continues any of them."""
        args = parse_argstring(self.grok_thread, line)  # type: ignore[misc]
        from xai_magics.history.hooks import note_thread_start, stored_thread_names
        from xai_magics.usage import format_usd

        threads = self.session.threads
        # This session's threads, then this notebook's from the history (earlier kernels').
        names = list(dict.fromkeys([*threads.names(), *stored_thread_names()]))
        if args.reset:
            for name in names if args.name is None else [args.name]:
                threads.get(name)  # a recorded thread is loaded, so that it can be forgotten
            gone = threads.reset(args.name)
            if args.name and not gone:
                raise UsageError(f"No thread named {args.name!r}; see %grok_thread.")
            for name in gone:
                note_thread_start(name)  # a later kernel must not bring it back
            print(f"Forgot {len(gone)} thread(s): {', '.join(gone) or '-'}")
            return
        if args.name is None:
            rows: list[list[object]] = []
            for name in names:
                t = threads.get(name)
                if t is not None:
                    last = t.turns[-1].model if t.turns else ""
                    context = t.context_tokens
                    size = f"{context:,}" if context is not None else "?"
                    rows.append([name, len(t.turns), size, format_usd(t.cost_usd), last or ""])
            if not rows:
                print("No threads yet: use %%grok --thread NAME or --new-thread.")
                return
            self._table(
                ["thread", "turns", "context tokens", "cost", "last model"],
                rows,
                align="lrrrl",
                note="Context: the input tokens the next turn carries before its own prompt. "
                "Cost: the turns still in the thread.",
            )
            return
        thread = threads.get(args.name)
        if thread is None:
            raise UsageError(f"No thread named {args.name!r}; see %grok_thread.")
        parts = []
        for i, turn in enumerate(thread.turns, 1):
            quoted = "\n".join("> " + line for line in turn.prompt.splitlines())
            parts.append(f"**{i}. You**\n\n{quoted}\n\n**Grok**\n\n{turn.answer}")
        from xai_magics.render import render_bundle

        data = render_bundle("\n\n---\n\n".join(parts) or "(no turns yet)")
        self._display(data)

    def _table(
        self,
        headers: list[str],
        rows: list[list[object]],
        *,
        align: str,
        total_row: bool = False,
        note: str = "",
    ) -> None:
        from xai_magics.render import text_table

        plain = text_table(headers, rows) + (f"\n\n{note}" if note else "")
        html = aligned_table(headers, rows, align=align, total_row=total_row)
        if note:
            html += f'<div style="opacity:0.7;font-size:0.9em">{escape(note)}</div>'
        self._display({"text/html": html, "text/plain": plain})

    def _display(self, data: dict[str, str]) -> None:
        if getattr(self._shell, "kernel", None) is None:
            print(data["text/plain"])
            return
        from IPython.display import display

        display(data, raw=True)  # type: ignore[no-untyped-call]
