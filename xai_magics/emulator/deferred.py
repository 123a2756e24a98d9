"""Deferred chat completions: ``"deferred": true`` returns a ``request_id`` to poll.

``GET /v1/chat/deferred-completion/{id}`` answers 202 with an empty body until the completion is
ready (``deferred_seconds`` after the request), then 200 with it exactly once; afterwards, and
for ids never issued, 404.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import not_found


@dataclass
class Deferred:
    ready_at: float
    completion: dict[str, Any]


def defer(handler: BaseHandler, completion: dict[str, Any]) -> None:
    request_id = str(uuid.uuid4())
    ready_at = time.monotonic() + handler.state.knobs.deferred_seconds
    handler.state.deferred[request_id] = Deferred(ready_at, completion)
    handler.reply({"request_id": request_id})


class DeferredCompletionHandler(BaseHandler):
    def get(self, request_id: str) -> None:
        pending = self.state.deferred.get(request_id)
        if pending is None:
            raise not_found(f"Deferred completion {request_id} not found (or already retrieved).")
        if time.monotonic() < pending.ready_at:
            self.set_status(202)
            self.clear_header("Content-Type")
            self.finish()
            return
        del self.state.deferred[request_id]
        self.reply(pending.completion)
