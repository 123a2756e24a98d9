"""Simulated server-side tools on ``/v1/responses``: web_search, x_search, code_interpreter.

When a request offers them and the conversation ends with a user turn, the simulated model calls
each one once before answering, deterministically: the query is the prompt's first words, web
sources are made-up ``example.org`` pages (plus any ``emulator:source=URL`` the prompt names, so
a test can make a source hostile), X sources are status links, and code execution runs a
one-liner whose printed value the answer quotes. Shapes copy the recordings: ``web_search_call``
items with ``action{type, query, sources}`` (rubyllm 2026-08), ``x_search_call`` and
``code_interpreter_call`` items with ``name`` and JSON ``arguments`` (vercel-ai), citations as
``[[n]](url)`` in the text plus ``url_citation`` annotations, and usage with
``num_server_side_tools_used`` and ``server_side_tool_usage_details``; each call adds xAI's
$5 per 1,000 calls (xai-api.md §8) to ``cost_in_usd_ticks``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xai_magics.emulator import answers

if TYPE_CHECKING:
    from xai_magics.emulator.generation import Generation
    from xai_magics.emulator.prompt_cache import Turn

__all__ = ["SOURCE_MARKER", "ServerCall", "ServerPlan", "plan_server_tools"]

SOURCE_MARKER = "emulator:source="
_SOURCE = re.compile(re.escape(SOURCE_MARKER) + r"(\S+)")
_KINDS = {"web_search": "web_search_calls", "x_search": "x_search_calls"}
_CODE = "code_interpreter"
_USAGE_KEYS = (
    "web_search_calls",
    "x_search_calls",
    "code_interpreter_calls",
    "file_search_calls",
    "mcp_calls",
    "document_search_calls",
    "image_generation_calls",
)
#: $5 per 1,000 calls, in USD ticks
CALL_TICKS = 50_000_000


@dataclass
class ServerCall:
    kind: str  # web_search | x_search | code_interpreter
    query: str
    code: str = ""
    printed: str = ""
    urls: list[str] = field(default_factory=list)


@dataclass
class ServerPlan:
    """The server-side calls of one response, and what they add to its message and usage."""

    response_id: str
    calls: list[ServerCall]
    cited: list[str]
    annotations: list[dict[str, Any]] = field(default_factory=list)

    def item_id(self, n: int) -> str:
        call = self.calls[n]
        if call.kind == "web_search":
            return (
                f"ws_{self.response_id}_call-{uuid.uuid5(uuid.NAMESPACE_URL, self.response_id)}-{n}"
            )
        return f"fc_{self.response_id}_{n}"

    def item(self, n: int, done: bool) -> dict[str, Any]:
        call = self.calls[n]
        status = "completed" if done else "in_progress"
        if call.kind == "web_search":
            sources = [{"type": "url", "url": u} for u in call.urls] if done else []
            return {
                "id": self.item_id(n),
                "type": "web_search_call",
                "status": status,
                "action": {
                    "type": "search",
                    "query": call.query if done else "",
                    "sources": sources,
                },
            }
        if call.kind == "x_search":
            args = {"query": call.query, "limit": 10, "mode": "Latest"}
            name, kind = "x_keyword_search", "x_search_call"
        else:
            args, name, kind = {"code": call.code}, "code_execution", "code_interpreter_call"
        return {
            "arguments": _json(args) if done else "",
            "call_id": "",
            "name": name,
            "type": kind,
            "id": self.item_id(n),
            "status": status,
        }

    def usage(self, usage: dict[str, Any]) -> dict[str, Any]:
        """``usage`` with the calls counted and priced; a turn that made no call carries no
        details, as the recorded follow-up turn of a search conversation (rubyllm 2026-08)."""
        if not self.calls:
            return usage
        details = dict.fromkeys(_USAGE_KEYS, 0)
        for call in self.calls:
            details[_KINDS.get(call.kind, "code_interpreter_calls")] += 1
        return {
            **usage,
            "num_server_side_tools_used": len(self.calls),
            "cost_in_usd_ticks": usage["cost_in_usd_ticks"] + CALL_TICKS * len(self.calls),
            "server_side_tool_usage_details": details,
        }

    def cite(self, gen: Generation) -> None:
        """Append the citations (and the code's printed value) to the answer, as the service
        writes them: ``[[1]](url)`` in the text, a ``url_citation`` annotation for each."""
        if gen.tool_calls or gen.truncated:
            return
        tail = ""
        for call in self.calls:
            if call.kind == _CODE:
                tail += f"\n\nRunning the code printed {call.printed}."
        text = gen.answer + tail
        for n, url in enumerate(self.cited, 1):
            mark = f"[[{n}]]({url})"
            start = len(text) + 1
            text += " " + mark
            self.annotations.append(
                {
                    "type": "url_citation",
                    "url": url,
                    "start_index": start,
                    "end_index": start + len(mark),
                    "title": str(n),
                }
            )
        gen.answer_tokens = answers.tokenize(text)


def plan_server_tools(tools: Any, turns: Sequence[Turn], response_id: str) -> ServerPlan | None:
    """The server-side calls for this turn; None when none is offered or the turn is a tool's."""
    if not isinstance(tools, list) or not turns or turns[-1][0] != "user":
        return None
    kinds = [
        t["type"]
        for t in tools
        if isinstance(t, dict) and t.get("type") in ("web_search", "x_search", _CODE)
    ]
    if not kinds:
        return None
    prompt = turns[-1][1]
    query = " ".join(_SOURCE.sub("", prompt).split()[:8]) or "search"
    digest = hashlib.sha256(prompt.encode("utf-8", "replace")).hexdigest()
    calls: list[ServerCall] = []
    cited: list[str] = []
    for kind in dict.fromkeys(kinds):
        if kind == "web_search":
            named = _SOURCE.findall(prompt)
            urls = [*named, f"https://docs.example.org/{digest[:8]}", "https://example.org/news"]
            calls.append(ServerCall(kind, query, urls=urls))
            cited += urls[: len(named) + 1]
        elif kind == "x_search":
            status = int(digest[:15], 16) % 10**19
            url = f"https://x.com/i/status/{status}"
            calls.append(ServerCall(kind, query, urls=[url]))
            cited.append(url)
        else:
            words = len(prompt.split())
            code = f"prompt_words = {words}\nprint(prompt_words * 2)"
            calls.append(ServerCall(kind, query, code=code, printed=str(words * 2)))
    return ServerPlan(response_id, calls, list(dict.fromkeys(cited)))


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
