"""Scripted faults: what a test asks the emulator to do wrong, and to which request.

A fault names a method and a path (exact, or a prefix ending in ``*``) and fires ``times`` times,
then is removed. Faults match in the order they were added. Kinds:

- ``status``: answer ``status`` with a flat xAI error body; ``retry_after`` (sent verbatim as
  ``Retry-After``), ``retry_after_ms`` (``retry-after-ms``), ``headers`` (any others, e.g.
  ``x-should-retry``), ``message`` (the ``error`` text) or ``body`` (a replacement body).
- ``reset``: close the socket abruptly (RST) before any response byte.
- ``stall``: wait ``seconds`` before sending headers, then answer normally.
- ``reset_mid_stream``: send ``after_events`` events, then reset the connection (on the TTS
  WebSocket: ``after_events`` audio chunks, then RST, or a close frame if ``close_code`` is given).
- ``stall_mid_stream``: send ``after_events`` events, then go silent for ``seconds``.
- ``trickle_body``: send a non-stream answer in ``chunk_bytes`` pieces (default 64), one every
  ``interval`` seconds (default 0.1), so each read is quick but the whole body is slow.
- ``eof_mid_stream``: send ``after_events`` events, then end the stream cleanly without its
  terminal event (no ``[DONE]``, no ``response.completed``).
- ``corrupt_event``: the event after ``after_events`` carries invalid JSON.
- ``error_event``: after ``after_events`` events, send an error event (``message``) and end.
- ``commit_then_fail``: do the request's work (e.g. add the batch requests), then answer
  ``status`` (default 500), or reset the connection if ``then`` is ``"reset"``.
- ``answer``: use ``text`` verbatim as the model's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "status",
    "reset",
    "stall",
    "reset_mid_stream",
    "stall_mid_stream",
    "trickle_body",
    "eof_mid_stream",
    "corrupt_event",
    "error_event",
    "commit_then_fail",
    "answer",
)

#: Kinds that act on a stream once it runs; they are looked up by the stream writer.
STREAM_KINDS = frozenset(
    {"reset_mid_stream", "stall_mid_stream", "eof_mid_stream", "corrupt_event", "error_event"}
)


@dataclass
class Fault:
    kind: str
    path: str
    method: str = "POST"
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "method": self.method,
            "times": self.times,
            **self.params,
        }

    def int_param(self, name: str, default: int) -> int:
        value = self.params.get(name, default)
        return int(value) if isinstance(value, (int, float)) else default

    def float_param(self, name: str, default: float) -> float:
        value = self.params.get(name, default)
        return float(value) if isinstance(value, (int, float)) else default


def parse_fault(body: Any) -> Fault:
    """A Fault from the admin route's JSON body; ValueError says what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("a fault is a JSON object")
    params = dict(body)
    kind = params.pop("kind", None)
    path = params.pop("path", None)
    method = params.pop("method", "POST")
    times = params.pop("times", 1)
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; kinds: {', '.join(KINDS)}")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("a fault needs a 'path' starting with '/' (a trailing '*' makes a prefix)")
    if not isinstance(method, str):
        raise ValueError("'method' must be a string")
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ValueError("'times' must be a positive integer")
    if kind == "status" and not isinstance(params.get("status"), int):
        raise ValueError("a 'status' fault needs an integer 'status'")
    if kind == "answer" and not isinstance(params.get("text"), str):
        raise ValueError("an 'answer' fault needs a string 'text'")
    return Fault(kind=kind, path=path, method=method.upper(), times=times, params=params)


class FaultBook:
    """The faults waiting to fire, in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counted as fired (removed when used up)."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None
