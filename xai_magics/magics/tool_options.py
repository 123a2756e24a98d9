"""``--search``, ``--code``, ``--tools`` and ``--max-turns`` of ``%%grok``: from the options
and the notebook's namespace to what the session asks for, with one clear line per mistake."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from IPython.core.error import UsageError

__all__ = ["tool_overrides"]


def tool_overrides(args: Any, namespace: Mapping[str, Any], api: str) -> dict[str, Any]:
    """The tool fields of the session's options (empty when no tool option was given)."""
    from xai_magics.tools import parse_search

    out: dict[str, Any] = {}
    if args.search is not None:
        try:
            out["search"] = parse_search(args.search)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.code:
        out["code"] = True
    if ("search" in out or args.code) and api == "chat":
        raise UsageError(
            "--search and --code are xAI server-side tools of the Responses endpoint: "
            "drop --api chat."
        )
    if args.tools is not None:
        out["tools"] = _local_tools(args.tools, namespace)
    if args.max_turns is not None:
        if args.max_turns < 1:
            raise UsageError(f"--max-turns {args.max_turns}: give 1 or more.")
        if args.tools is None:
            raise UsageError("--max-turns caps the calls of --tools: add --tools NAMES.")
        out["max_turns"] = args.max_turns
    return out


def _local_tools(spec: str, namespace: Mapping[str, Any]) -> Any:
    from xai_magics.tools import LocalTools

    names = list(dict.fromkeys(n.strip() for n in spec.split(",") if n.strip()))
    if not names:
        raise UsageError("--tools needs function names from the notebook: --tools f,g")
    functions = {}
    for name in names:
        if not name.isidentifier():
            raise UsageError(f"--tools {name}: not a Python name.")
        if name not in namespace:
            raise UsageError(f"--tools {name}: no such name in the notebook; define it first.")
        value = namespace[name]
        if not callable(value) or isinstance(value, type):
            raise UsageError(f"--tools {name}: expected a function, got {type(value).__name__}.")
        functions[name] = value
    try:
        return LocalTools(functions)
    except TypeError as exc:
        raise UsageError(f"--tools {exc}; give its parameters JSON-friendly type hints.") from None
