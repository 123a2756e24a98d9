"""Deferred answers: ask now, get the answer later, even after a kernel restart.

``%%grok --deferred`` sends a chat request with ``"deferred": true`` and returns at once; the
answer is polled for in the background, stored the moment it arrives (xAI gives it out once,
within 24 h) and shown in the cell's placeholder. ``%grok_deferred`` lists and re-attaches.

Modules: ``call`` (the two HTTP calls), ``store`` (the SQLite file of requests and answers),
``poller`` (background polling), ``api`` (``Deferrals``, the Python entry point),
``placeholder`` (the cell's output until the answer comes).
"""

from __future__ import annotations

from xai_magics.deferred.api import Deferrals, DeferredAnswer, DeferredError

__all__ = ["Deferrals", "DeferredAnswer", "DeferredError"]
