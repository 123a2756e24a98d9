"""A job split over several batches, in real kernels: sent as one job, the kernel killed, the
same cell re-attaches to every batch, and one cancel stops them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import committed_adds, creates
from tests.batch.kernel import kernel_with

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
%config BatchMagics.chunk_rows = 7
%config BatchMagics.batch_rows = 25
import polars as pl
reviews = [f"review number {i}" for i in range(60)]
reviews[30] = None
pl.DataFrame({"review": reviews}).write_parquet("reviews.parquet")
lazy = pl.scan_parquet("reviews.parquet")
"""
CELL = 'job = %grok_batch lazy --prompt "Sentiment of: {review}"\nprint(job)'


def test_split_job_resumes_in_a_new_kernel_and_cancels_together(
    emu: Any, api_env: dict[str, str], tmp_path: Path
) -> None:
    emu.control.configure(batch_seconds_per_request=3600)
    setup = f"import os\nos.chdir({str(tmp_path)!r})\n" + SETUP
    with kernel_with(api_env, tmp_path / "store", setup) as kernel:
        out = kernel.run(CELL)["stdout"]
        assert "<SplitJob 'lazy' 3 batches" in out
        assert "0/59 done" in out
    assert creates(emu) == 3
    with kernel_with(api_env, tmp_path / "store", setup) as kernel:
        out = kernel.run(CELL)["stdout"]  # the same cell after a dead kernel: re-attached
        assert "<SplitJob 'lazy' 3 batches" in out
        assert creates(emu) == 3
        assert set(committed_adds(emu).values()) == {1}
        assert len(committed_adds(emu)) == 59
        out = kernel.run("%grok_batch --cancel lazy")["stdout"]
        assert "Cancel sent" in out
        assert out.count("batch_") >= 3  # every batch named
        out = kernel.run(
            "done = %grok_batch --attach lazy lazy --wait\n"
            "print(sorted(set(done.collect()['answer_status'].to_list())))"
        )["stdout"]
        assert "['cancelled', 'skipped']" in out
    cancels = [e for e in emu.control.log() if e["path"].endswith(":cancel")]
    assert len(cancels) == 3
