"""``%grok_batch --image-column COL``: each row's picture (a path, an http(s) URL or bytes) as
the URL its request sends, or the reason the row is skipped.

Blocks are small when images are read (``IMAGE_BLOCK_ROWS``): a block holds every picture of its
rows as base64 text while its request lines are built.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from xai_magics.images.formats import ImageError
from xai_magics.images.sources import load

__all__ = ["BATCH_LINE_LIMIT", "IMAGE_BLOCK_ROWS", "image_key", "image_urls"]

#: rows per block when each row carries a picture (a few MB to a few hundred MB of base64)
IMAGE_BLOCK_ROWS = 32
#: one request line must fit one add-requests call (25 MB, which a data URL of ~18 MiB fills)
BATCH_LINE_LIMIT = 24_000_000


def image_key(column: str) -> str:
    """The block-text key of the image column (apart from the column's use as text)."""
    return "\0image\0" + column


def image_urls(series: Any, column: str) -> tuple[pa.LargeStringArray, dict[int, str]]:
    """``(urls, problems)`` for a block: the URL sent per row (null where skipped), and why."""
    urls: list[str | None] = []
    problems: dict[int, str] = {}
    for offset, cell in enumerate(series.to_list()):
        url, why = _url_of(cell, column)
        urls.append(url)
        if why is not None:
            problems[offset] = why
    return pa.array(urls, pa.large_string()), problems


def _url_of(cell: object, column: str) -> tuple[str | None, str | None]:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None, f"no image in column {column!r}"
    if isinstance(cell, str) and not cell.strip():
        return None, f"no image in column {column!r}"
    if not isinstance(cell, (str, bytes, bytearray, memoryview)) and not hasattr(
        cell, "__fspath__"
    ):
        return None, f"{column!r} holds a {type(cell).__name__}: use a path, a URL or bytes"
    try:
        url = load(cell).url
    except ImageError as exc:
        return None, f"image: {exc}"
    if len(url) > BATCH_LINE_LIMIT:
        return None, (
            f"image: {len(url) / 1e6:.0f} MB as base64, over the 25 MB an add-requests call takes; "
            "resize it"
        )
    return url, None
