"""The emulator's tunable behaviour: pacing, batch speed, priority, limits.

Knobs are set when the emulator is built, changed at run time through ``POST /__emulator__/config``
and restored to their start values by ``POST /__emulator__/reset``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass
class Knobs:
    #: delay before the first token of an answer, in milliseconds
    ttft_ms: float = 0.0
    #: pace of streamed tokens; 0 sends them as fast as the socket takes them
    tokens_per_second: float = 0.0
    #: a batch request finishes this many seconds after it was added
    batch_seconds_per_request: float = 0.01
    #: whether ``service_tier: "priority"`` is granted (echoed and billed) when asked for
    priority_granted: bool = True
    #: the API key the emulator rejects with 400 "Incorrect API key provided"
    bad_key: str = "xai-bad-key"
    #: error shape of failed batch results: "status" ({code, message}), "string", "error_message"
    batch_error_shape: str = "status"
    #: a flaw in results paging, for client robustness tests: "" (none), "duplicate" (each page
    #: repeats its first result), "unknown_id" (the first page adds a result for an id never
    #: sent) or "omit" (one finished request never appears in the results)
    batch_results_quirk: str = ""
    #: a batch expires this many seconds after creation; pending requests then end cancelled
    batch_expire_seconds: float = 30 * 24 * 3600.0
    #: add-requests calls allowed per key within the rolling window, then 429
    batch_add_limit: int = 100
    batch_add_window_seconds: float = 30.0
    #: largest add-requests body, in bytes (413 above)
    batch_max_payload_bytes: int = 25 * 1024 * 1024
    #: largest file upload, in bytes (413 above)
    file_max_bytes: int = 50 * 1024 * 1024
    #: when > 0, SSE bytes go out in pieces of this size (splitting events mid-line and
    #: mid-character), each flushed on its own, to test stream decoders over a real socket
    stream_chunk_bytes: int = 0
    #: streamed TTS audio pace as a fraction of real time; 0 sends it at once
    tts_realtime_factor: float = 0.0
    #: length of each streamed ``audio.delta`` chunk, in milliseconds of audio
    tts_chunk_ms: float = 150.0
    #: a deferred chat completion becomes ready this many seconds after it was requested
    deferred_seconds: float = 0.0
    #: requests per minute advertised in ``x-ratelimit-*`` headers
    rate_limit_requests: int = 1800
    rate_limit_tokens: int = 10_000_000

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> Knobs:
        """A copy with ``changes`` applied; ValueError names any unknown or mistyped knob."""
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown knob {name!r}; known knobs: {', '.join(sorted(known))}")
            current = getattr(self, name)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"knob {name!r} takes true or false")
            elif isinstance(current, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"knob {name!r} takes a number")
                value = int(value) if isinstance(current, int) else float(value)
            elif isinstance(current, str) and not isinstance(value, str):
                raise ValueError(f"knob {name!r} takes a string")
            clean[name] = value
        if clean.get("batch_error_shape", self.batch_error_shape) not in BATCH_ERROR_SHAPES:
            raise ValueError(f"batch_error_shape must be one of {', '.join(BATCH_ERROR_SHAPES)}")
        if clean.get("batch_results_quirk", self.batch_results_quirk) not in BATCH_RESULTS_QUIRKS:
            raise ValueError(f"batch_results_quirk must be one of {BATCH_RESULTS_QUIRKS}")
        return replace(self, **clean)


BATCH_ERROR_SHAPES = ("status", "string", "error_message")
BATCH_RESULTS_QUIRKS = ("", "duplicate", "unknown_id", "omit")
