"""Wire models for ``/v1/responses``: the response object and its stream events.

Stream events share one tolerant model keyed by ``type``, so an event type the service adds
tomorrow parses instead of failing.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from xai_magics.schemas.common import WireModel

__all__ = [
    "DeletedResponse",
    "OutputItem",
    "Response",
    "ResponseStreamEvent",
    "ResponsesUsage",
]


class InputTokensDetails(WireModel):
    cached_tokens: int | None = None


class OutputTokensDetails(WireModel):
    reasoning_tokens: int | None = None


class ResponsesUsage(WireModel):
    """``output_tokens`` includes reasoning; ``total = input + output``."""

    input_tokens: int | None = None
    input_tokens_details: InputTokensDetails | None = None
    output_tokens: int | None = None
    output_tokens_details: OutputTokensDetails | None = None
    total_tokens: int | None = None
    num_sources_used: int | None = None
    num_server_side_tools_used: int | None = None
    cost_in_usd_ticks: int | None = None


class ContentPart(WireModel):
    type: str | None = None
    text: str | None = None
    annotations: list[Any] | None = None


class OutputItem(WireModel):
    """A message, reasoning, function_call, web_search_call ... item; fields vary by type."""

    id: str | None = None
    type: str | None = None
    status: str | None = None
    role: str | None = None
    content: list[ContentPart] | None = None
    summary: list[ContentPart] | None = None
    encrypted_content: str | None = None
    name: str | None = None
    call_id: str | None = None
    arguments: str | None = None


class IncompleteDetails(WireModel):
    reason: str | None = None


class Response(WireModel):
    id: str | None = None
    object: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    model: str | None = None
    status: str | None = None
    output: list[OutputItem] = Field(default_factory=list)
    usage: ResponsesUsage | None = None
    service_tier: str | None = None
    store: bool | None = None
    previous_response_id: str | None = None
    incomplete_details: IncompleteDetails | None = None
    metadata: dict[str, Any] | None = None


class DeletedResponse(WireModel):
    id: str | None = None
    object: str | None = None
    deleted: bool = False


class ResponseStreamEvent(WireModel):
    """Any responses stream event: ``type`` says which; the rest depends on it."""

    type: str = ""
    sequence_number: int | None = None
    delta: str | None = None
    item_id: str | None = None
    output_index: int | None = None
    content_index: int | None = None
    response: Response | None = None
    item: OutputItem | None = None
    code: str | None = None
    message: str | None = None
