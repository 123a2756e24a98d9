"""What xAI's server-side tools did in one response: searches, code runs, and the sources cited.

Recorded shapes (``shared/xai-recordings``): ``web_search_call`` items carry
``action{query, sources[{url}]}``; ``x_search_call`` and ``code_interpreter_call`` items carry
``name`` and ``arguments`` (JSON text: ``query`` or ``code``); streamed X searches come as
``custom_tool_call`` items with ``input`` (JSON text). Citations are ``url_citation``
annotations on the message's ``output_text`` parts. These calls ran at xAI: the caller only
shows them, unlike the ``function_call`` items of ``tool_calls``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SERVER_TOOL_ITEMS",
    "ServerToolCall",
    "Source",
    "activity_line",
    "server_tool_call",
    "server_tool_calls",
    "sources_of",
]

#: output item types that are server-side tool calls, and the kind each one is
SERVER_TOOL_ITEMS = {
    "web_search_call": "web_search",
    "x_search_call": "x_search",
    "custom_tool_call": "x_search",
    "code_interpreter_call": "code_execution",
    "file_search_call": "file_search",
    "mcp_call": "mcp",
}


@dataclass(frozen=True)
class ServerToolCall:
    """One server-side tool call: ``kind`` (web_search, x_search, code_execution ...),
    ``detail`` (the query, or the code run), ``output`` (code output when the server sent it),
    and the URLs it looked at."""

    kind: str
    name: str
    detail: str
    output: str = ""
    status: str = ""
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """A source the answer cites (or, with none cited, one a search looked at)."""

    url: str
    title: str = ""


def server_tool_call(item: Any) -> ServerToolCall | None:
    """The server-side call an output item stands for, None for any other item."""
    if not isinstance(item, Mapping):
        return None
    kind = SERVER_TOOL_ITEMS.get(_str(item.get("type")))
    if kind is None:
        return None
    name = _str(item.get("name"))
    action = item.get("action")
    action = action if isinstance(action, Mapping) else {}
    args = _json_object(item.get("arguments") or item.get("input"))
    detail = _str(action.get("query")) or _str(args.get("query")) or _str(args.get("code"))
    if not detail and kind == "code_execution":
        detail = _str(item.get("code"))
    urls = tuple(
        _str(s.get("url"))
        for s in action.get("sources") or ()
        if isinstance(s, Mapping) and _str(s.get("url"))
    )
    return ServerToolCall(
        kind=kind,
        name=name,
        detail=detail,
        output=_outputs(item.get("outputs")),
        status=_str(item.get("status")),
        urls=urls,
    )


def server_tool_calls(output: Iterable[Any]) -> tuple[ServerToolCall, ...]:
    """The server-side calls of a response's ``output``, in order."""
    return tuple(c for c in map(server_tool_call, output) if c is not None)


def sources_of(output: Iterable[Any]) -> tuple[Source, ...]:
    """Sources to list under the answer: its ``url_citation`` annotations in order (each URL
    once); with none, the URLs its searches returned."""
    items = list(output)
    cited: dict[str, Source] = {}
    for item in items:
        if not isinstance(item, Mapping) or item.get("type") != "message":
            continue
        for part in item.get("content") or ():
            if isinstance(part, Mapping):
                for note in part.get("annotations") or ():
                    source = citation(note)
                    if source is not None:
                        cited.setdefault(source.url, source)
    if cited:
        return tuple(cited.values())
    searched = dict.fromkeys(url for call in server_tool_calls(items) for url in call.urls)
    return tuple(Source(url) for url in searched)


def citation(note: Any) -> Source | None:
    """A ``url_citation`` annotation as a source; None for anything else."""
    if not isinstance(note, Mapping) or note.get("type") != "url_citation":
        return None
    url = _str(note.get("url"))
    return Source(url, _str(note.get("title"))) if url else None


_WHAT = {
    "web_search": "searching the web",
    "x_search": "searching X",
    "code_execution": "running code",
    "file_search": "searching files",
    "mcp": "calling a remote tool",
}


def activity_line(call: ServerToolCall) -> str:
    """One line saying what the model is doing: ``searching the web: <query>``."""
    what = _WHAT.get(call.kind, call.kind)
    detail = call.detail.strip().splitlines()[0] if call.detail.strip() else ""
    if call.kind == "code_execution" and call.detail.count("\n"):
        detail += " …"
    return f"{what}: {detail}" if detail else f"{what}…"


def _outputs(value: Any) -> str:
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    texts = [
        _str(o.get("logs") or o.get("output") or o.get("text"))
        for o in value
        if isinstance(o, Mapping)
    ]
    return "\n".join(t for t in texts if t)


def _json_object(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str) or not value:
        return {}
    try:
        doc = json.loads(value)
    except ValueError:
        return {}
    return doc if isinstance(doc, Mapping) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
