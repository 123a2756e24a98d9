"""The first pass over the frame: which rows are sent, which are skipped and why, and a digest.

Nothing is kept per row except skip reasons, so this pass costs memory for one block only. The
digest covers the text of every cell the template uses (and which rows are sent): it is what
tells a re-run cell whether the frame changed since the batch was submitted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.frame import FrameSource
from xai_magics.batch.prompts import RowBlock, read_block
from xai_magics.batch.template import ColumnTemplate

BLOCK_ROWS = 8_192  # a few MB per block: fast Arrow kernels, small peak memory (benchmarked)


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
    image_column: str | None = None,
) -> RowsPlan:
    """Read every block once to find skipped rows, prompt sizes and the data digest.

    With ``image_column`` the digest covers each row's picture too (its bytes, as sent).
    """
    # The digest covers each column's texts (lengths, nulls and bytes as separate streams, so
    # block boundaries do not matter) and which rows are sent; sha1 is fast and this is not a
    # security boundary, only change detection.
    hashes = {
        column: (
            hashlib.sha1(usedforsecurity=False),
            hashlib.sha1(usedforsecurity=False),
        )
        for column in template.columns
    }
    if image_column is not None:
        from xai_magics.images.batch_column import IMAGE_BLOCK_ROWS, image_key

        block_rows = min(block_rows, IMAGE_BLOCK_ROWS)
        hashes[image_key(image_column)] = (
            hashlib.sha1(usedforsecurity=False),
            hashlib.sha1(usedforsecurity=False),
        )
    sent_hash = hashlib.sha1(usedforsecurity=False)
    skipped: dict[int, str] = {}
    samples: list[tuple[int, str]] = []
    total = 0
    for start, stop in source.blocks(0, block_rows):
        block = read_block(source, template, start, stop, max_prompt_bytes, image_column)
        skipped.update(block.skipped)
        for column, text in block.texts.items():
            lengths, data = hashes[column]
            sizes = pc.fill_null(pc.binary_length(text), -1).to_numpy(zero_copy_only=False)
            lengths.update(sizes.astype(np.int64).tobytes())
            data.update(_data_bytes(text))
        sent_hash.update(np.asarray(block.valid.to_numpy(zero_copy_only=False)).tobytes())
        sent_sizes = pc.filter(block.prompt_bytes, block.valid)
        total += int(pc.sum(sent_sizes).as_py() or 0)
        if len(samples) < n_samples:
            samples += _samples(block, template, n_samples - len(samples))
    combined = hashlib.sha256(sent_hash.digest())
    for lengths, data in hashes.values():
        combined.update(lengths.digest() + data.digest())
    return RowsPlan(source.n_rows, skipped, total, combined.hexdigest()[:32], samples)


def _samples(block: RowBlock, template: ColumnTemplate, wanted: int) -> list[tuple[int, str]]:
    """The first rendered prompts of a block, for dry runs."""
    found: list[tuple[int, str]] = []
    for offset in pc.indices_nonzero(block.valid).to_pylist()[:wanted]:
        row = {column: text[offset].as_py() for column, text in block.texts.items()}
        found.append((block.start + offset, template.render(row)))
    return found


def _data_bytes(strings: pa.Array) -> memoryview:
    """The UTF-8 bytes of every element, end to end (no copy)."""
    strings = strings.cast(pa.large_string())
    if len(strings) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(strings.buffers()[1], np.int64, len(strings) + 1, strings.offset * 8)
    data = strings.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]
