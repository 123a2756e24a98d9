"""A block of rows as the template's column texts, with the rows to skip and why.

Prompts are never materialised here: the planning pass only needs each row's prompt size (the
literal bytes plus its cells' bytes) and the texts themselves for the digest, and the building
pass splices JSON-escaped column texts straight into request lines (``wire.py``). That keeps the
work to one pass per column and one join per block. A row is skipped when a column it uses has a
problem (see ``cells.py``) or when its prompt is too large to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.cells import column_block_text
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.template import ColumnTemplate, Field

# About four bytes of English text per token; used for size limits and estimates only.
BYTES_PER_TOKEN = 4


@dataclass
class RowBlock:
    """Rows ``start:stop``: each template column's text (null where the row is skipped)."""

    start: int
    stop: int
    texts: dict[str, pa.Array]
    valid: pa.BooleanArray  # True for rows that are sent
    prompt_bytes: pa.Array  # int64, UTF-8 bytes of each row's prompt (null if a cell is null)
    skipped: dict[int, str] = field(default_factory=dict)  # absolute position -> reason

    @property
    def all_valid(self) -> bool:
        return not self.skipped


def read_block(
    source: FrameSource,
    template: ColumnTemplate,
    start: int,
    stop: int,
    max_prompt_bytes: int,
    image_column: str | None = None,
) -> RowBlock:
    """Convert rows ``start:stop`` of the template's columns and find the rows to skip.

    With ``image_column``, each row's picture URL is one more text (``image_key``), and a row
    whose picture is missing or unreadable is skipped with the reason.
    """
    texts: dict[str, pa.Array] = {}
    skipped: dict[int, str] = {}
    for column in template.columns:
        block = column_block_text(source.series(column, start, stop), column)
        texts[column] = block.text
        for offset, reason in block.problems.items():
            skipped.setdefault(start + offset, reason)
    image_missing: pa.Array | None = None
    if image_column is not None:
        from xai_magics.images.batch_column import image_key, image_urls

        urls, problems = image_urls(source.series(image_column, start, stop), image_column)
        texts[image_key(image_column)] = urls
        image_missing = urls.is_null()
        for offset, reason in problems.items():
            skipped.setdefault(start + offset, reason)
    literal_bytes = sum(len(p.encode("utf-8")) for p in template.parts if isinstance(p, str))
    sizes: pa.Array = pa.array([literal_bytes] * (stop - start), pa.int64())
    for part in template.parts:
        if isinstance(part, Field):
            sizes = pc.add(sizes, pc.binary_length(texts[part.column]).cast(pa.int64()))
    oversize = pc.fill_null(pc.greater(sizes, max_prompt_bytes), False)
    if pc.any(oversize).as_py():
        for offset in pc.indices_nonzero(oversize).to_pylist():
            size = sizes[offset].as_py()
            skipped.setdefault(
                start + offset,
                f"prompt is {size / 1e6:.1f} MB (about {size // BYTES_PER_TOKEN:,} tokens), over "
                f"the {max_prompt_bytes / 1e6:.1f} MB limit per request",
            )
    # a row is sent only when every cell became text: decided from the texts themselves, so a
    # cell a converter left null without a reason is skipped too, never sent as "None"
    unsent = pc.or_(pc.is_null(sizes), oversize)
    if image_missing is not None:
        unsent = pc.or_(unsent, image_missing)
    if pc.any(unsent).as_py():
        for offset in pc.indices_nonzero(unsent).to_pylist():
            skipped.setdefault(start + offset, "a cell of this row could not be read as text")
    return RowBlock(start, stop, texts, pc.invert(unsent), sizes, skipped)
