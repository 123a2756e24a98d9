"""The history as a DataFrame: pandas when it is installed, else polars.

One row per call, the store's columns in its order, its time (``at`` in the store) as a local
datetime named ``time`` (``df.at`` is pandas' own accessor); the frame is built from plain rows.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from typing import Any

from xai_magics.history.queries import Call
from xai_magics.history.store import COLUMNS

__all__ = ["NoFrameLibrary", "to_frame"]

FRAME_COLUMNS = ("id", "time", *COLUMNS[1:])


class NoFrameLibrary(ImportError):
    """Neither pandas nor polars is installed."""


def to_frame(calls: list[Call]) -> Any:
    """The calls (as given, newest first) as a pandas or polars DataFrame."""
    rows = [
        {
            **{name: call.fields.get(name) for name in FRAME_COLUMNS},
            "time": dt.datetime.fromtimestamp(float(call.fields["at"])),
        }
        for call in calls
    ]
    if importlib.util.find_spec("pandas") is not None:
        import pandas as pd  # type: ignore[import-untyped]  # no stubs installed

        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    if importlib.util.find_spec("polars") is not None:
        import polars as pl

        columns = {name: [row[name] for row in rows] for name in FRAME_COLUMNS}
        return pl.DataFrame(columns, strict=False)
    raise NoFrameLibrary(
        "-o/--frame returns a DataFrame: install pandas (pip install pandas) or polars."
    )
