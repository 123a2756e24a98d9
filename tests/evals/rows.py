"""Rows tables as the runner builds them (the contract in the evals interface), for tests."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def rows_table(
    answers: Mapping[str, Sequence[str | None]],
    expected: Sequence[Any],
    *,
    cost_usd: Mapping[str, float] | None = None,
    latency_s: Mapping[str, Sequence[float]] | None = None,
    repeats: int = 1,
) -> pd.DataFrame:
    """One row per input row x variant x repeat. ``answers[variant]`` lists the answers row by
    row (repeat after repeat when ``repeats`` > 1); a variant is ``model[@tier] · prompt``."""
    records = []
    for variant, texts in answers.items():
        spec, _, prompt = variant.partition(" · ")
        model, _, tier = spec.partition("@")
        for i, answer in enumerate(texts):
            row, repeat = i % len(expected), i // len(expected)
            assert repeat < repeats
            records.append(
                {
                    "variant": variant,
                    "model": model,
                    "tier": tier or "default",
                    "tier_served": (tier or "default") if answer is not None else None,
                    "prompt": prompt or "default",
                    "row": row,
                    "repeat": repeat,
                    "answer": answer,
                    "expected": expected[row],
                    "error": None if answer is not None else "HTTP 503: simulated outage",
                    "input_tokens": 10,
                    "output_tokens": 5,
                    "reasoning_tokens": 0,
                    "tokens": 15,
                    "cost_usd": (cost_usd or {}).get(variant, 0.001),
                    "latency_s": (latency_s[variant][i] if latency_s else math.nan),
                }
            )
    frame = pd.DataFrame.from_records(records)
    frame["expected"] = frame["expected"].astype(object)
    return frame
