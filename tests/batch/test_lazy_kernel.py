"""%grok_batch on lazy inputs in a real kernel: polars, DuckDB and Dask (on a local
dask.distributed cluster) in, the same kind of lazy object out, equal to the eager path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import creates
from tests.batch.kernel import kernel_with

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
import warnings
warnings.filterwarnings("ignore", "The inplace keyword in DataFrame.reset_index")
import pandas as pd, polars as pl, pyarrow as pa, pyarrow.parquet as pq
path = {parquet!r}
reviews = [f"review {{i}}" for i in range(40)]
reviews[3] = None
pq.write_table(pa.table({{"review": reviews, "stars": [i % 5 for i in range(40)]}}),
               {parquet!r}, row_group_size=8)
eager = pl.read_parquet({parquet!r})

def cells(frame):
    frame = frame if isinstance(frame, pd.DataFrame) else frame.to_pandas()
    frame = frame.reset_index(drop=True)[
        ["review", "answer", "answer_status", "answer_input_tokens", "answer_output_tokens"]
    ]
    return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]
"""
PROMPT = '--prompt "Sentiment of: {review}" --wait'


def test_lazy_inputs_come_back_lazy_and_equal_to_the_eager_path(
    emu: Any, api_env: dict[str, str], tmp_path: Path
) -> None:
    parquet = tmp_path / "reviews.parquet"
    setup = SETUP.format(parquet=str(parquet))
    with kernel_with(api_env, tmp_path / "store", setup) as kernel:
        kernel.run(f"done = %grok_batch eager {PROMPT}\nreference = cells(done)")
        out = kernel.run(
            "lazy = pl.scan_parquet(path)\n"
            f"got = %grok_batch lazy {PROMPT} --to {tmp_path / 'polars-out'}\n"
            "print(type(got).__name__, cells(got.collect()) == reference)"
        )
        assert out["stdout"].split()[-2:] == ["LazyFrame", "True"]
        assert list((tmp_path / "polars-out").glob("part-*.parquet"))
        out = kernel.run(
            "import duckdb\n"
            "rel = duckdb.connect().sql(f\"SELECT * FROM read_parquet('{path}')\")\n"
            f"got = %grok_batch rel {PROMPT}\n"
            "print(type(got).__name__, cells(got.df()) == reference)"
        )
        assert out["stdout"].split()[-2:] == ["DuckDBPyRelation", "True"]
        out = kernel.run(
            "from distributed import Client, LocalCluster\n"
            "import dask.dataframe as dd\n"
            "cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,"
            " dashboard_address=None)\n"
            "client = Client(cluster)\n"
            "ddf = dd.read_parquet(path, split_row_groups=True)\n"
            f"got = %grok_batch ddf {PROMPT}\n"
            "print(type(got).__name__, got.npartitions, cells(got.compute()) == reference)",
            timeout=180,
        )
        assert out["stdout"].split()[-3:] == ["DataFrame", "5", "True"]
        made = creates(emu)
        out = kernel.run(f"again = %grok_batch lazy {PROMPT}\nprint(type(again).__name__)")
        assert out["stdout"].split()[-1] == "LazyFrame"
        assert creates(emu) == made  # the re-run cell re-attached: the fingerprint is stable
    assert made == 4
