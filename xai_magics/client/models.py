"""``client.models``: which models exist, and what they cost per token."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from xai_magics.client._json import parse
from xai_magics.client._transport import Transport

if TYPE_CHECKING:
    from xai_magics.schemas.models import LanguageModel, ModelInfo

__all__ = ["ModelsAPI"]


class ModelsAPI:
    """``GET /v1/models`` and ``GET /v1/language-models``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(self) -> builtins.list[ModelInfo]:
        """Every model id the key can use."""
        from xai_magics.schemas.models import ModelList

        content = self._transport.request("GET", "/models").content
        return parse(content, ModelList, "GET /models")[1].data

    def language_models(self) -> builtins.list[LanguageModel]:
        """Text models with prices in ticks per token (1 tick = 1e-10 USD) and aliases."""
        from xai_magics.schemas.models import LanguageModelList

        content = self._transport.request("GET", "/language-models").content
        return parse(content, LanguageModelList, "GET /language-models")[1].models
