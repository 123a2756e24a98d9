"""The tool-call loop between requests: what goes back after a round of function calls, and the
rounds folded into one answer.

Responses continues from the stored response (``previous_response_id``) with one
``function_call_output`` item per call; chat re-sends the conversation with the assistant's
``tool_calls`` message and one ``tool`` message per call (xai-api.md §2, §3; the recorded
``responses__tools__*`` and chat tool cassettes).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xai_magics.client import Completion
    from xai_magics.client.completion import ToolActivity
    from xai_magics.tools.local import ToolResult

__all__ = ["DEFAULT_MAX_TURNS", "MAX_TURNS_REASON", "ToolRounds", "fold_turns", "follow_up"]

#: requests to the model per cell when ``--max-turns`` is not given
DEFAULT_MAX_TURNS = 5
#: ``incomplete_reason`` of an answer whose model still asked for tools at the turn cap
MAX_TURNS_REASON = "max_turns"


def follow_up(
    kwargs: dict[str, Any], completion: Completion, results: Sequence[ToolResult]
) -> dict[str, Any]:
    """The next request's arguments: the same call, continued with the tool results."""
    if completion.endpoint == "chat":
        assistant: dict[str, Any] = {
            "role": "assistant",
            "content": completion.text,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call in completion.tool_calls
            ],
        }
        replies = [
            {"role": "tool", "tool_call_id": r.call_id, "content": r.output} for r in results
        ]
        return {**kwargs, "messages": [*kwargs["messages"], assistant, *replies]}
    following = {k: v for k, v in kwargs.items() if k not in ("input", "previous_response_id")}
    following["previous_response_id"] = completion.id
    following["input"] = [
        {"type": "function_call_output", "call_id": r.call_id, "output": r.output} for r in results
    ]
    return following


def fold_turns(turns: Sequence[Completion]) -> Completion:
    """One completion for a cell's rounds: the last answer, every round's usage and tools."""
    from xai_magics.client.completion import Usage

    last = turns[-1]
    if len(turns) == 1:
        return last
    usages = [t.usage for t in turns if t.usage is not None]
    usage = None
    if usages:
        ticks = [u.cost_usd_ticks for u in usages]
        tool_usage: dict[str, int] = {}
        for u in usages:
            for key, n in u.server_tool_usage.items():
                tool_usage[key] = tool_usage.get(key, 0) + n
        usage = Usage(
            input_tokens=sum(u.input_tokens for u in usages),
            cached_input_tokens=sum(u.cached_input_tokens for u in usages),
            output_tokens=sum(u.output_tokens for u in usages),
            reasoning_tokens=sum(u.reasoning_tokens for u in usages),
            total_tokens=sum(u.total_tokens for u in usages),
            cost_usd_ticks=None if None in ticks else sum(t or 0 for t in ticks),
            sources_used=sum(u.sources_used for u in usages),
            server_tool_usage=tool_usage,
        )
    sources = {s.url: s for t in turns for s in t.sources}
    elapsed = [t.elapsed_s for t in turns if t.elapsed_s is not None]
    return replace(
        last,
        reasoning="\n\n".join(t.reasoning for t in turns if t.reasoning),
        usage=usage if usage is not None else last.usage,
        ttft_s=turns[0].ttft_s,
        elapsed_s=sum(elapsed) if elapsed else None,
        retries=sum(t.retries for t in turns),
        server_tools=tuple(c for t in turns for c in t.server_tools),
        sources=tuple(sources.values()),
    )


class ToolRounds:
    """The rounds of one ask: each finished turn, the calls run, and whether to go on.

    ``after(kwargs, completion)`` runs the turn's function calls (yielding what the live view
    shows as each starts and ends) and returns the next request's arguments, or None when the
    answer is final: no calls, no tools given, or the turn cap reached.
    """

    def __init__(self, tools: Any, max_turns: int) -> None:
        self.tools = tools
        self.max_turns = max(1, max_turns)
        self.finished: list[Completion] = []
        self.results: list[ToolResult] = []

    def wants_more(self, completion: Completion) -> bool:
        return bool(self.tools) and bool(completion.tool_calls) and completion.status == "completed"

    def after(
        self, kwargs: dict[str, Any], completion: Completion
    ) -> Generator[ToolActivity, None, dict[str, Any] | None]:
        from xai_magics.client.completion import ToolActivity

        if not self.wants_more(completion) or len(self.finished) + 1 >= self.max_turns:
            return None
        results = []
        for call in completion.tool_calls:
            yield ToolActivity(f"calling {call.name}({_brief(call.arguments)})")
            result = self.tools.run(call)
            results.append(result)
            yield ToolActivity(result.line)
        self.finished.append(completion)
        self.results += results
        return follow_up(kwargs, completion, results)

    def fold(self, last: Completion) -> Completion:
        return fold_turns([*self.finished, last])

    def capped(self, last: Completion) -> bool:
        """The model still asked for calls when the cap stopped the loop."""
        return self.wants_more(last) and len(self.finished) + 1 >= self.max_turns


def _brief(arguments: str, limit: int = 120) -> str:
    flat = " ".join(arguments.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
