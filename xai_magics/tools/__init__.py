"""Tools for ``%%grok``: xAI's server-side tools (``--search``, ``--code``) and the caller's own
Python functions (``--tools``), with the loop that runs the model's function calls.

``server``: the tool specs xAI runs itself, and their prices. ``schema``: a Python function's
JSON schema from its signature, type hints and docstring. ``local``: running the model's calls
against those functions, errors included. ``loop``: the follow-up request after a round of calls,
and the turns folded into one answer.
"""

from xai_magics.tools.local import LocalTools, ToolResult
from xai_magics.tools.server import SEARCH_KINDS, parse_search, server_tool_specs

__all__ = ["SEARCH_KINDS", "LocalTools", "ToolResult", "parse_search", "server_tool_specs"]
