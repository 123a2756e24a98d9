"""Results of a streamed input: a Parquet dataset keyed by row id, joined back lazily.

Each results page is written as it arrives (``page-*.parquet``). Once the results are asked for,
every row's output columns are written beside a ``xai_row`` column (the row's position in the
stream) and the user gets the same kind of object back with them attached: a polars LazyFrame,
a DuckDB relation, a Dask DataFrame (joined partition by partition, so no shuffle and the
partitions stay as they were). A one-shot stream gets an Arrow RecordBatchReader of the results
themselves. Nothing here collects the input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from xai_magics.batch.columns import join, output_columns, refuse_overwrite, superseded
from xai_magics.batch.frame import FrameSource, pandas_nullable
from xai_magics.batch.outcomes import assemble
from xai_magics.batch.store import ResultRow
from xai_magics.batch.stream import StreamSource

ROW_ID = "xai_row"
FILE_ROWS = 1_000_000


def write_page(
    records: Sequence[ResultRow], output: str, schema: type[Any] | None, path: Path, name: str
) -> None:
    """One results page's rows, as they arrive, as ``path/page-NAME.parquet``: the folder can be
    read while the batch runs; `write_results` replaces the pages with every row at the end."""
    positions = [record[0] for record in records]
    outcomes = assemble(len(records), None, {}, _renumbered(records), "missing")
    table = pa.table(
        {ROW_ID: pa.array(positions, pa.int64()), **output_columns(outcomes, output, schema)}
    )
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path / f"page-{name}.parquet")


def _renumbered(records: Sequence[ResultRow]) -> list[ResultRow]:
    return [(i, *record[1:]) for i, record in enumerate(records)]


def write_results(columns: Mapping[str, pa.Array], path: Path) -> Path:
    """Write the output columns, with their row ids, as ``path/part-NNNNN.parquet`` files."""
    path.mkdir(parents=True, exist_ok=True)
    for old in [*path.glob("part-*.parquet"), *path.glob("page-*.parquet")]:
        old.unlink()
    n_rows = len(next(iter(columns.values()))) if columns else 0
    table = pa.table({ROW_ID: pa.array(np.arange(n_rows, dtype=np.int64)), **columns})
    for number, start in enumerate(range(0, max(n_rows, 1), FILE_ROWS)):
        pq.write_table(table.slice(start, FILE_ROWS), path / f"part-{number:05d}.parquet")
    return path


def results_frame(
    source: FrameSource, columns: Mapping[str, pa.Array], output: str, path: Path
) -> Any:
    """The user's frame, or lazy object, with the output columns; a lazy one's go through a
    dataset at ``path``. Columns of an earlier copy of this output are replaced."""
    if not isinstance(source, StreamSource):
        return join(source, dict(columns), output)
    refuse_overwrite(source, columns, output)
    return join_results(source, columns, path, superseded(source, columns, output))


def join_results(
    source: StreamSource, columns: Mapping[str, pa.Array], path: Path, drop: Sequence[str] = ()
) -> Any:
    """The user's lazy object with the output columns (same kind out), read from ``path``;
    ``drop`` names old columns of an earlier copy that the new ones supersede."""
    write_results(columns, path)
    names = list(columns)
    replaced = [label for label in source.labels if label in names or label in drop]
    if source.backend == "polars":
        return _polars(source.frame, path, replaced)
    if source.backend == "duckdb":
        return _duckdb(source.frame, path, replaced)
    if source.backend == "dask":
        return _dask(source.frame, path, replaced)
    return pa.RecordBatchReader.from_batches(pq.read_schema(_files(path)[0]), _batches(path))


def _files(path: Path) -> list[Path]:
    return sorted(path.glob("part-*.parquet"))


def _batches(path: Path) -> Iterator[pa.RecordBatch]:
    for file in _files(path):
        yield from pq.ParquetFile(file).iter_batches()


def _polars(frame: Any, path: Path, replaced: list[str]) -> Any:
    import polars as pl

    results = pl.scan_parquet([str(f) for f in _files(path)])
    numbered = (
        frame.drop(replaced).with_row_index(ROW_ID).with_columns(pl.col(ROW_ID).cast(pl.Int64))
    )
    joined = numbered.join(results, on=ROW_ID, how="left", maintain_order="left")
    return joined.drop(ROW_ID)


def _duckdb(relation: Any, path: Path, replaced: list[str]) -> Any:
    files = ", ".join("'" + str(f).replace("'", "''") + "'" for f in _files(path))
    dropped = ", ".join(_quoted(name) for name in [ROW_ID, *replaced])
    # every name and path above is quoted; nothing the user typed is spliced in unquoted
    query = (
        f"SELECT i.* EXCLUDE ({dropped}), r.* EXCLUDE ({ROW_ID}) "  # noqa: S608
        f"FROM (SELECT *, row_number() OVER () - 1 AS {ROW_ID} FROM xai_input) i "
        f"LEFT JOIN read_parquet([{files}]) r ON i.{ROW_ID} = r.{ROW_ID} ORDER BY i.{ROW_ID}"
    )
    return relation.query("xai_input", query)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dask(frame: Any, path: Path, replaced: list[str]) -> Any:
    lengths = frame.map_partitions(len).compute().tolist()
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64).tolist()
    files = [str(f) for f in _files(path)]
    kept = frame.drop(columns=replaced) if replaced else frame

    def attach(part: Any, partition_info: dict[str, Any] | None = None) -> Any:
        start = offsets[partition_info["number"]] if partition_info else 0
        table = pq.ParquetDataset(
            files, filters=[(ROW_ID, ">=", start), (ROW_ID, "<", start + len(part))]
        ).read()
        pandas = nw.get_native_namespace(nw.from_native(part, eager_only=True))
        results = table.drop_columns([ROW_ID]).to_pandas(types_mapper=pandas_nullable(pandas))
        return part.assign(**{name: results[name].to_numpy() for name in results.columns})

    meta = attach(kept._meta)
    return kept.map_partitions(attach, meta=meta)
