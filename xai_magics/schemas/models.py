"""Wire models for ``/v1/models`` and ``/v1/language-models`` (prices in ticks per token)."""

from __future__ import annotations

from pydantic import Field

from xai_magics.schemas.common import WireModel

__all__ = ["LanguageModel", "LanguageModelList", "ModelInfo", "ModelList"]


class ModelInfo(WireModel):
    id: str
    created: int | None = None
    object: str | None = None
    owned_by: str | None = None


class ModelList(WireModel):
    object: str | None = None
    data: list[ModelInfo] = Field(default_factory=list)


class LanguageModel(WireModel):
    """A text model with prices. 1 tick = 1e-10 USD, so a price of 30000 is $3.00 per million."""

    id: str
    fingerprint: str | None = None
    created: int | None = None
    object: str | None = None
    owned_by: str | None = None
    version: str | None = None
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    prompt_text_token_price: int | None = None
    cached_prompt_text_token_price: int | None = None
    prompt_image_token_price: int | None = None
    completion_text_token_price: int | None = None
    search_price: int | None = None
    aliases: list[str] = Field(default_factory=list)


class LanguageModelList(WireModel):
    models: list[LanguageModel] = Field(default_factory=list)
