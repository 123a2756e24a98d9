"""The base of the routes that simulate a model call (chat completions and responses)."""

from __future__ import annotations

import asyncio

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.generation import Generation


class InferenceHandler(BaseHandler):
    rate_limited = True

    def answer_override(self) -> str | None:
        if self.fault is not None and self.fault.kind == "answer":
            text = self.fault.params.get("text")
            return text if isinstance(text, str) else None
        return None

    async def pace_whole_answer(self, gen: Generation) -> None:
        """Non-streaming answers take as long as their stream would, and say so in x-metrics."""
        knobs = self.state.knobs
        tokens = len(gen.answer_tokens) + len(gen.reasoning_tokens)
        itl_ms = 1000 / knobs.tokens_per_second if knobs.tokens_per_second > 0 else 0.0
        e2e_ms = knobs.ttft_ms + itl_ms * tokens
        if e2e_ms > 0:
            await asyncio.sleep(e2e_ms / 1000)
        self.set_header("x-metrics-ttft-ms", f"{knobs.ttft_ms:.1f}")
        self.set_header("x-metrics-mean-itl-ms", f"{itl_ms:.1f}")
        self.set_header("x-metrics-e2e-ms", f"{e2e_ms:.1f}")
