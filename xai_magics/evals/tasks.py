"""One job per variant and repeat, named so that the same requests always find the same job.

The name carries the eval's name, the variant, the repeat and a digest of the job's requests (rows,
template, model, options, seed, tier, path): running the eval again attaches to every job and
sends nothing, and changing one variant changes only that variant's names, so only it runs.
Repeat 0 sends no seed, repeat k sends ``seed=k``: each repeat is an independent draw, and
adding repeats later leaves the earlier ones attached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from xai_magics.evals.variants import Variant

Path = Literal["batch", "now", "priority"]


@dataclass(frozen=True)
class Task:
    """One variant's requests for one repeat."""

    variant: Variant
    repeat: int
    path: Path

    @property
    def seed(self) -> int | None:
        return self.repeat or None

    def job_name(self, eval_name: str, requests_digest: str) -> str:
        """``eval NAME · VARIANT · rK · DIGEST`` (``--now`` adds ``.now`` to it, as always)."""
        key = f"{requests_digest}\0{self.variant.tier}\0{self.path}".encode()
        digest = hashlib.sha256(key).hexdigest()[:10]
        return f"eval {eval_name} · {self.variant.name} · r{self.repeat} · {digest}"


def tasks(variants: list[Variant], repeats: int, mode: Literal["batch", "now"]) -> list[Task]:
    """Every variant times every repeat; a priority variant is answered in real time at the
    priority tier whatever the mode (batches have no tier)."""
    return [
        Task(v, k, "priority" if v.tier == "priority" else mode)
        for v in variants
        for k in range(repeats)
    ]
