"""Simulated function calling: when the model "decides" to call a tool, and with what arguments.

A call is made when ``tool_choice`` forces one (``"required"`` or a named function), or, under
``"auto"``, when the latest user turn names a tool (``get_weather`` or "get weather") or contains
``emulator:tool``. After a tool result the model answers in text. Arguments are JSON generated from
the tool's ``parameters`` schema, so they validate against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xai_magics.emulator.errors import APIError, unprocessable
from xai_magics.emulator.prompt_cache import Turn
from xai_magics.emulator.schema_values import value_for

MAX_TOOLS = 128
TOOL_MARKER = "emulator:tool"


@dataclass(frozen=True)
class Tool:
    name: str
    parameters: Any


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str


def function_tools(tools: Any, *, nested: bool) -> list[Tool]:
    """The function tools of a request; ``nested`` is the chat style (``{"function": {...}}``)."""
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise unprocessable("invalid type for `tools`, expected a sequence")
    if len(tools) > MAX_TOOLS:
        raise APIError(400, f"A request may define at most {MAX_TOOLS} tools.")
    found: list[Tool] = []
    for tool in tools:
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise unprocessable("invalid tool: expected an object with a `type`")
        if tool["type"] != "function":
            continue  # server-side tools (web_search, x_search, ...) make no client calls
        spec = tool.get("function") if nested else tool
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise unprocessable("missing field `name` in function tool")
        found.append(Tool(spec["name"], spec.get("parameters") or {"type": "object"}))
    return found


def _forced(choice: Any, tools: list[Tool]) -> list[Tool] | None:
    """The tools a ``tool_choice`` forces, None when it leaves the decision to the model."""
    if choice in (None, "auto"):
        return None
    if choice == "none":
        return []
    if choice == "required":
        return tools[:1]
    if isinstance(choice, dict):
        spec = choice.get("function") if isinstance(choice.get("function"), dict) else choice
        name = spec.get("name") if isinstance(spec, dict) else None
        picked = [t for t in tools if t.name == name]
        if not picked:
            raise APIError(400, f"tool_choice names an unknown function: {name!r}")
        return picked
    raise unprocessable(f"invalid value for `tool_choice`: {choice!r}")


def plan_calls(
    tools: list[Tool], choice: Any, turns: Sequence[Turn], *, parallel: bool
) -> list[ToolCall]:
    """The calls the simulated model makes for this turn (empty: it answers in text)."""
    if not tools or not turns or turns[-1][0] == "tool":
        return []
    forced = _forced(choice, tools)
    prompt = turns[-1][1]
    if forced is None:
        lowered = prompt.lower()
        forced = [
            t
            for t in tools
            if t.name.lower() in lowered or t.name.lower().replace("_", " ") in lowered
        ]
        if not forced and TOOL_MARKER in prompt:
            forced = tools[:1]
        if not parallel:
            forced = forced[:1]
    return [
        ToolCall(
            t.name,
            json.dumps(
                value_for(t.parameters, seed=f"{prompt}\x1f{t.name}"),
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        )
        for t in forced
    ]
