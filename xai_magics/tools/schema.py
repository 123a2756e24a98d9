"""A Python function as a tool the model can call: name, description and JSON schema.

The schema comes from the signature and type hints (through a pydantic model, so the same model
validates the arguments the model sends back); descriptions come from the docstring: its first
paragraph for the function, and Google (``Args:``), NumPy (``Parameters``) or reST (``:param x:``)
entries for the parameters.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FunctionSpec", "function_spec"]

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params)\s*:?\s*$", re.IGNORECASE)
_ENTRY = re.compile(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_REST = re.compile(r":param\s+(?:[\w\[\], ]+\s+)?(\w+)\s*:\s*(.*)")
_NUMPY_RULE = re.compile(r"^\s*-{3,}\s*$")


@dataclass(frozen=True)
class FunctionSpec:
    """What the model is told about a function, and the model that checks its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]
    arguments: Any  # a pydantic model class

    def responses_tool(self) -> dict[str, Any]:
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
        }

    def chat_tool(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def function_spec(fn: Callable[..., Any], name: str | None = None) -> FunctionSpec:
    """The tool spec of ``fn``; TypeError when a parameter cannot be described in JSON."""
    from pydantic import ConfigDict, Field, create_model

    name = name or getattr(fn, "__name__", "") or type(fn).__name__
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = {}
    summary, documented = _docstring(inspect.getdoc(fn) or "")
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (
            annotation,
            Field(default, description=documented.get(param.name)),
        )
    config = ConfigDict(arbitrary_types_allowed=False, extra="forbid")
    try:
        model = create_model(f"{name}_arguments", __config__=config, **fields)
        schema = model.model_json_schema()
    except Exception as exc:
        raise TypeError(f"{name}: its parameters cannot be described as JSON ({exc})") from None
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)
    schema.setdefault("properties", {})
    return FunctionSpec(name, summary or f"The Python function {name}.", schema, model)


def _docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(summary, {parameter: description}) from a docstring."""
    paragraphs = doc.strip().split("\n\n")
    summary = " ".join(paragraphs[0].split()) if paragraphs and paragraphs[0] else ""
    if _SECTION.match(paragraphs[0].splitlines()[0] if paragraphs[0] else ""):
        summary = ""
    params: dict[str, str] = {}
    for match in _REST.finditer(doc):
        params[match.group(1)] = match.group(2).strip()
    lines = doc.splitlines()
    in_section = numpy = False
    last: str | None = None
    for i, line in enumerate(lines):
        if _SECTION.match(line):
            in_section = True
            numpy = i + 1 < len(lines) and bool(_NUMPY_RULE.match(lines[i + 1]))
            continue
        if not in_section or _NUMPY_RULE.match(line):
            continue
        if not line.strip():
            # a blank line ends a Google section; NumPy sections run until the next heading
            if not numpy or (i + 2 < len(lines) and _NUMPY_RULE.match(lines[i + 2])):
                in_section = False
            continue
        entry = _ENTRY.match(line)
        indent = len(line) - len(line.lstrip())
        if entry and (last is None or indent <= _indent_of(lines, last)):
            last = entry.group(1).lstrip("*")
            # NumPy: "name : type", the description on the lines below
            params.setdefault(last, "" if numpy else entry.group(2).strip())
        elif entry is None and re.match(r"^\s*\w+\s*$", line) and i + 1 < len(lines):
            last = line.strip()  # NumPy: "name : type" or "name" then indented description
            params.setdefault(last, "")
        elif last is not None:
            params[last] = (params.get(last, "") + " " + line.strip()).strip()
    return summary, {k: v for k, v in params.items() if v}


def _indent_of(lines: list[str], name: str) -> int:
    for line in lines:
        if line.strip().startswith(name):
            return len(line) - len(line.lstrip())
    return 0
