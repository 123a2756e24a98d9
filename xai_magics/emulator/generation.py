"""One simulated model call: from a conversation to answer, reasoning and token accounting.

Chat completions, responses and batch results all go through ``generate`` so their answers and
usage agree for the same input. Usage follows the service's arithmetic: chat reports
``completion_tokens`` without reasoning (``total = prompt + completion + reasoning``); responses
report ``output_tokens`` with reasoning (``total = input + output``).

Reasoning models reason on every call unless asked for effort "none" (see
``catalog.Model.default_effort``). What they show of it (``reasoning_content``, the Responses
summary) is much shorter than what they bill (``reasoning_used``), as recorded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xai_magics.emulator import answers, vision
from xai_magics.emulator.catalog import Model, cost_ticks, fingerprint
from xai_magics.emulator.errors import APIError, unprocessable
from xai_magics.emulator.judging import verdict
from xai_magics.emulator.prompt_cache import PromptCache, Turn
from xai_magics.emulator.quiz import quiz_answer
from xai_magics.emulator.schema_values import value_for
from xai_magics.emulator.tool_calls import ToolCall


@dataclass(frozen=True)
class OutputFormat:
    kind: str = "text"  # "text" | "json_object" | "json_schema"
    schema: Any = None


@dataclass
class Generation:
    model: Model
    answer_tokens: list[str]
    #: the reasoning text shown (chat ``reasoning_content``, Responses summary), in stream pieces
    reasoning_pieces: list[str]
    #: reasoning tokens billed; 0 when the model did not reason
    reasoning_used: int
    truncated: bool
    prompt_tokens: int
    cached_tokens: int
    priority: bool
    #: the ``model`` the answer names (the id, or an effort variant such as grok-3-mini-high)
    model_name: str
    batch: bool = False
    tool_calls: list[ToolCall] = field(default_factory=list)

    @property
    def completion_tokens(self) -> int:
        """Visible output: the answer's tokens, or the tool calls' arguments."""
        calls = sum(answers.count_tokens(c.arguments) + 3 for c in self.tool_calls)
        return len(self.answer_tokens) + calls

    @property
    def finish_reason(self) -> str:
        if self.tool_calls:
            return "tool_calls"
        return "length" if self.truncated else "stop"

    @property
    def answer(self) -> str:
        return "".join(self.answer_tokens)

    @property
    def reasoning(self) -> str:
        return "".join(self.reasoning_pieces)

    @property
    def reasoned(self) -> bool:
        return self.reasoning_used > 0

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.model)

    @property
    def service_tier(self) -> str:
        return "priority" if self.priority else "default"

    def cost(self) -> int:
        return cost_ticks(
            self.model,
            prompt=self.prompt_tokens,
            cached=self.cached_tokens,
            output=self.completion_tokens + self.reasoning_used,
            priority=self.priority,
            batch=self.batch,
        )

    def chat_usage(self) -> dict[str, Any]:
        completion = self.completion_tokens
        reasoning = self.reasoning_used
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion + reasoning,
            "prompt_tokens_details": {
                "text_tokens": self.prompt_tokens,
                "audio_tokens": 0,
                "image_tokens": 0,
                "cached_tokens": self.cached_tokens,
            },
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
            "num_sources_used": 0,
            "cost_in_usd_ticks": self.cost(),
        }

    def responses_usage(self) -> dict[str, Any]:
        output = self.completion_tokens + self.reasoning_used
        return {
            "input_tokens": self.prompt_tokens,
            "input_tokens_details": {"cached_tokens": self.cached_tokens},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_used},
            "total_tokens": self.prompt_tokens + output,
            "num_sources_used": 0,
            "num_server_side_tools_used": 0,
            "cost_in_usd_ticks": self.cost(),
            "context_details": {"input_tokens": self.prompt_tokens, "output_tokens": output},
        }


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a parts list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces: list[str] = []
        for part in content:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict):
                kind = part.get("type")
                if isinstance(part.get("text"), str):
                    pieces.append(part["text"])
                elif kind in ("image_url", "input_image"):
                    pieces.append(vision.describe_part(part))
                elif kind in ("file", "input_file"):
                    pieces.append("[file]")
            else:
                raise unprocessable("invalid type: content part")
        return "\n".join(pieces)
    raise unprocessable("invalid type: message content, expected a string or a list of parts")


def conversation(turns: Sequence[Turn]) -> answers.Conversation:
    """What the answer depends on: last user turn, earlier user turns, system text."""
    users = [text for role, text in turns if role == "user"]
    systems = [text for role, text in turns if role in ("system", "developer")]
    prompt = users[-1] if users else (turns[-1][1] if turns else "")
    return answers.Conversation(
        prompt=prompt,
        earlier_prompts=tuple(users[:-1]),
        system="\n".join(systems) or None,
        tool_result=turns[-1][1] if turns and turns[-1][0] == "tool" else None,
    )


def answer_for(
    conv: answers.Conversation, model: Model, fmt: OutputFormat, seed: int | None = None
) -> str:
    if fmt.kind == "json_schema":
        schema = fmt.schema if isinstance(fmt.schema, dict) else {}
        graded = verdict(conv.prompt, schema)
        if graded is not None:
            return graded
        return json.dumps(value_for(schema, seed=conv.prompt), ensure_ascii=False)
    if fmt.kind == "json_object":
        return json.dumps(
            {
                "answer": f"Simulated JSON answer from the xAI emulator ({model.id}).",
                "prompt_digest": answers.digest(conv.prompt),
            }
        )
    quiz = quiz_answer(conv.prompt, model.id, seed)
    if quiz is not None:
        return quiz
    return answers.answer_text(conv, model.id)


def generate(
    *,
    model: Model,
    turns: Sequence[Turn],
    cache: PromptCache,
    cache_scope: str,
    effort: str | None,
    fmt: OutputFormat,
    answer_override: str | None = None,
    max_visible: int | None = None,
    max_total: int | None = None,
    priority: bool = False,
    batch: bool = False,
    tool_calls: Sequence[ToolCall] = (),
    stop: Sequence[str] = (),
    seed: int | None = None,
) -> Generation:
    """Simulate the call; ``max_visible`` caps the answer, ``max_total`` answer plus reasoning.

    When reasoning alone reaches ``max_total`` the answer is empty and truncated, as OpenAI-style
    Responses end ``incomplete`` when reasoning uses the whole ``max_output_tokens``.
    """
    if not turns:
        raise APIError(400, "Invalid request content: the conversation has no messages.")
    conv = conversation(turns)
    text = answer_override if answer_override is not None else answer_for(conv, model, fmt, seed)
    if tool_calls:
        text = ""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
    if cut >= 0:
        text = text[:cut]
    reasoning, reasoning_used = "", 0
    used_effort = model.effective_effort(effort)
    if used_effort is not None:
        reasoning = answers.reasoning_text(conv, model.id, used_effort)
        reasoning_used = answers.reasoning_token_count(conv, model.id, used_effort)
    answer_toks = answers.tokenize(text)
    truncated = False
    if max_total is not None:
        reasoning_used = min(reasoning_used, max_total)
        room = max_total - reasoning_used
        if len(answer_toks) > room or (room == 0 and tool_calls):
            answer_toks, truncated = answer_toks[:room], True
            tool_calls = () if room == 0 else tool_calls
    if max_visible is not None and len(answer_toks) > max_visible:
        answer_toks, truncated = answer_toks[:max_visible], True

    last_user = max((i for i, (role, _) in enumerate(turns) if role == "user"), default=0)
    prefix = list(turns[:last_user])
    cached = 0
    if cache.lookup(cache_scope, prefix):
        cached = answers.prompt_tokens([t for _, t in prefix])
    cache.remember(cache_scope, prefix)
    cache.remember(cache_scope, [*turns, ("assistant", "".join(answer_toks))])
    return Generation(
        model=model,
        answer_tokens=answer_toks,
        reasoning_pieces=answers.tokenize(reasoning),
        reasoning_used=reasoning_used,
        truncated=truncated,
        prompt_tokens=answers.prompt_tokens([t for _, t in turns]),
        cached_tokens=cached,
        priority=priority,
        model_name=model.answer_name(effort),
        batch=batch,
        tool_calls=list(tool_calls),
    )


def optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise unprocessable(f"invalid type for `{name}`, expected an integer")
    if value < 1:
        raise APIError(400, f"`{name}` must be at least 1.")
    return value


def request_seed(body: dict[str, Any]) -> int | None:
    """The request's ``seed`` (best-effort determinism on the real service): here, which draw
    of a quiz answer a request gets (``quiz.py``)."""
    value = body.get("seed")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise unprocessable("invalid type for `seed`, expected an integer")
    return value


def check_sampling(body: dict[str, Any]) -> None:
    """Types and ranges of the sampling parameters every text endpoint shares."""
    for name, low, high in (("temperature", 0.0, 2.0), ("top_p", 0.0, 1.0)):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise unprocessable(f"invalid type for `{name}`, expected a number")
        if not low <= value <= high:
            raise APIError(400, f"`{name}` must be between {low:g} and {high:g}.")


def service_tier(body: dict[str, Any], granted: bool) -> bool:
    """Whether the request runs at priority: asked for, and granted by the emulator's knob."""
    tier = body.get("service_tier")
    if tier is None:
        return False
    if tier not in ("default", "priority", "auto"):
        raise APIError(400, f"Invalid service_tier '{tier}': expected 'default' or 'priority'.")
    return tier == "priority" and granted
