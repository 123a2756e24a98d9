"""The user's DataFrame, seen through narwhals: pandas, polars and pyarrow in, the same type out.

Rows are addressed by position (0..n-1), never by index label, so duplicate labels, a MultiIndex
or a shuffled index cannot mix rows up; output columns are attached by position, index kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import pyarrow as pa


class FrameError(ValueError):
    """The object is not a DataFrame narwhals can read, or cannot take the output columns."""


@dataclass
class FrameSource:
    """An eager narwhals frame plus a map from column text to the frame's own labels."""

    frame: Any  # narwhals DataFrame
    labels: dict[str, Any]

    @classmethod
    def of(cls, native: Any) -> FrameSource:
        """Wrap a native DataFrame; a lazy frame or a stream is read block by block instead
        (``stream.py``), never collected whole."""
        from xai_magics.batch.stream import StreamSource, is_streamed

        if is_streamed(native):
            return StreamSource.open(native)
        try:
            frame = nw.from_native(native)
        except TypeError as exc:
            raise FrameError(
                f"expected a DataFrame (pandas, polars, pyarrow, ...), got {type(native).__name__}"
            ) from exc
        if isinstance(frame, nw.LazyFrame):
            frame = frame.collect()
        if not isinstance(frame, nw.DataFrame):
            raise FrameError(f"expected a DataFrame, got a {type(native).__name__} series")
        return cls(frame, {str(label): label for label in frame.columns})

    @property
    def n_rows(self) -> int:
        return int(self.frame.shape[0])

    @property
    def columns(self) -> list[str]:
        return list(self.labels)

    def series(self, column: str, start: int, stop: int) -> Any:
        """Rows ``start:stop`` of one column, as a narwhals Series (a zero-copy slice)."""
        return self.frame.get_column(self.labels[column])[start:stop]

    def index_labels(self, positions: Sequence[int]) -> dict[int, str]:
        """Index labels of some rows, for messages; empty for frames without an index."""
        index = getattr(self.frame.to_native(), "index", None)
        if index is None:
            return {}
        return {p: str(index[p]) for p in positions}

    def subset(self, positions: Sequence[int]) -> FrameSource:
        """Only the rows at ``positions`` (in that order): what a retry of failed rows sends."""
        return FrameSource(self.frame[list(positions)], self.labels)

    def window(self, first: int, stop: int) -> FrameSource:
        """Rows ``first:stop`` (one batch of a split job), without copying them."""
        return FrameSource(self.frame[first:stop], self.labels)

    def blocks(self, start: int, block_rows: int) -> Iterator[tuple[int, int]]:
        """(start, stop) ranges covering rows from ``start`` to the end."""
        for first in range(start, self.n_rows, block_rows):
            yield first, min(first + block_rows, self.n_rows)

    def with_columns(self, columns: Mapping[str, pa.Array], drop: Sequence[str] = ()) -> Any:
        """The native frame with ``columns`` attached by position (same type, same index).

        Same-named columns are replaced, and ``drop`` ones taken out: whether that is allowed
        is ``columns.py``'s call.
        """
        # Built as one Arrow table and converted by the frame's own library (nullable ints and
        # all); narwhals then attaches the columns by position, whatever the index.
        table = pa.table(dict(columns))
        namespace = nw.get_native_namespace(self.frame)
        if namespace.__name__ == "pandas":
            # nullable dtypes, so a token count with gaps stays an integer column
            native = table.to_pandas(types_mapper=pandas_nullable(namespace))
            converted = nw.from_native(native, eager_only=True)
        else:
            converted = nw.from_arrow(table, backend=namespace)
        series = [converted.get_column(name) for name in columns]
        frame = self.frame.drop([self.labels[name] for name in drop]) if drop else self.frame
        return frame.with_columns(*series).to_native()


def pandas_nullable(pandas: Any) -> Any:
    mapping = {pa.int64(): pandas.Int64Dtype(), pa.float64(): pandas.Float64Dtype()}
    return mapping.get


def positions_text(positions: Sequence[int]) -> str:
    """Compact description of row positions for messages: ``3, 17, 42 and 5 more``."""
    shown = ", ".join(str(p) for p in positions[:5])
    return shown + (f" and {len(positions) - 5} more" if len(positions) > 5 else "")
