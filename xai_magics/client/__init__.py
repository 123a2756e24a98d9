"""HTTP client for the xAI API: chat, responses, models, files, batches, speech.

``XAIClient`` and everything built on httpx and pydantic load on first use, so importing this
package (for the error classes, say) costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xai_magics.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    IncompleteStreamError,
    InternalServerError,
    MissingAPIKeyError,
    ModelDeprecatedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamParseError,
    UnprocessableEntityError,
    XAIError,
)

if TYPE_CHECKING:
    from xai_magics.client.client import XAIClient
    from xai_magics.client.completion import (
        Completion,
        ReasoningDelta,
        Retrying,
        StreamEvent,
        TextDelta,
        ToolActivity,
        ToolCall,
        Usage,
    )
    from xai_magics.client.config import Timeouts
    from xai_magics.client.streaming import CompletionStream

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "Completion",
    "CompletionStream",
    "IncompleteStreamError",
    "InternalServerError",
    "MissingAPIKeyError",
    "ModelDeprecatedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningDelta",
    "Retrying",
    "StreamEvent",
    "StreamParseError",
    "TextDelta",
    "Timeouts",
    "ToolActivity",
    "ToolCall",
    "UnprocessableEntityError",
    "Usage",
    "XAIClient",
    "XAIError",
]

_LAZY = {
    "Timeouts": "xai_magics.client.config",
    "XAIClient": "xai_magics.client.client",
    "CompletionStream": "xai_magics.client.streaming",
    "Completion": "xai_magics.client.completion",
    "ReasoningDelta": "xai_magics.client.completion",
    "Retrying": "xai_magics.client.completion",
    "StreamEvent": "xai_magics.client.completion",
    "TextDelta": "xai_magics.client.completion",
    "ToolActivity": "xai_magics.client.completion",
    "ToolCall": "xai_magics.client.tool_calls",
    "Usage": "xai_magics.client.completion",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xai_magics.client' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
