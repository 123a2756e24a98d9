"""Tools for ``%%grok``: xAI's server-side tools (``--search``, ``--code``) and the caller's own
Python functions (``--tools``), with the loop that runs the model's function calls.

``server``: the tool specs xAI runs itself, and their prices. ``schema``: a Python function's
JSON schema from its signature, type hints and docstring. ``local``: running the model's calls
against those functions, errors included. ``loop``: the follow-up request after a round of calls,
and the turns folded into one answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xai_magics.tools.local import LocalTools, ToolResult
    from xai_magics.tools.server import SEARCH_KINDS, parse_search, server_tool_specs

__all__ = ["SEARCH_KINDS", "LocalTools", "ToolResult", "parse_search", "server_tool_specs"]

# Imported on first use: %load_ext and every %%grok without tools never pay for them.
_LAZY = {
    "LocalTools": "xai_magics.tools.local",
    "ToolResult": "xai_magics.tools.local",
    "SEARCH_KINDS": "xai_magics.tools.server",
    "parse_search": "xai_magics.tools.server",
    "server_tool_specs": "xai_magics.tools.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xai_magics.tools' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
