"""What one call returns: ``GrokResult`` (text, parsed object, usage, tier, ids, timings) and
``DryRun`` (the request that would be sent).

A result displays itself as the same single output the magic leaves in a cell (safe HTML from
``render``, Markdown, plain text, receipt in the metadata), and its ``repr`` is one short line.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from xai_magics.usage import Receipt, format_usd

__all__ = ["DryRun", "GrokResult", "extract_code"]


@dataclass
class GrokResult:
    """One answer with its receipt. ``str(result)`` is the text."""

    text: str
    status: str
    model_requested: str
    model: str | None = None
    reasoning: str = ""
    parsed: Any = None
    tier_requested: str | None = None
    tier: str | None = None
    usage: Any = None  # xai_magics.client.Usage
    cost_usd: float | None = None
    response_id: str | None = None
    ttft_s: float | None = None
    elapsed_s: float | None = None
    endpoint: str = "responses"
    thread: str | None = None
    error: str | None = None
    #: the client's error class (``AuthenticationError``, ``RateLimitError`` ...), for callers
    #: that act on the kind of failure rather than its words
    error_type: str | None = field(default=None, repr=False, compare=False)
    receipt: Receipt | None = None
    #: execution count of the cell whose output already shows this answer (set by the magic), so
    #: the same cell's value does not show it twice
    shown_in: int | None = field(default=None, repr=False, compare=False)
    #: the spoken answer (``--speak``): a SpeechResult with the clip's bytes, duration and cost
    speech: Any = field(default=None, repr=False, compare=False)
    #: why the server ended the answer early (status ``incomplete``): ``max_output_tokens``
    #: (Responses: reasoning and text together hit the cap) or ``length`` (chat: the text did)
    incomplete_reason: str | None = None
    #: the output cap the call was made with (``--max-tokens``), to say what was hit
    max_tokens: int | None = field(default=None, repr=False)
    #: who stopped a ``stopped`` answer when it was not the user: ``budget`` (the spend guard)
    stop_reason: str | None = None
    #: what the stop reached ("it reached the $0.0050 left of the session budget")
    stop_note: str = field(default="", repr=False, compare=False)
    #: server-side tool calls made at xAI (searches, code runs), in order
    server_tools: tuple[Any, ...] = field(default=(), repr=False)
    #: the sources the answer cites (``Source``: url, title), numbered in this order
    sources: tuple[Any, ...] = field(default=(), repr=False)
    #: the caller's functions the model called, and what each returned (``ToolResult``)
    tool_results: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        preview = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        parts = [f"status={self.status!r}", f"model={(self.model or self.model_requested)!r}"]
        if self.incomplete_reason:
            parts.append(f"incomplete_reason={self.incomplete_reason!r}")
        if self.stop_reason:
            parts.append(f"stop_reason={self.stop_reason!r}")
        if self.tier:
            parts.append(f"tier={self.tier!r}")
        if self.usage is not None:
            parts.append(f"tokens={self.usage.input_tokens}→{self.usage.output_tokens}")
        parts.append(f"cost={format_usd(self.cost_usd)!r}")
        if self.thread:
            parts.append(f"thread={self.thread!r}")
        if self.parsed is not None:
            parts.append(f"parsed={type(self.parsed).__name__}")
        if self.error:
            parts.append(f"error={self.error!r}")
        parts.append(f"text={preview!r}")
        return f"GrokResult({', '.join(parts)})"

    def mime_bundle(self, fmt: str = "markdown") -> tuple[dict[str, str], dict[str, Any]]:
        """The answer as one ordinary display (safe HTML, Markdown, plain text) and its metadata."""
        from xai_magics.render import render_bundle

        text = extract_code(self.text) if fmt == "code" else self.text
        if fmt == "json":
            # Not JSON after all (a refusal, say): shown as it came.
            with contextlib.suppress(ValueError):
                text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        data = render_bundle(
            text,
            reasoning=self.reasoning,
            status_line=self.status_line(),
            receipt_line=self.receipt_line(),
            fmt=fmt,
            server_tools=self.server_tools,
            tool_results=self.tool_results,
            sources=self.sources,
        )
        meta = {"xai_magics": {"receipt": self.receipt.to_metadata() if self.receipt else None}}
        return data, meta

    def receipt_line(self) -> str:
        """The receipt under the answer: reported by the server, or counted here ("est.") for
        an answer stopped before its usage came; none when nothing was generated."""
        r = self.receipt
        if r is None or (self.usage is None and not r.estimated):
            return ""
        return r.summary()

    def status_line(self) -> str:
        """Empty for a complete answer; otherwise what happened and what to do."""
        if self.status == "stopped" and self.stop_reason == "budget":
            why = f" ({self.stop_note})" if self.stop_note else ""
            return (
                f"stopped: budget, after {len(self.text):,} characters{why}; the partial answer "
                "is kept and its estimated cost counted. Raise the budget, or --max-tokens / "
                "--max-cost, to ask again"
            )
        if self.status == "stopped":
            return f"stopped after {len(self.text):,} characters (interrupted); re-run to ask again"
        if self.status == "incomplete":
            return self._incomplete_line()
        if self.status == "error":
            kept = f" (kept {len(self.text):,} characters)" if self.text else ""
            return f"error{kept}: {self.error}"
        return ""

    def _incomplete_line(self) -> str:
        if self.incomplete_reason == "max_turns":
            return (
                "incomplete: the model still asked for tools when the turn cap stopped it; "
                "raise --max-turns"
            )
        if self.incomplete_reason not in ("max_output_tokens", "length"):
            why = f" ({self.incomplete_reason})" if self.incomplete_reason else ""
            return f"incomplete{why}: the answer ended early; run again"
        cap = f"--max-tokens {self.max_tokens:,}" if self.max_tokens else "the output token cap"
        usage = self.usage
        reasoning = usage.reasoning_tokens if usage is not None else 0
        # On Responses the cap may count reasoning too (as xAI documents; recorded grok-4.3
        # answers reasoned past it): say so only when the figures show reasoning inside it.
        within = usage is not None and (
            self.max_tokens is None or reasoning + usage.output_tokens <= self.max_tokens
        )
        if self.endpoint == "chat" or not reasoning or not within:
            if self.text:
                return f"incomplete: cut at {cap}; raise --max-tokens to get the rest"
            return f"incomplete: no answer within {cap}; raise --max-tokens"
        of = f" of {self.max_tokens:,}" if self.max_tokens else ""
        head = f"cut at {cap}" if self.text else "no answer"
        return (
            f"incomplete, {head}: reasoning used {reasoning:,}{of} tokens; "
            "raise --max-tokens or lower --reasoning-effort"
        )

    def _ipython_display_(self) -> None:
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        if shell is not None and self.shown_in == shell.execution_count:
            # The magic already showed this answer above; as the cell's value it would repeat it.
            return
        data, meta = self.mime_bundle()
        display(data, metadata=meta, raw=True)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class DryRun:
    """The exact request a call would send, and what it would roughly cost."""

    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    input_tokens: int
    estimate: str

    def __str__(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        lines += ["", json.dumps(self.body, indent=2, ensure_ascii=False), "", self.estimate]
        return "\n".join(lines)

    def curl(self) -> str:
        """The same request as a shell command to run or teach from.

        The key is read from ``$XAI_API_KEY`` when the command runs; the body goes in a quoted
        here-document, so nothing in the prompt is ever expanded by the shell.
        """
        headers = {**self.headers, "Authorization": "Bearer $XAI_API_KEY"}
        lines = [f"curl -N -X {self.method} {shlex.quote(self.url)} \\"]
        lines += [f'  -H "{name}: {value}" \\' for name, value in headers.items()]
        lines += ["  --data-binary @- <<'JSON'", json.dumps(self.body, indent=2), "JSON"]
        return "\n".join(lines)


_FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)


def extract_code(text: str) -> str:
    """The first fenced code block of an answer (the whole answer when it has none)."""
    match = _FENCED.search(text)
    return (match.group(1) if match else text).rstrip("\n")
