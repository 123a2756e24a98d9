"""The base of the routes that simulate a model call (chat completions and responses)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.catalog import Model
from xai_magics.emulator.generation import (
    Generation,
    OutputFormat,
    generate,
    request_seed,
    service_tier,
)
from xai_magics.emulator.prompt_cache import Turn
from xai_magics.emulator.tool_calls import function_tools, plan_calls


class InferenceHandler(BaseHandler):
    rate_limited = True

    def simulate(
        self,
        body: dict[str, Any],
        *,
        model: Model,
        turns: Sequence[Turn],
        effort: str | None,
        fmt: OutputFormat,
        nested_tools: bool,
        max_visible: int | None = None,
        max_total: int | None = None,
        stop: Sequence[str] = (),
    ) -> Generation:
        """The simulated call for a validated request: tools, caching, tier and faults applied."""
        calls = plan_calls(
            function_tools(body.get("tools"), nested=nested_tools),
            body.get("tool_choice"),
            turns,
            parallel=body.get("parallel_tool_calls", True) is not False,
        )
        gen = generate(
            model=model,
            turns=turns,
            cache=self.state.cache,
            cache_scope=f"{self.key_sha}:{model.id}",
            effort=effort,
            fmt=fmt,
            answer_override=self.answer_override(),
            max_visible=max_visible,
            max_total=max_total,
            priority=service_tier(body, self.state.knobs.priority_granted),
            tool_calls=calls,
            stop=stop,
            seed=request_seed(body),
        )
        used = gen.prompt_tokens + gen.completion_tokens + gen.reasoning_used
        self.state.rate_limits.spend_tokens(self.key_sha, used)
        return gen

    def answer_override(self) -> str | None:
        if self.fault is not None and self.fault.kind == "answer":
            text = self.fault.params.get("text")
            return text if isinstance(text, str) else None
        return None

    async def pace_whole_answer(self, gen: Generation) -> None:
        """Non-streaming answers take as long as their stream would, and say so in x-metrics."""
        knobs = self.state.knobs
        tokens = len(gen.answer_tokens) + len(gen.reasoning_pieces)
        itl_ms = 1000 / knobs.tokens_per_second if knobs.tokens_per_second > 0 else 0.0
        e2e_ms = knobs.ttft_ms + itl_ms * tokens
        if e2e_ms > 0:
            await asyncio.sleep(e2e_ms / 1000)
        self.set_header("x-metrics-ttft-ms", f"{knobs.ttft_ms:.1f}")
        self.set_header("x-metrics-mean-itl-ms", f"{itl_ms:.1f}")
        self.set_header("x-metrics-e2e-ms", f"{e2e_ms:.1f}")
