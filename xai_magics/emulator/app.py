"""The route table: which handler serves which path of the emulated API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tornado.web

from xai_magics.emulator import admin, chat, models, responses
from xai_magics.emulator.base import NotFoundHandler
from xai_magics.emulator.state import State

#: Tornado refuses bodies above this before any handler runs; routes enforce their own limits
#: (50 MB files, 25 MB batch adds) below it so clients get a proper 413.
MAX_BODY_BYTES = 128 * 1024 * 1024

_ID = r"([^/]+)"


def make_app(state: State, open_connections: Callable[[], int]) -> tornado.web.Application:
    from xai_magics.emulator import (
        batches,
        deferred,
        files,
        images,
        tokenizer,
        tts_rest,
        tts_ws,
    )

    s: dict[str, Any] = {"state": state}
    routes: list[Any] = [
        (r"/v1/chat/completions", chat.ChatCompletionsHandler, s),
        (rf"/v1/chat/deferred-completion/{_ID}", deferred.DeferredCompletionHandler, s),
        (r"/v1/tokenize-text", tokenizer.TokenizeHandler, s),
        (r"/v1/responses", responses.ResponsesHandler, s),
        (rf"/v1/responses/{_ID}", responses.ResponseItemHandler, s),
        (r"/v1/models", models.ModelsHandler, s),
        (rf"/v1/models/{_ID}", models.ModelHandler, s),
        (r"/v1/language-models", models.LanguageModelsHandler, s),
        (rf"/v1/language-models/{_ID}", models.LanguageModelHandler, s),
        (r"/v1/files", files.FilesHandler, s),
        (rf"/v1/files/{_ID}", files.FileHandler, s),
        (rf"/v1/files/{_ID}/content", files.FileContentHandler, s),
        (r"/v1/batches", batches.BatchesHandler, s),
        (r"/v1/batches/([^/:]+):cancel", batches.BatchCancelHandler, s),
        (r"/v1/batches/([^/:]+)", batches.BatchHandler, s),
        (r"/v1/batches/([^/:]+)/requests", batches.BatchRequestsHandler, s),
        (r"/v1/batches/([^/:]+)/results", batches.BatchResultsHandler, s),
        (r"/v1/images/generations", images.ImageGenerationsHandler, s),
        (r"/v1/images/edits", images.ImageEditsHandler, s),
        (r"/xai-imgen/([^/]+)", images.ImageDownloadHandler, s),
        (r"/v1/tts", tts_ws.TTSHandler, s),
        (r"/v1/tts/voices", tts_rest.VoicesHandler, s),
        (rf"/v1/tts/voices/{_ID}", tts_rest.VoiceHandler, s),
        (r"/__emulator__/faults", admin.FaultsHandler, s),
        (r"/__emulator__/log", admin.LogHandler, s),
        (r"/__emulator__/reset", admin.ResetHandler, s),
        (r"/__emulator__/config", admin.ConfigHandler, s),
        (
            r"/__emulator__/stats",
            admin.StatsHandler,
            {"state": state, "server_connections": open_connections},
        ),
        (r"/__emulator__/batches/([^/:]+):cancel_by_xai", admin.BatchCancelByXaiHandler, s),
    ]
    return tornado.web.Application(
        routes,
        default_handler_class=NotFoundHandler,
        default_handler_args=s,
        compress_response=False,
        websocket_ping_interval=None,
        log_function=_quiet,
    )


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: tests read the emulator's own request log instead."""
