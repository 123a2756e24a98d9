"""The first pass over the frame: which rows are sent, which are skipped and why, and a digest.

Nothing is kept per row except skip reasons, so this pass costs memory for one block only. The
digest covers every rendered prompt (and which rows are skipped): it is what tells a re-run cell
whether the frame changed since the batch was submitted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.frame import FrameSource
from xai_magics.batch.prompts import render_block
from xai_magics.batch.template import ColumnTemplate

BLOCK_ROWS = 16_384  # Arrow string kernels run fastest on blocks of a few MB (benchmarked)


class EmptyBatchError(ValueError):
    """Nothing to send: the frame is empty or every row was skipped."""


@dataclass
class RowsPlan:
    """What a batch over this frame would contain."""

    n_rows: int
    skipped: dict[int, str]
    prompt_bytes: int  # UTF-8 bytes of all prompts that would be sent
    digest: str
    samples: list[tuple[int, str]] = field(default_factory=list)  # first rendered prompts

    @property
    def n_sent(self) -> int:
        return self.n_rows - len(self.skipped)

    def require_rows(self) -> None:
        """Refuse an empty batch before any request is made."""
        if self.n_rows == 0:
            raise EmptyBatchError("the frame has no rows: nothing to submit")
        if self.n_sent == 0:
            reasons = sorted(set(self.skipped.values()))
            listed = "; ".join(reasons[:5])
            raise EmptyBatchError(
                f"every one of the {self.n_rows:,} rows would be skipped ({listed}); "
                "fix the data or the template, nothing was sent"
            )


def plan_rows(
    source: FrameSource,
    template: ColumnTemplate,
    max_prompt_bytes: int,
    n_samples: int = 3,
    block_rows: int = BLOCK_ROWS,
) -> RowsPlan:
    """Render every block once to find skipped rows, sizes and the data digest."""
    lengths_hash = hashlib.blake2b(digest_size=16)
    data_hash = hashlib.blake2b(digest_size=16)
    skipped: dict[int, str] = {}
    samples: list[tuple[int, str]] = []
    total = 0
    for start, stop in source.blocks(0, block_rows):
        block = render_block(source, template, start, stop, max_prompt_bytes)
        skipped.update(block.skipped)
        prompts = block.prompts
        sizes = pc.fill_null(pc.binary_length(prompts), -1).to_numpy(zero_copy_only=False)
        lengths_hash.update(sizes.astype(np.int64).tobytes())
        data_hash.update(_data_bytes(prompts))
        total += int(sizes[sizes > 0].sum())
        if len(samples) < n_samples:
            for offset in pc.indices_nonzero(pc.is_valid(prompts)).to_pylist():
                if len(samples) >= n_samples:
                    break
                samples.append((start + offset, prompts[offset].as_py()))
    digest = hashlib.blake2b(lengths_hash.digest() + data_hash.digest(), digest_size=16).hexdigest()
    return RowsPlan(source.n_rows, skipped, total, digest, samples)


def _data_bytes(strings: pa.Array) -> memoryview:
    """The UTF-8 bytes of every element, end to end (no copy)."""
    if len(strings) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(strings.buffers()[1], np.int64, len(strings) + 1, strings.offset * 8)
    data = strings.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]
