"""``/__emulator__/*``: the test-facing control routes (faults, log, reset, config). No auth."""

from __future__ import annotations

import time
from typing import Any

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import APIError, not_found
from xai_magics.emulator.faults import parse_fault


class AdminHandler(BaseHandler):
    requires_auth = False
    fault_aware = False

    def prepare(self) -> None:  # type: ignore[override]
        # Admin calls are not part of the emulated traffic, so they stay out of the request log.
        return None


class FaultsHandler(AdminHandler):
    def get(self) -> None:
        self.reply({"faults": self.state.faults.pending()})

    def post(self) -> None:
        try:
            fault = parse_fault(self.json_body())
        except ValueError as exc:
            raise APIError(400, str(exc)) from None
        self.state.faults.add(fault)
        self.reply({"faults": self.state.faults.pending()})

    def delete(self) -> None:
        self.state.faults.clear()
        self.reply({"faults": []})


class LogHandler(AdminHandler):
    def get(self) -> None:
        self.reply({"requests": self.state.log.entries()})

    def delete(self) -> None:
        self.state.log.clear()
        self.reply({"requests": []})


class ResetHandler(AdminHandler):
    def post(self) -> None:
        self.state.reset()
        self.reply(self.state.knobs.as_dict())


class ConfigHandler(AdminHandler):
    def get(self) -> None:
        self.reply(self.state.knobs.as_dict())

    def post(self) -> None:
        body = self.json_object()
        try:
            self.state.knobs = self.state.knobs.updated(body)
        except ValueError as exc:
            raise APIError(400, str(exc)) from None
        self.reply(self.state.knobs.as_dict())


class StatsHandler(AdminHandler):
    """Connections now open (excluding this admin request's own), for leak checks, and those
    opened for API calls since the last reset, for connection churn."""

    def initialize(self, state: Any, server_connections: Any = None) -> None:
        super().initialize(state)
        self.server_connections = server_connections

    def get(self) -> None:
        count = self.server_connections() if self.server_connections is not None else 0
        self.reply(
            {
                "open_connections": max(count - 1, 0),
                "connections_opened": self.state.connections.opened,
            }
        )


class BatchCancelByXaiHandler(AdminHandler):
    """Cancel a batch as xAI would: pending requests end cancelled, with a message."""

    def post(self, batch_id: str) -> None:
        batch = self.state.batches.get(batch_id)
        if batch is None:
            raise not_found(f"Batch {batch_id} not found.")
        body = self.json_body() if self.request.body else {}
        message = body.get("message") if isinstance(body, dict) else None
        batch.cancel_at = batch.cancel_at or time.time()
        batch.cancel_by_xai_message = (
            message if isinstance(message, str) else "Batch cancelled by xAI (simulated)."
        )
        self.reply(batch.as_json(time.time()))
