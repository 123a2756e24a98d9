"""The DataFrame form: pandas when installed, polars otherwise, a clear line with neither."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.history.test_store import entry
from xai_magics.history.frame import FRAME_COLUMNS, NoFrameLibrary, to_frame
from xai_magics.history.queries import Call, Filter, calls
from xai_magics.history.store import HistoryStore


@pytest.fixture
def recorded(tmp_path: Path) -> list[Call]:
    store = HistoryStore(tmp_path)
    store.add(
        [entry(at=1_700_000_000.0, prompt="first"), entry(at=1_700_000_060.0, prompt="second")]
    )
    return list(calls(store, Filter()))


def _without(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in names else real(name, *a)
    )


def test_pandas_frame_has_every_column_and_local_times(recorded: list[Call]) -> None:
    frame = to_frame(recorded)
    assert type(frame).__module__.startswith("pandas")
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert list(frame.prompt) == ["second", "first"]
    assert (frame.time.iloc[0] - frame.time.iloc[1]).total_seconds() == 60


def test_polars_when_pandas_is_missing(
    recorded: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    _without(monkeypatch, "pandas")
    frame = to_frame(recorded)
    assert type(frame).__module__.startswith("polars")
    assert frame.columns == list(FRAME_COLUMNS)
    assert frame["prompt"].to_list() == ["second", "first"]


def test_neither_library_is_one_clear_line(
    recorded: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    _without(monkeypatch, "pandas", "polars")
    with pytest.raises(NoFrameLibrary, match="install pandas"):
        to_frame(recorded)
