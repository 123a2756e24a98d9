"""``%%grok --deferred`` and ``%grok_deferred``: answers that arrive later, even after a restart.

Thin, as the other magics: options -> ``xai_magics.deferred.Deferrals`` -> ``Placeholder``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from traitlets import Float

from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.magics.key_prompt import ask_for_missing_key, forget_rejected_key
from xai_magics.magics.lazy_session import SessionSource
from xai_magics.magics.presenter import resolve_mode

if TYPE_CHECKING:
    from xai_magics.api import Grok
    from xai_magics.deferred import Deferrals
    from xai_magics.deferred.store import DeferredRecord

__all__ = ["DeferredMagics", "ask_deferred"]

#: options of %%grok that a deferred request cannot honour, and why
_NOT_WITH_DEFERRED = {
    "compare": "--compare asks several models at once and waits",
    "thread": "a deferred answer is not part of a thread",
    "new_thread": "a deferred answer is not part of a thread",
    "speak": "--speak speaks an answer as it streams",
    "schema": "--schema parses the answer as it arrives",
    "dry_run": "--dry-run sends nothing, so there is nothing to defer",
}
_VIA_CHAT = "(Sent to chat completions: xAI defers only those.)"


def ask_deferred(magics: Any, args: Any, prompt: str, overrides: dict[str, Any], fmt: str) -> None:
    """``%%grok --deferred``: send, store the id, show a placeholder, return at once."""
    for name, why in _NOT_WITH_DEFERRED.items():
        value = getattr(args, name, None)
        if value not in (None, False):
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} does not go with --deferred: {why}. Drop one of them.")
    if args.api == "responses":
        raise UsageError(
            "--deferred works on chat completions only (xAI has no deferred Responses): "
            "use --api chat, or leave --api out."
        )
    shell = magics.shell
    deferred = shell.magics_manager.registry.get("DeferredMagics")
    if deferred is None:
        raise UsageError("--deferred needs %load_ext xai_magics (it registers %grok_deferred).")
    ask_for_missing_key()
    from xai_magics.client import AuthenticationError, XAIError
    from xai_magics.deferred.placeholder import Placeholder
    from xai_magics.deferred.store import StoreError
    from xai_magics.request import PromptRefused

    unused = ("thread", "new_thread", "turn_key", "schema")
    asked = {k: v for k, v in overrides.items() if k not in unused}
    try:
        answer = deferred.deferrals().ask(prompt, format=fmt, **asked)
    except (PromptRefused, StoreError) as exc:
        raise UsageError(str(exc)) from None
    except AuthenticationError as exc:
        raise UsageError(f"Not sent: {exc}{forget_rejected_key()}") from None
    except XAIError as exc:
        raise UsageError(f"The deferred request was not sent: {exc}") from None
    note = _VIA_CHAT if overrides.get("api") != "chat" else ""
    Placeholder(answer, mode=resolve_mode(shell, magics.display), note=note).show()
    if args.output:
        shell.user_ns[args.output] = answer
    return None


@magics_class
class DeferredMagics(Magics):
    """Deferred answers: ``%grok_deferred`` lists them and shows one, after a restart too."""

    poll_first = Float(1.0, min=0.01, help="Seconds before a deferred answer is first polled.").tag(
        config=True
    )
    poll_max = Float(
        15.0, min=0.01, help="Longest wait between polls of a deferred answer, in seconds."
    ).tag(config=True)

    def __init__(
        self, shell: Any = None, *, sessions: SessionSource | None = None, **kwargs: Any
    ) -> None:
        super().__init__(shell=shell, **kwargs)
        self.sessions = sessions if sessions is not None else SessionSource()
        self._deferrals: Deferrals | None = None

    @property
    def session(self) -> Grok:
        return self.sessions()

    @property
    def _shell(self) -> Any:
        assert self.shell is not None, "magics are registered with a shell"
        return self.shell

    def deferrals(self) -> Deferrals:
        """The session's deferred requests (the store is opened on first use)."""
        from xai_magics.deferred import Deferrals
        from xai_magics.deferred.store import StoreError

        if self._deferrals is None:
            try:
                self._deferrals = Deferrals(self.session)
            except StoreError as exc:
                raise UsageError(f"{exc} Nothing was sent.") from None
        poller = self._deferrals.poller
        poller.first_s, poller.max_s = self.poll_first, self.poll_max
        return self._deferrals

    def known_requests(self) -> list[str]:
        """Short ids of the stored requests, newest first, for Tab (nothing is sent)."""
        from xai_magics.deferred.api import short_id
        from xai_magics.deferred.store import StoreError, open_store

        try:
            store = self._deferrals.store if self._deferrals is not None else open_store()
            return [short_id(r.request_id) for r in store.records()]
        except StoreError:
            return []

    @no_var_expand
    @magic_arguments()
    @argument(
        "request",
        nargs="?",
        metavar="ID",
        help="A request id, or its first characters, as the list shows them.",
    )
    @argument(
        "-o",
        "--output",
        metavar="VAR",
        help="Store the result in VAR: the GrokResult once the answer is there, else the "
        "DeferredAnswer (its .result() waits); without ID, the list.",
    )
    @argument("--wait", action="store_true", help="With ID: wait here for the answer.")
    @argument(
        "--forget",
        action="store_true",
        help="Remove ID from the store (without ID: every request that has ended).",
    )
    @line_magic
    def grok_deferred(self, line: str) -> Any:
        """List deferred requests (``%%grok --deferred``), or show one by ID.

        Without ID: the requests made with this server and key, newest first, each pending,
        arrived, expired or failed; pending ones are followed again in the background (after a
        kernel restart too), and their answers are stored as they arrive.
        With ID: the answer (from the store, without asking xAI again), or a placeholder that
        fills in when it comes; an expired or failed request is said in one line.
        xAI keeps a deferred answer 24 h and gives it out once; the store keeps it for good.
        """
        args = parse_argstring(self.grok_deferred, line)  # type: ignore[misc]
        if args.output is not None and not args.output.isidentifier():
            raise UsageError(f"-o {args.output}: not a valid variable name.")
        if args.forget:
            return self._forget(args.request)
        ask_for_missing_key()
        if args.request is None:
            if args.wait:
                raise UsageError("--wait waits for one request: give its ID.")
            return self._list(args.output)
        return self._one(args.request, args.output, wait=args.wait)

    def _one(self, request: str, output: str | None, *, wait: bool) -> Any:
        from xai_magics.deferred import DeferredError
        from xai_magics.deferred.api import end_line
        from xai_magics.deferred.placeholder import Placeholder
        from xai_magics.deferred.poller import elsewhere

        deferrals = self.deferrals()
        try:
            record = deferrals.find(request)
        except DeferredError as exc:
            raise UsageError(str(exc)) from None
        if record.state in ("expired", "failed"):
            raise UsageError(end_line(record))
        if record.state == "pending" and record.where != deferrals.here():
            raise UsageError(end_line(record, elsewhere(record.where, deferrals.here())))
        answer = deferrals.attach(record.request_id)
        mode = resolve_mode(self._shell, "auto")
        placeholder = Placeholder(answer, mode=mode)
        if record.state == "pending":
            placeholder.show()
            if not wait:
                self._store(output, answer)
                return None
        try:
            result = answer.result()
        except KeyboardInterrupt:
            self._store(output, answer)
            raise UsageError(
                f"Stopped waiting; the answer is still followed and fills in above "
                f"(%grok_deferred {request} shows it later)."
            ) from None
        except DeferredError as exc:
            raise UsageError(str(exc)) from None
        if record.state != "pending" or mode == "terminal":  # else the placeholder shows it
            data, meta = placeholder.bundle(result)
            self._show(data, meta, placeholder.display_id)
        result.shown_in = self._shell.execution_count
        self._store(output, result)
        return result

    def _list(self, output: str | None) -> None:
        from xai_magics.deferred.api import short_id
        from xai_magics.deferred.poller import age_text

        deferrals = self.deferrals()
        here = deferrals.here()
        records = [r for r in deferrals.records() if r.where == here]
        others = sum(1 for r in deferrals.records() if r.where != here)
        now = time.time()
        followed = 0
        rows: list[list[object]] = []
        for record in records:
            if record.state == "pending":
                deferrals.attach(record.request_id)
                followed += 1
            rows.append(
                [
                    short_id(record.request_id),
                    f"{age_text(now - record.created_at)} ago",
                    record.model,
                    _state(record),
                    _preview(record.prompt),
                ]
            )
        notes = []
        if followed:
            notes.append(f"Following {followed} pending request(s) in the background.")
        notes.append(
            "%grok_deferred ID shows one." if records else "No deferred requests made here yet."
        )
        if others:
            notes.append(f"{others} more were made with another API key or server (not shown).")
        self._table(["request", "asked", "model", "state", "prompt"], rows, " ".join(notes))
        self._store(output, records)

    def _forget(self, request: str | None) -> None:
        from xai_magics.deferred import DeferredError

        deferrals = self.deferrals()
        if request is None:
            ids = [r.request_id for r in deferrals.records(limit=100_000) if r.final]
        else:
            try:
                ids = [deferrals.find(request).request_id]
            except DeferredError as exc:
                raise UsageError(str(exc)) from None
        deferrals.store.forget(ids)
        print(f"Forgot {len(ids)} deferred request(s).")

    def _table(self, headers: list[str], rows: list[list[object]], note: str) -> None:
        from xai_magics.magics.session import aligned_table
        from xai_magics.render import escape, text_table

        plain = (text_table(headers, rows) + "\n\n" if rows else "") + note
        html = aligned_table(headers, rows, align="lrlll") if rows else ""
        html += f'<div style="opacity:0.7;font-size:0.9em">{escape(note)}</div>'
        self._show({"text/html": html, "text/plain": plain}, {}, None)

    def _show(self, data: dict[str, str], meta: dict[str, Any], display_id: str | None) -> None:
        if getattr(self._shell, "kernel", None) is None:
            print(data["text/plain"])
            return
        from IPython.display import display

        display(data, metadata=meta, raw=True, display_id=display_id)  # type: ignore[no-untyped-call]

    def _store(self, name: str | None, value: object) -> None:
        if name:
            self._shell.user_ns[name] = value


def _state(record: DeferredRecord) -> str:
    if record.state == "pending" and record.error:
        return f"pending (last poll: {record.error})"
    return record.state


def _preview(prompt: str, width: int = 48) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= width else line[: width - 1] + "…"
