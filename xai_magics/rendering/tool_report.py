"""What tools did for an answer, as the answer's own output shows it: a collapsed block of the
searches, code runs and function calls, and the numbered sources under the answer.

Everything here is model or server text (queries, code, tool results, source URLs): escaped,
and a source is a link only when its URL is http(s) read every way a browser or Markdown reader
might read it (``rendering.urls``); anything else (``javascript:``, ``data:``) stays plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from xai_magics.rendering.controls import strip_controls
from xai_magics.rendering.tex import neutralise_tex
from xai_magics.rendering.urls import readings

__all__ = ["activity_lines", "count_phrase", "linkable", "render_sources", "render_tools"]

_HTTP = re.compile(r"^https?://[^/?#\s]", re.IGNORECASE)
_NOUNS = {
    "web_search": ("web search", "web searches"),
    "x_search": ("X search", "X searches"),
    "code_execution": ("code run", "code runs"),
    "file_search": ("file search", "file searches"),
    "mcp": ("remote tool call", "remote tool calls"),
}
#: ``server_side_tool_usage_details`` keys and the kind of call each counts
_USAGE_KINDS = {
    "web_search_calls": "web_search",
    "x_search_calls": "x_search",
    "code_interpreter_calls": "code_execution",
    "file_search_calls": "file_search",
    "mcp_calls": "mcp",
}


def count_phrase(kind: str, n: int) -> str:
    """``2 web searches``: a count of server-side calls by kind (or usage key)."""
    one, many = _NOUNS.get(_USAGE_KINDS.get(kind, kind), (kind, kind))
    return f"{n} {one if n == 1 else many}"


def linkable(url: str) -> bool:
    """Whether a source URL may become a link: http(s) however it is read, no quotes or angle
    brackets to break out of an attribute or an autolink."""
    if any(c in url for c in "\"<>'`") or url != url.strip():
        return False
    return all(_HTTP.match(reading) for reading in readings(url)) and bool(_HTTP.match(url))


def activity_lines(server_tools: Sequence[Any], tool_results: Sequence[Any]) -> list[str]:
    """Plain lines: one per server-side call (its query or code and output), one per function
    call (its arguments and result)."""
    from xai_magics.client.server_tools import activity_line

    lines: list[str] = []
    for call in server_tools:
        if call.kind == "code_execution":
            lines.append("ran code:\n" + call.detail.rstrip())
            if call.output:
                lines.append("output:\n" + call.output.rstrip())
        else:
            lines.append(activity_line(call))
    lines += [result.line for result in tool_results]
    return [strip_controls(line) for line in lines]


def _summary(server_tools: Sequence[Any], tool_results: Sequence[Any]) -> str:
    counts: dict[str, int] = {}
    for call in server_tools:
        counts[call.kind] = counts.get(call.kind, 0) + 1
    parts = [count_phrase(kind, n) for kind, n in counts.items()]
    if tool_results:
        n = len(tool_results)
        parts.append(f"{n} function call{'s' if n != 1 else ''}")
    return "Tools: " + ", ".join(parts)


def render_tools(server_tools: Sequence[Any], tool_results: Sequence[Any]) -> tuple[str, str]:
    """(html, plain) of the collapsed tools block; empty when no tool ran."""
    if not server_tools and not tool_results:
        return "", ""
    lines = activity_lines(server_tools, tool_results)
    summary = _summary(server_tools, tool_results)
    body = "".join(
        f'<pre style="margin:0.3em 0">{html.escape(neutralise_tex(line), quote=True)}</pre>'
        for line in lines
    )
    markup = (
        f'<details class="xai-tools mathjax_ignore tex2jax_ignore">'
        f"<summary>{html.escape(summary)}</summary>{body}</details>"
    )
    return markup, summary + "\n" + "\n".join(lines)


def render_sources(sources: Sequence[Any]) -> tuple[str, str, str]:
    """(html, markdown, plain) of the numbered sources list; empty without sources."""
    if not sources:
        return "", "", ""
    items: list[str] = []
    md: list[str] = []
    plain: list[str] = []
    for n, source in enumerate(sources, 1):
        url = strip_controls(source.url)
        shown = html.escape(url, quote=True)
        if linkable(url):
            items.append(
                f'<li><a href="{shown}" rel="noopener noreferrer" target="_blank">{shown}</a></li>'
            )
            md.append(f"{n}. <{url}>")
        else:
            items.append(f"<li><code>{shown}</code> (not linked)</li>")
            md.append(f"{n}. `{url.replace('`', '')}` (not linked)")
        plain.append(f"[{n}] {url}")
    markup = (
        '<div class="xai-sources mathjax_ignore tex2jax_ignore"><strong>Sources</strong>'
        f'<ol style="margin:0.2em 0">{"".join(items)}</ol></div>'
    )
    return markup, "**Sources**\n\n" + "\n".join(md), "Sources:\n" + "\n".join(plain)
