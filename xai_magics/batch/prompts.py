"""Render a column template over a block of rows, vectorised with Arrow, and find rows to skip.

Rendering is one ``binary_join_element_wise`` over the literal parts and the column texts, so a
cell's own ``{braces}`` are never looked at again (single pass). A row is skipped when a column it
uses has a problem (see ``cells.py``) or when its prompt is too large to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.cells import TEXT, column_block_text
from xai_magics.batch.frame import FrameSource
from xai_magics.batch.template import ColumnTemplate, Field

# About four bytes of English text per token; used for size limits and estimates only.
BYTES_PER_TOKEN = 4


@dataclass
class RenderedBlock:
    """Prompts for rows ``start:stop``; ``prompts`` is null where the row is skipped."""

    start: int
    stop: int
    prompts: pa.LargeStringArray
    skipped: dict[int, str] = field(default_factory=dict)  # absolute position -> reason


def render_block(
    source: FrameSource, template: ColumnTemplate, start: int, stop: int, max_prompt_bytes: int
) -> RenderedBlock:
    """Render rows ``start:stop``; rows with a problem get a null prompt and a reason."""
    texts: dict[str, pa.Array] = {}
    skipped: dict[int, str] = {}
    for column in template.columns:
        block = column_block_text(source.series(column, start, stop), column)
        texts[column] = block.text
        for offset, reason in block.problems.items():
            skipped.setdefault(start + offset, reason)
    pieces: list[pa.Array | pa.Scalar] = [
        texts[part.column] if isinstance(part, Field) else pa.scalar(part, TEXT)
        for part in template.parts
    ]
    pieces.append(pa.scalar("", TEXT))
    prompts = pc.binary_join_element_wise(*pieces, null_handling="emit_null")
    if not isinstance(prompts, pa.Array):  # a template of literals only gives a scalar
        prompts = pa.array([prompts.as_py()] * (stop - start), TEXT)
    sizes = pc.binary_length(prompts)
    oversize = pc.fill_null(pc.greater(sizes, max_prompt_bytes), False)
    if pc.any(oversize).as_py():
        for offset in pc.indices_nonzero(oversize).to_pylist():
            size = sizes[offset].as_py()
            skipped[start + offset] = (
                f"prompt is {size / 1e6:.1f} MB (about {size // BYTES_PER_TOKEN:,} tokens), over "
                f"the {max_prompt_bytes / 1e6:.1f} MB limit per request"
            )
        prompts = pc.if_else(oversize, pa.scalar(None, TEXT), prompts)
    return RenderedBlock(start, stop, prompts, skipped)
