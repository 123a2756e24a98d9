"""``%grok_models``, ``%grok_usage`` and ``%grok_thread``: what is available, spent and said."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand

from xai_magics.api import Grok
from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.usage import format_usd

__all__ = ["SessionMagics"]


def _per_million(ticks: Any) -> str:
    # ticks per token * 1e6 tokens / 1e10 ticks per USD
    try:
        return f"${int(ticks) / 1e4:.2f}"
    except (TypeError, ValueError):
        return "?"


@magics_class
class SessionMagics(Magics):
    """Models, spend and conversations of this session."""

    def __init__(self, shell: Any = None, *, session: Grok | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session = session if session is not None else Grok()

    @property
    def _shell(self) -> Any:
        assert self.shell is not None, "magics are registered with a shell"
        return self.shell

    @line_magic
    def grok_models(self, line: str) -> None:
        """List the language models the API offers, with prices per million tokens."""
        from xai_magics.client import XAIError

        try:
            models = self.session.models()
        except XAIError as exc:
            raise UsageError(str(exc)) from None
        headers = ["model", "input /M", "cached /M", "output /M", "aliases"]
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
        self._table(headers, rows)

    @no_var_expand
    @magic_arguments()
    @argument("--clear", action="store_true", help="Forget the calls recorded so far.")
    @argument("--calls", action="store_true", help="List every call, not totals by model.")
    @line_magic
    def grok_usage(self, line: str) -> None:
        """Calls, tokens and cost of this session, by model."""
        args = parse_argstring(self.grok_usage, line)  # type: ignore[misc]
        ledger = self.session.ledger
        if args.clear:
            ledger.clear()
            print("Usage ledger cleared.")
            return
        if args.calls:
            headers = ["model", "tier", "status", "in", "cached", "out", "reasoning", "cost", "s"]
            rows: list[list[object]] = [
                [
                    r.model or r.model_requested,
                    r.tier or "",
                    r.status,
                    r.input_tokens,
                    r.cached_input_tokens,
                    r.output_tokens,
                    r.reasoning_tokens,
                    format_usd(r.cost_usd),
                    f"{r.elapsed_s:.2f}" if r.elapsed_s is not None else "",
                ]
                for r in ledger.receipts
            ]
        else:
            headers = ["model", "calls", "in", "cached", "out", "reasoning", "cost"]
            rows = [
                [
                    t.model,
                    t.calls,
                    t.input_tokens,
                    t.cached_input_tokens,
                    t.output_tokens,
                    t.reasoning_tokens,
                    format_usd(t.cost_usd),
                ]
                for t in ledger.by_model()
            ]
            rows.append(["total", ledger.calls, "", "", "", "", format_usd(ledger.spend_usd)])
        self._table(headers, rows)

    @no_var_expand
    @magic_arguments()
    @argument("name", nargs="?", help="Show this thread's turns.")
    @argument("--reset", action="store_true", help="Forget the thread (all threads if no NAME).")
    @line_magic
    def grok_thread(self, line: str) -> None:
        """List conversations, show one (``%grok_thread NAME``) or forget it (``--reset``)."""
        args = parse_argstring(self.grok_thread, line)  # type: ignore[misc]
        threads = self.session.threads
        if args.reset:
            gone = threads.reset(args.name)
            if args.name and not gone:
                raise UsageError(f"No thread named {args.name!r}; see %grok_thread.")
            print(f"Forgot {len(gone)} thread(s): {', '.join(gone) or '-'}")
            return
        if args.name is None:
            rows: list[list[object]] = []
            for name in threads.names():
                t = threads.get(name)
                if t is not None:
                    last = t.turns[-1].model if t.turns else ""
                    rows.append([name, len(t.turns), last or ""])
            if not rows:
                print("No threads yet: use %%grok --thread NAME or --new-thread.")
                return
            self._table(["thread", "turns", "last model"], rows)
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

    def _table(self, headers: list[str], rows: list[list[object]]) -> None:
        from xai_magics.render import render_table, text_table

        self._display(
            {"text/html": render_table(headers, rows), "text/plain": text_table(headers, rows)}
        )

    def _display(self, data: dict[str, str]) -> None:
        if getattr(self._shell, "kernel", None) is None:
            print(data["text/plain"])
            return
        from IPython.display import display

        display(data, raw=True)  # type: ignore[no-untyped-call]
