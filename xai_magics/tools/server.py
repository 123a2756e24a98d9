"""xAI's server-side tools: what ``--search web,x`` and ``--code`` put in the request.

They run at xAI on the Responses endpoint (chat completions' Live Search is gone: 410), and are
billed per call on top of tokens: $5 per 1,000 calls for web_search, x_search and code execution
(xai-api.md §8), which the server's ``cost_in_usd_ticks`` already includes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["SEARCH_KINDS", "TOOL_CALL_TICKS", "parse_search", "server_tool_specs"]

#: ``--search`` values and the tool each asks for
SEARCH_KINDS = {"web": "web_search", "x": "x_search"}
#: price of one server-side tool call, in USD ticks (1e-10 USD): $5 per 1k calls
TOOL_CALL_TICKS = {
    "web_search_calls": 50_000_000,
    "x_search_calls": 50_000_000,
    "code_interpreter_calls": 50_000_000,
}


def parse_search(value: str) -> tuple[str, ...]:
    """``"web,x"`` -> ``("web", "x")``; ValueError with the fix for anything else."""
    kinds = tuple(dict.fromkeys(p.strip().lower() for p in value.split(",") if p.strip()))
    unknown = [k for k in kinds if k not in SEARCH_KINDS]
    if unknown or not kinds:
        raise ValueError(
            f"--search {value}: expected web, x or web,x (got {', '.join(unknown) or 'nothing'})."
        )
    return kinds


def server_tool_specs(search: Iterable[str], code: bool) -> list[dict[str, Any]]:
    """The ``tools`` entries for the server-side tools asked for (Responses' flat style)."""
    specs: list[dict[str, Any]] = [{"type": SEARCH_KINDS[k]} for k in search]
    if code:
        specs.append({"type": "code_interpreter"})
    return specs
