"""Wire models for ``POST /v1/chat/completions``: the completion body and its stream chunks."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from xai_magics.schemas.common import WireModel

__all__ = [
    "ChatChoice",
    "ChatChunkChoice",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatDelta",
    "ChatMessage",
    "ChatUsage",
]


class PromptTokensDetails(WireModel):
    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None
    cached_tokens: int | None = None


class CompletionTokensDetails(WireModel):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class ChatUsage(WireModel):
    """``completion_tokens`` excludes reasoning; ``total = prompt + completion + reasoning``."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None
    num_sources_used: int | None = None
    cost_in_usd_ticks: int | None = None


class ChatMessage(WireModel):
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    refusal: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class ChatChoice(WireModel):
    index: int | None = None
    message: ChatMessage | None = None
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletion(WireModel):
    id: str | None = None
    object: str | None = None
    created: int | None = None
    model: str | None = None
    choices: list[ChatChoice] = Field(default_factory=list)
    usage: ChatUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    citations: list[Any] | None = None


class ChatDelta(WireModel):
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class ChatChunkChoice(WireModel):
    index: int | None = None
    delta: ChatDelta | None = None
    finish_reason: str | None = None


class ChatCompletionChunk(WireModel):
    id: str | None = None
    object: str | None = None
    created: int | None = None
    model: str | None = None
    choices: list[ChatChunkChoice] = Field(default_factory=list)
    usage: ChatUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
