"""The rows table: one row per input row x variant x repeat, read back from the job store.

Every job (batch or ``--now``) keeps its results in the store by row position, so a table built
from a re-attached job equals the one built when it first ran. Columns are the ones agreed in
``notes/evals-interface.md``: variant, model, tier (asked), tier_served, prompt, row, repeat,
answer, expected, error, input/output/reasoning tokens, tokens, cost_usd, latency_s.

``output_tokens`` counts reasoning (it is billed as output); ``reasoning_tokens`` is the part of
it the answer reported as reasoning. ``tier_served`` is the answer's own ``service_tier``: a
priority request the service did not grant says ``default`` there, and is billed so. Batch
results carry the field too, and the recorded ones (2026) say ``default``, although a batch is
billed at the batch rate: for a batch row the column tells priority from not, not the discount.
Both are NA where unknown: a failed or skipped row, or a result stored before the job store kept
them (an older version's job attached again): never a made-up 0 or tier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

from xai_magics.batch.job import BatchJob
from xai_magics.evals.tasks import Task

COLUMNS = (
    "variant",
    "model",
    "tier",
    "tier_served",
    "prompt",
    "row",
    "repeat",
    "answer",
    "expected",
    "error",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "tokens",
    "cost_usd",
    "latency_s",
)


def task_rows(
    task: Task, job: BatchJob, expected: Sequence[Any], latencies: Mapping[int, float]
) -> pd.DataFrame:
    """The rows of one job: its answers (None where a request failed or was skipped, with why)
    and what each cost, against the expected values."""
    outcomes = job.outcomes()
    n = len(expected)
    counts = {r.position: r for r in job.store.results(job.record.job_id)}
    input_tokens = [_count(counts.get(p), "input_tokens") for p in range(n)]
    output_tokens = [_count(counts.get(p), "output_tokens") for p in range(n)]
    ok = [status == "ok" for status in outcomes.status]
    answers = [a if good else None for a, good in zip(outcomes.answer, ok, strict=True)]
    errors = [
        None if good else (e or f"no answer ({s})")
        for e, s, good in zip(outcomes.error, outcomes.status, ok, strict=True)
    ]
    variant = task.variant
    return pd.DataFrame(
        {
            "variant": pd.Series([variant.name] * n, dtype=object),
            "model": variant.model,
            "tier": variant.tier,
            "tier_served": pd.Series(outcomes.service_tier, dtype=object),
            "prompt": variant.prompt,
            "row": np.arange(n, dtype=np.int64),
            "repeat": np.full(n, task.repeat, dtype=np.int64),
            "answer": pd.Series(answers, dtype=object),
            "expected": pd.Series(list(expected), dtype=object),
            "error": pd.Series(errors, dtype=object),
            "input_tokens": np.asarray(input_tokens, dtype=np.int64),
            "output_tokens": np.asarray(output_tokens, dtype=np.int64),
            "reasoning_tokens": pd.array(outcomes.reasoning_tokens, dtype="Int64"),
            "tokens": np.asarray(input_tokens, dtype=np.int64) + output_tokens,
            "cost_usd": np.asarray([c or 0.0 for c in outcomes.cost_usd], dtype=np.float64),
            "latency_s": np.asarray([latencies.get(p, np.nan) for p in range(n)], dtype=float),
        },
        columns=list(COLUMNS),
    )


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in COLUMNS})


def _count(record: Any, field: str) -> int:
    value = None if record is None else getattr(record, field)
    return int(value or 0)
