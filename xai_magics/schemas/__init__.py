"""Pydantic models of what the xAI API sends back (tolerant: unknown fields are kept)."""

from __future__ import annotations

from xai_magics.schemas.chat import ChatCompletion, ChatCompletionChunk, ChatUsage
from xai_magics.schemas.common import ErrorBody, WireModel
from xai_magics.schemas.models import LanguageModel, LanguageModelList, ModelInfo, ModelList
from xai_magics.schemas.responses import (
    DeletedResponse,
    Response,
    ResponseStreamEvent,
    ResponsesUsage,
)

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatUsage",
    "DeletedResponse",
    "ErrorBody",
    "LanguageModel",
    "LanguageModelList",
    "ModelInfo",
    "ModelList",
    "Response",
    "ResponseStreamEvent",
    "ResponsesUsage",
    "WireModel",
]
