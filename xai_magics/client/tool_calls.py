"""Function calls the model asks the caller to run, the same shape from both endpoints.

Chat puts them in ``message.tool_calls`` (streamed as ``delta.tool_calls`` pieces keyed by
``index``: xAI sends each call whole, OpenAI-style servers send the arguments in fragments, so
pieces are joined). Responses returns ``function_call`` output items. Server-side tools
(web_search, x_search, code_interpreter ...) run at xAI and are not the caller's to run, so
they are not listed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ToolCall", "ToolCallPieces", "chat_tool_calls", "responses_tool_calls"]


@dataclass(frozen=True)
class ToolCall:
    """One function call. ``id`` is what the tool result must name (chat ``tool_call_id``,
    responses ``call_id``); ``arguments`` is the JSON text exactly as the model wrote it."""

    id: str
    name: str
    arguments: str


def chat_tool_calls(message: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    """The calls of a chat ``message`` (or a whole-call ``delta``)."""
    pieces = ToolCallPieces()
    pieces.add(message.get("tool_calls"))
    return pieces.calls()


def responses_tool_calls(output: Iterable[Any]) -> tuple[ToolCall, ...]:
    """The ``function_call`` items of a response's ``output``, in order."""
    return tuple(
        ToolCall(_str(item.get("call_id") or item.get("id")), _str(item.get("name")), _args(item))
        for item in output
        if isinstance(item, Mapping) and item.get("type") == "function_call"
    )


@dataclass
class ToolCallPieces:
    """Chat ``tool_calls`` deltas joined by ``index`` into whole calls."""

    _ids: dict[int, str] = field(default_factory=dict)
    _names: dict[int, str] = field(default_factory=dict)
    _arguments: dict[int, list[str]] = field(default_factory=dict)

    def add(self, entries: Any) -> bool:
        """Take one ``tool_calls`` list; True when it held any call."""
        if not isinstance(entries, list):
            return False
        for position, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                continue
            index = entry.get("index")
            key = index if isinstance(index, int) else len(self._arguments) + position
            function = entry.get("function")
            function = function if isinstance(function, Mapping) else {}
            if entry.get("id"):
                self._ids[key] = _str(entry.get("id"))
            if function.get("name"):
                self._names[key] = _str(function.get("name"))
            self._arguments.setdefault(key, []).append(_args(function))
        return bool(entries)

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(
            ToolCall(self._ids.get(k, ""), self._names.get(k, ""), "".join(self._arguments[k]))
            for k in sorted(self._arguments)
        )


def _args(holder: Mapping[str, Any]) -> str:
    value = holder.get("arguments")
    return value if isinstance(value, str) else ""


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
