"""Add-requests bodies: request lines grouped into chunks bounded by count and by bytes.

xAI takes at most 25 MB per add-requests call. Chunks are cut deterministically from the frame,
so after a kernel restart the same frame yields the same chunks and sending resumes at the first
chunk the job store has not seen acknowledged. Each body is pre-serialised bytes, built from Arrow
buffers without a Python object per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.frame import FrameSource
from xai_magics.batch.plan import BLOCK_ROWS
from xai_magics.batch.prompts import read_block
from xai_magics.batch.template import ColumnTemplate
from xai_magics.batch.wire import LineBuilder

MAX_CALL_BYTES = 25_000_000  # xAI's documented limit per add-requests call
DEFAULT_CHUNK_ROWS = 10_000
_OPEN = b'{"batch_requests":['
_CLOSE = b"]}"


@dataclass(frozen=True)
class Chunk:
    """One add-requests call: source rows ``first_row:stop_row`` minus skipped rows.

    ``positions`` are the rows' positions in the user's frame (the request ids' suffixes).
    """

    index: int
    first_row: int
    stop_row: int
    positions: tuple[int, ...]
    body: bytes

    @property
    def count(self) -> int:
        return len(self.positions)


@dataclass
class _Pending:
    positions: list[np.ndarray]
    local: list[np.ndarray]
    pieces: list[memoryview]
    rows: int = 0
    size: int = 0


def iter_chunks(
    source: FrameSource,
    template: ColumnTemplate,
    builder: LineBuilder,
    *,
    max_prompt_bytes: int,
    start_row: int = 0,
    start_index: int = 0,
    max_rows: int = DEFAULT_CHUNK_ROWS,
    max_bytes: int = MAX_CALL_BYTES,
    block_rows: int = BLOCK_ROWS,
    row_ids: np.ndarray | None = None,
) -> Iterator[Chunk]:
    """Yield the chunks that cover rows from ``start_row`` on, numbered from ``start_index``.

    ``row_ids`` maps the source's rows to positions in the user's frame when the source holds only
    some of them (a retry of failed rows); request ids and ``Chunk.positions`` use those.
    """
    budget = max_bytes - len(_OPEN) - len(_CLOSE)
    image_column = builder.image_column
    if image_column is not None:
        from xai_magics.images.batch_column import IMAGE_BLOCK_ROWS

        block_rows = min(block_rows, IMAGE_BLOCK_ROWS)
    pending = _Pending([], [], [])
    index = start_index
    for start, stop in source.blocks(start_row, block_rows):
        block = read_block(source, template, start, stop, max_prompt_bytes, image_column)
        if block.all_valid:
            local = np.arange(start, stop, dtype=np.int64)
        else:
            local = pc.indices_nonzero(block.valid).to_numpy().astype(np.int64) + start
            if len(local) == 0:
                continue
        positions = local if row_ids is None else row_ids[local]
        block_ids = np.arange(start, stop) if row_ids is None else row_ids[start:stop]
        lines = builder.lines(pa.array(block_ids), block.texts)
        if not block.all_valid:
            lines = lines.filter(block.valid)
        sizes = pc.binary_length(lines).to_numpy()
        offsets = np.frombuffer(lines.buffers()[1], np.int64, len(lines) + 1, lines.offset * 8)
        data = memoryview(lines.buffers()[2])
        i = 0
        while i < len(lines):
            if int(sizes[i]) > budget:
                raise ValueError(f"row {positions[i]} alone is larger than {max_bytes:,} bytes")
            room_rows = max_rows - pending.rows
            fits = np.searchsorted(
                np.cumsum(sizes[i : i + room_rows]), budget - pending.size, "right"
            )
            take = int(fits)
            if take:
                pending.positions.append(positions[i : i + take])
                pending.local.append(local[i : i + take])
                pending.pieces.append(data[int(offsets[i]) : int(offsets[i + take])])
                pending.rows += take
                pending.size += int(offsets[i + take] - offsets[i])
                i += take
            if i < len(lines) or pending.rows >= max_rows:
                yield _emit(index, pending)
                index += 1
                pending = _Pending([], [], [])
    if pending.rows:
        yield _emit(index, pending)


def _emit(index: int, pending: _Pending) -> Chunk:
    positions = np.concatenate(pending.positions)
    # every line ends with a comma; the last one must not
    pending.pieces[-1] = pending.pieces[-1][:-1]
    body = b"".join([_OPEN, *pending.pieces, _CLOSE])
    local = np.concatenate(pending.local)
    first, last = int(local[0]), int(local[-1])
    return Chunk(index, first, last + 1, tuple(positions.tolist()), body)
