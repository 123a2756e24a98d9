"""The caller's own functions as tools: their specs for the request, and running the model's
calls against them.

A call never raises into the cell: bad arguments (not JSON, failing validation) and exceptions
inside the function become an error result the model reads and can act on, as xAI's tool-use
guide recommends. A result that is not a string is sent as JSON (``str()`` for what JSON cannot
hold); a huge result is cut, so one tool cannot send a million tokens by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xai_magics.tools.schema import FunctionSpec, function_spec

if TYPE_CHECKING:
    from xai_magics.client.tool_calls import ToolCall

__all__ = ["MAX_RESULT_CHARS", "LocalTools", "ToolResult"]

#: longest tool result sent back to the model (about 25k tokens)
MAX_RESULT_CHARS = 100_000


@dataclass(frozen=True)
class ToolResult:
    """One call the model made and what went back: ``output`` is the text the model gets."""

    call_id: str
    name: str
    arguments: str
    output: str
    error: str | None = None

    @property
    def line(self) -> str:
        """``f(city="Paris") -> "sunny"`` (or ``-> error: ...``), for the live view."""
        result = f"error: {self.error}" if self.error else _short(self.output)
        return f"{self.name}({_short(self.arguments, 120)}) -> {result}"


class LocalTools:
    """Named Python callables offered to the model for one cell (or one ``ask``)."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.functions = dict(functions)
        self.specs: dict[str, FunctionSpec] = {
            name: function_spec(fn, name) for name, fn in self.functions.items()
        }

    @classmethod
    def of(cls, value: Any) -> LocalTools:
        """``LocalTools`` from itself, a ``{name: function}`` mapping or a list of functions
        (named by ``__name__``): what ``Grok.ask(..., tools=...)`` accepts."""
        if isinstance(value, LocalTools):
            return value
        if isinstance(value, Mapping):
            return cls(value)
        if callable(value):
            value = [value]
        return cls({getattr(fn, "__name__", type(fn).__name__): fn for fn in value})

    def __repr__(self) -> str:
        return f"LocalTools({', '.join(self.functions)})"

    def __bool__(self) -> bool:
        return bool(self.functions)

    def responses_tools(self) -> list[dict[str, Any]]:
        return [spec.responses_tool() for spec in self.specs.values()]

    def chat_tools(self) -> list[dict[str, Any]]:
        return [spec.chat_tool() for spec in self.specs.values()]

    def run(self, call: ToolCall) -> ToolResult:
        """Run one call; every failure becomes an error result for the model."""
        spec = self.specs.get(call.name)
        if spec is None:
            known = ", ".join(self.specs) or "none"
            return self._error(call, f"no tool named {call.name!r} (tools: {known})")
        try:
            raw = json.loads(call.arguments) if call.arguments.strip() else {}
        except ValueError as exc:
            return self._error(call, f"arguments are not JSON: {exc}")
        if not isinstance(raw, dict):
            return self._error(call, "arguments must be a JSON object")
        try:
            checked = spec.arguments.model_validate(raw)
        except Exception as exc:  # pydantic.ValidationError: say which argument, briefly
            return self._error(call, f"invalid arguments: {_first_lines(exc)}")
        kwargs = {name: getattr(checked, name) for name in type(checked).model_fields}
        try:
            value = self.functions[call.name](**kwargs)
        except Exception as exc:
            return self._error(call, f"{type(exc).__name__}: {exc}")
        return ToolResult(call.id, call.name, call.arguments, _as_text(value))

    def _error(self, call: ToolCall, message: str) -> ToolResult:
        output = json.dumps({"error": message}, ensure_ascii=False)
        return ToolResult(call.id, call.name, call.arguments, output, error=message)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = str(value)
    if len(text) > MAX_RESULT_CHARS:
        text = text[:MAX_RESULT_CHARS] + f" … [cut: {len(text):,} characters in all]"
    return text


def _first_lines(exc: Exception, n: int = 3) -> str:
    return "; ".join(str(exc).splitlines()[:n])


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
