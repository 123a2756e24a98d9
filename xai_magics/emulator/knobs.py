"""The emulator's tunable behaviour: pacing, batch speed, priority, limits.

Knobs are set when the emulator is built, changed at run time through ``POST /__emulator__/config``
and restored to their start values by ``POST /__emulator__/reset``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any


def knob(default: Any, doc: str) -> Any:
    """A knob's default and the one-line help the CLI shows for it."""
    return field(default=default, metadata={"help": doc})


@dataclass
class Knobs:
    ttft_ms: float = knob(0.0, "delay before the first token of an answer, in milliseconds")
    tokens_per_second: float = knob(
        0.0,
        "pace of streamed tokens; 0 sends them as fast as the socket takes them",
    )
    batch_seconds_per_request: float = knob(
        0.01,
        "a batch request finishes this many seconds after it was added",
    )
    priority_granted: bool = knob(
        True,
        'whether ``service_tier: "priority"`` is granted when asked for; when not, the answer '
        'echoes ``"default"`` and is billed at the default rate. The real service may serve '
        '"default" when priority is asked (the echoed service_tier says which; every '
        'recording shows "default"), so set false to test that path',
    )
    max_output_tokens_includes_reasoning: bool = knob(
        False,
        "whether Responses ``max_output_tokens`` also caps reasoning, as xAI's OpenAPI text "
        "says (reasoning can then use the whole cap: status incomplete, no visible text); "
        "off by default because recorded grok-4.3 answers reasoned past the cap (110 and 198 "
        "reasoning tokens with max_output_tokens 16, 116 with 8) and completed",
    )
    bad_key: str = knob(
        "xai-bad-key",
        'the API key the emulator rejects with 400 "Incorrect API key provided"',
    )
    batch_error_shape: str = knob(
        "status",
        'error shape of failed batch results: "status" ({code, message}), "string", '
        '"error_message"',
    )
    batch_results_quirk: str = knob(
        "",
        'a flaw in results paging, for client robustness tests: "" (none), '
        '"duplicate" (each page repeats its first result), "unknown_id" (the first '
        'page adds a result for an id never sent) or "omit" (one finished request never '
        "appears in the results)",
    )
    batch_expire_seconds: float = knob(
        30 * 24 * 3600.0,
        "a batch expires this many seconds after creation; pending requests then end cancelled",
    )
    batch_add_limit: int = knob(
        100,
        "add-requests calls allowed per key within the rolling window, then 429",
    )
    batch_add_window_seconds: float = knob(
        30.0,
        "the rolling window of the add-requests limit, in seconds",
    )
    batch_max_payload_bytes: int = knob(
        25 * 1024 * 1024,
        "largest add-requests body, in bytes (413 above)",
    )
    file_max_bytes: int = knob(50 * 1024 * 1024, "largest file upload, in bytes (413 above)")
    stream_chunk_bytes: int = knob(
        0,
        "when > 0, SSE bytes go out in pieces of this size (splitting events mid-line and "
        "mid-character), each flushed on its own, to test stream decoders over a real "
        "socket",
    )
    tts_realtime_factor: float = knob(
        0.0,
        "streamed TTS audio pace as a fraction of real time; 0 sends it at once",
    )
    tts_chunk_ms: float = knob(
        150.0,
        "length of each streamed ``audio.delta`` chunk, in milliseconds of audio",
    )
    deferred_seconds: float = knob(
        0.0,
        "a deferred chat completion becomes ready this many seconds after it was requested",
    )
    deferred_expire_seconds: float = knob(
        24 * 3600.0,
        "a deferred chat completion not fetched this many seconds after it was requested is "
        "discarded: its GET then answers 404, as xAI's does after 24 h",
    )
    deferred_failure: str = knob(
        "",
        "when set, a deferred chat completion fails instead of answering: once ready, its GET "
        "answers 400 with this message (once; then 404). xAI documents a FAILED state but not "
        "its REST shape; a request rejected after it was accepted is the likely one",
    )
    rate_limit_requests: int = knob(
        1800,
        "requests per minute advertised in ``x-ratelimit-*`` headers",
    )
    rate_limit_tokens: int = knob(
        10_000_000,
        "tokens per minute advertised in ``x-ratelimit-*`` headers",
    )
    rate_limit_enforced: bool = knob(
        False,
        "whether inference requests over the advertised requests or tokens per minute are "
        "answered 429 (with retry-after-ms and Retry-After) instead of only counted",
    )
    rate_limit_window_seconds: float = knob(
        60.0,
        "the rolling window the per-minute limits are counted over; a shorter one holds "
        "limit x window / 60 of them, as services quantise per-minute limits",
    )

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
