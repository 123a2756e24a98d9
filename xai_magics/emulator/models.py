"""``/v1/models`` and ``/v1/language-models``: the catalogue with prices in ticks per token."""

from __future__ import annotations

from xai_magics.emulator import catalog
from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import not_found


def _model_or_404(model_id: str) -> catalog.Model:
    model = catalog.lookup(model_id)
    if model is None:
        raise not_found(
            f"The model {model_id} does not exist or your team does not have access to it."
        )
    return model


class ModelsHandler(BaseHandler):
    service_headers: frozenset[str] = frozenset()  # recorded 2026-02: content-type only

    def get(self) -> None:
        data = [catalog.model_entry(m) for m in catalog.MODELS]
        self.reply({"data": data, "object": "list"})


class ModelHandler(BaseHandler):
    service_headers: frozenset[str] = frozenset()

    def get(self, model_id: str) -> None:
        self.reply(catalog.model_entry(_model_or_404(model_id)))


class LanguageModelsHandler(BaseHandler):
    service_headers = frozenset({"x-request-id"})  # recorded 2025-09

    def get(self) -> None:
        self.reply({"models": [catalog.language_model_entry(m) for m in catalog.MODELS]})


class LanguageModelHandler(BaseHandler):
    service_headers = frozenset({"x-request-id"})

    def get(self, model_id: str) -> None:
        self.reply(catalog.language_model_entry(_model_or_404(model_id)))
