"""Deferred chat completions: ``"deferred": true`` returns a ``request_id`` to poll.

``GET /v1/chat/deferred-completion/{id}`` answers 202 with an empty body until the completion is
ready (``deferred_seconds`` after the request), then 200 with it exactly once; afterwards, for ids
never issued, and for one not fetched within ``deferred_expire_seconds`` (24 h, as xAI keeps
them), 404. With ``deferred_failure`` set, a ready request answers that 400 error once instead.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import APIError, not_found


@dataclass
class Deferred:
    ready_at: float
    expires_at: float
    completion: dict[str, Any]
    #: the 400 message a failed request answers with instead of its completion
    failure: str = ""


def defer(handler: BaseHandler, completion: dict[str, Any]) -> None:
    request_id = str(uuid.uuid4())
    knobs = handler.state.knobs
    now = time.monotonic()
    handler.state.deferred[request_id] = Deferred(
        ready_at=now + knobs.deferred_seconds,
        expires_at=now + knobs.deferred_expire_seconds,
        completion=completion,
        failure=knobs.deferred_failure,
    )
    handler.reply({"request_id": request_id})


class DeferredCompletionHandler(BaseHandler):
    def get(self, request_id: str) -> None:
        pending = self.state.deferred.get(request_id)
        now = time.monotonic()
        if pending is not None and now >= pending.expires_at:
            del self.state.deferred[request_id]
            pending = None
        if pending is None:
            raise not_found(f"Deferred completion {request_id} not found (or already retrieved).")
        if now < pending.ready_at:
            self.set_status(202)
            self.clear_header("Content-Type")
            self.finish()
            return
        del self.state.deferred[request_id]
        if pending.failure:
            raise APIError(400, pending.failure)
        self.reply(pending.completion)
