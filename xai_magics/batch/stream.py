"""Inputs too big to collect: lazy frames and one-shot streams, read in blocks of the template's
columns only.

A polars LazyFrame and a DuckDB relation are narrowed to the template's columns through narwhals,
a Dask DataFrame by Dask itself (narwhals is dropping Dask); each is then streamed by its own
library (polars ``collect_batches``, DuckDB's Arrow reader, Dask one partition at a time), so
memory holds a few blocks, whatever the row count. Rows are addressed by their position in the
stream, which is the row id results are joined back on (``dataset.py``); these libraries keep a
scan's order (DuckDB as long as ``preserve_insertion_order`` is on, its default).

An Arrow RecordBatchReader or an iterable of dicts can be read only once, and a batch needs two
passes (plan, then send), so its template columns are spilled to a local Parquet file on the first.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from xai_magics.batch.frame import FrameError, FrameSource

STREAM_ROWS = 65_536  # rows per batch asked of the library; blocks are cut from these
_LAZY_BACKENDS = ("polars", "duckdb", "dask")


def is_streamed(native: Any) -> bool:
    """Whether ``native`` is read as a stream (lazy frame, Arrow reader, iterable of dicts)."""
    if isinstance(native, pa.RecordBatchReader):
        return True
    if _lazy_backend(native) is not None:
        return True
    return _is_row_iterable(native)


def _lazy_backend(native: Any) -> str | None:
    if _is_dask(native):
        return "dask"
    try:
        frame = nw.from_native(native)
    except TypeError:
        return None
    if not isinstance(frame, nw.LazyFrame):
        return None
    backend = nw.get_native_namespace(frame).__name__.split(".")[0]
    return backend if backend in _LAZY_BACKENDS else None


def _is_dask(native: Any) -> bool:
    """A Dask DataFrame, read with Dask itself (narwhals is dropping Dask support)."""
    return type(native).__module__.startswith("dask.") and hasattr(native, "to_delayed")


def _is_row_iterable(native: Any) -> bool:
    if isinstance(native, (str, bytes, Mapping)) or not isinstance(native, Iterable):
        return False
    if _is_dask(native):
        return False
    try:
        nw.from_native(native)  # type: ignore[call-overload]
    except TypeError:
        return True
    return False  # a frame or series narwhals reads eagerly


class StreamSource(FrameSource):
    """A `FrameSource` whose rows arrive in order, one block at a time.

    ``frame`` is the user's object. Blocks are asked for in order (``blocks`` then ``series`` on
    the rows of the current block), which is how planning and building read a source.
    """

    def __init__(self, native: Any, backend: str, labels: dict[str, Any]) -> None:
        super().__init__(native, labels)
        self.backend = backend  # "polars", "duckdb", "dask" or "stream" (one-shot)
        self._needed: list[str] = list(labels)
        self._rows: int | None = None
        self._block: Any = None  # narwhals eager frame of the current block
        self._block_start = 0
        self._first: list[pa.RecordBatch] = []  # a one-shot stream's batches read to find labels
        self._rest: Iterator[pa.RecordBatch] | None = None
        self._spill: Path | None = None
        self._cut: tuple[StreamSource, int, int] | None = None  # a window of another source
        self._lengths: list[int] | None = None  # a Dask frame's rows per partition

    @classmethod
    def open(cls, native: Any) -> StreamSource:
        """Wrap a lazy frame, an Arrow reader or an iterable of dicts (nothing is read yet,
        except a dict iterable's first rows, for its column names)."""
        backend = _lazy_backend(native)
        if backend == "dask":
            return cls(native, backend, {str(c): c for c in native.columns})
        if backend is not None:
            columns = nw.from_native(native).columns
            return cls(native, backend, {str(c): c for c in columns})
        if isinstance(native, pa.RecordBatchReader):
            source = cls(native, "stream", {n: n for n in native.schema.names})
            source._rest = iter(native)
            return source
        batches = _dict_batches(native)
        first = next(batches, None)
        if first is None:
            raise FrameError(
                "the iterable yielded no rows: nothing to submit (an iterator is read once; "
                "make a new one to run the cell again)"
            )
        source = cls(native, "stream", {n: n for n in first.schema.names})
        source._first, source._rest = [first], batches
        return source

    def window(self, first: int, stop: int) -> StreamSource:
        """Rows ``first:stop`` as a source of their own (one batch of a split job); polars and
        DuckDB slice at the scan, the others skip the rows before ``first`` as they stream."""
        if self.backend == "polars":
            part = StreamSource(self.frame.slice(first, stop - first), self.backend, self.labels)
        elif self.backend == "duckdb":
            part = StreamSource(self.frame.limit(stop - first, first), self.backend, self.labels)
        elif self.backend == "dask" and self._cut is None:
            # only the partitions holding these rows, then the rows within them
            starts = np.concatenate(([0], np.cumsum(self._partition_rows())))
            low = int(np.searchsorted(starts, first, "right")) - 1
            high = int(np.searchsorted(starts, stop, "left"))
            held = StreamSource(self.frame.partitions[low:high], self.backend, self.labels)
            held._needed = list(self._needed)
            offset = int(starts[low])
            part = StreamSource(held.frame, self.backend, self.labels)
            part._cut = (held, first - offset, min(stop, int(starts[-1])) - offset)
        else:
            total = self.n_rows  # a one-shot stream is spilled whole before it is cut
            part = StreamSource(self.frame, self.backend, self.labels)
            part._cut = (self, first, min(stop, total))
        part._needed = list(self._needed)
        return part

    def _partition_rows(self) -> list[int]:
        """A Dask frame's rows per partition (computed once: it reads the partitions)."""
        if self._lengths is None:
            self._lengths = [int(n) for n in self.frame.map_partitions(len).compute()]
        return self._lengths

    def use_columns(self, columns: Sequence[str]) -> None:
        """Read only these columns from now on (the template's)."""
        self._needed = [c for c in self.labels if c in set(columns)]

    @property
    def n_rows(self) -> int:
        if self._rows is None:
            if self._cut is not None:
                self._rows = self._cut[2] - self._cut[1]
            elif self.backend == "stream":
                for _ in self._parts():  # spills the stream: it is read once only
                    pass
            elif self.backend == "dask":
                self._rows = int(sum(self._partition_rows()))
            else:
                counted = nw.from_native(self.frame).select(nw.len()).collect()
                self._rows = int(counted.item())
        assert self._rows is not None
        return self._rows

    def blocks(self, start: int, block_rows: int) -> Iterator[tuple[int, int]]:
        """Stream the rows from ``start`` on in blocks of ``block_rows``; each block is what
        `series` reads until the next one is asked for."""
        position = 0
        pending: list[Any] = []  # narwhals eager frames, in the library's own kind
        buffered = 0
        for part in self._parts():
            rows = len(part)
            if not rows or position + rows <= start:
                position += rows
                continue
            if position < start:
                part = part[start - position :]
                rows = len(part)
                position = start
            pending.append(part)
            buffered += rows
            while buffered >= block_rows:
                joined = _concat(pending)
                yield self._hold(joined[:block_rows], position)
                position += block_rows
                buffered -= block_rows
                pending = [joined[block_rows:]]
        if buffered:
            yield self._hold(_concat(pending), position)

    def _hold(self, block: Any, start: int) -> tuple[int, int]:
        self._block, self._block_start = block, start
        return start, start + len(block)

    def series(self, column: str, start: int, stop: int) -> Any:
        """Rows ``start:stop`` of one column, from the current block (or, outside it, by
        streaming that column: only a clash check on output names does that)."""
        block = self._block
        first = start - self._block_start
        if block is None or first < 0 or stop - self._block_start > len(block):
            return self._column(column, start, stop)
        return block.get_column(self.labels[column])[first : first + stop - start]

    def _column(self, column: str, start: int, stop: int) -> Any:
        saved = self._needed
        self._needed = [column]
        pieces: list[Any] = []
        try:
            for _ in self.blocks(start, STREAM_ROWS):
                pieces.append(self._block)
        finally:
            self._needed = saved
            self._block = None
        if not pieces:
            empty = pa.table({column: pa.array([], pa.large_string())})
            return nw.from_native(empty, eager_only=True).get_column(column)
        return _concat(pieces)[: stop - start].get_column(self.labels[column])

    def index_labels(self, positions: Sequence[int]) -> dict[int, str]:
        return {}  # a stream's rows have positions only

    def subset(self, positions: Sequence[int]) -> FrameSource:
        """The rows at ``positions`` as an eager frame (a retry sends only the failed rows)."""
        wanted = sorted(positions)
        pieces: list[Any] = []
        i = 0
        for start, stop in self.blocks(0, STREAM_ROWS):
            local: list[int] = []
            while i < len(wanted) and wanted[i] < stop:
                local.append(wanted[i] - start)
                i += 1
            if local:
                pieces.append(self._block[local])
        if not pieces:
            raise FrameError("none of the rows to retry are in the stream any more")
        order = {p: n for n, p in enumerate(wanted)}
        rows = _concat(pieces)[[order[p] for p in positions]]
        return FrameSource(rows, dict(self.labels))

    def _parts(self) -> Iterator[Any]:
        """The needed columns as narwhals eager frames, part by part, from the start."""
        if self._cut is not None:
            whole, first, stop = self._cut
            whole._needed = self._needed
            yield from _trim(whole._parts(), first, stop)
            return
        if self.backend == "stream":
            for batch in self._spilled():
                yield nw.from_native(pa.Table.from_batches([batch]), eager_only=True)
            return
        if self.backend == "dask":
            narrowed = self.frame[[self.labels[c] for c in self._needed]]
        else:
            narrowed = nw.from_native(self.frame).select(*self._needed).to_native()
        rows = 0
        for part in _library_parts(self.backend, narrowed):
            frame = nw.from_native(part, eager_only=True)
            rows += len(frame)
            yield frame
        self._rows = rows

    def _spilled(self) -> Iterator[pa.RecordBatch]:
        """A one-shot stream: written to a spill file while first read, read from it after."""
        if self._spill is not None:
            parquet = pq.ParquetFile(self._spill)
            for batch in parquet.iter_batches(STREAM_ROWS, columns=self._needed):
                yield batch
            return
        folder = tempfile.mkdtemp(prefix="xai-magics-stream-")
        weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        path = Path(folder) / "rows.parquet"
        writer: pq.ParquetWriter | None = None
        rows = 0
        rest = self._rest if self._rest is not None else iter(())
        for batch in [*self._first, *rest]:
            batch = batch.select(self._needed)
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
            yield batch
        self._first, self._rest = [], None
        if writer is not None:
            writer.close()
        self._spill, self._rows = path, rows


def _library_parts(backend: str, narrowed: Any) -> Iterator[Any]:
    """Eager parts of a narrowed lazy frame, in row order, each of its library's own eager kind
    (so cells read as they would from an eager frame of that library)."""
    if backend == "polars":
        yield from narrowed.collect_batches(chunk_size=STREAM_ROWS, maintain_order=True)
    elif backend == "duckdb":
        for batch in narrowed.to_arrow_reader(STREAM_ROWS):
            yield pa.Table.from_batches([batch])
    else:  # dask: one pandas partition in memory at a time, computed wherever the data lives
        for part in narrowed.to_delayed():
            yield part.compute()


def _trim(parts: Iterator[Any], first: int, stop: int) -> Iterator[Any]:
    """Only rows ``first:stop`` of a stream of frames."""
    position = 0
    for part in parts:
        rows = len(part)
        low, high = max(first - position, 0), min(stop - position, rows)
        if high > low:
            yield part[low:high]
        position += rows
        if position >= stop:
            return


def _concat(frames: list[Any]) -> Any:
    return frames[0] if len(frames) == 1 else nw.concat(frames, how="vertical")


def _dict_batches(rows: Iterable[Mapping[str, Any]]) -> Iterator[pa.RecordBatch]:
    """Rows as dicts, grouped into Arrow batches."""
    chunk: list[Mapping[str, Any]] = []
    schema: pa.Schema | None = None
    for row in rows:
        if not isinstance(row, Mapping):
            raise FrameError(f"expected an iterable of dicts, got a {type(row).__name__} row")
        chunk.append(row)
        if len(chunk) >= STREAM_ROWS:
            batch = pa.RecordBatch.from_pylist(chunk, schema)
            schema = batch.schema
            yield batch
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema)
