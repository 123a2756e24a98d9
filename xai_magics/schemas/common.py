"""Shared base for wire models: tolerant of what the service adds, strict about nothing else.

xAI adds fields often (``cost_in_usd_ticks``, ``server_side_tool_usage_details`` ...), so every
wire model keeps unknown fields (``extra="allow"``) and nearly every field is optional.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ErrorBody", "NestedError", "WireModel"]


class WireModel(BaseModel):
    """A model of something the server sends."""

    model_config = ConfigDict(extra="allow", frozen=False, populate_by_name=True)


class NestedError(WireModel):
    message: str | None = None
    type: str | None = None
    code: str | int | None = None
    param: str | None = None


class ErrorBody(WireModel):
    """xAI's flat ``{"code","error"}`` or OpenAI's ``{"error":{...}}``; both occur."""

    code: str | None = None
    error: str | NestedError | None = None
