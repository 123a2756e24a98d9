"""The history file: private, versioned, shared safely by several kernels, forgetting for real."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from xai_magics.history.store import (
    FILE_NAME,
    SCHEMA_VERSION,
    HistoryStore,
    HistoryUnavailable,
    default_data_dir,
)


def entry(**fields: Any) -> dict[str, Any]:
    """A minimal row of ``calls``: the NOT NULL columns, then ``fields``."""
    base = {
        "at": time.time(),
        "session": "s",
        "kind": "responses",
        "model_requested": "grok-4.3",
        "prompt": "p",
        "answer": "a",
        "outcome": "ok",
    }
    return {**base, **fields}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_file_and_its_journal_are_private(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    store.add([entry()])
    files = [tmp_path / FILE_NAME, tmp_path / (FILE_NAME + "-wal"), tmp_path / (FILE_NAME + "-shm")]
    assert [f.name for f in files if f.exists()] == [f.name for f in files]
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_a_readable_store_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.touch(mode=0o644)
    path.chmod(0o644)
    HistoryStore(tmp_path)
    assert _mode(path) == 0o600


def test_schema_version_is_recorded_and_a_newer_one_refused(tmp_path: Path) -> None:
    HistoryStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / FILE_NAME)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(HistoryUnavailable, match="newer xai-magics") as caught:
        HistoryStore(tmp_path)
    assert "GrokMagics.history = False" in str(caught.value)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"not sqlite at all " * 100)
    with pytest.raises(HistoryUnavailable, match="cannot use the history file"):
        HistoryStore(tmp_path)


def _writer(folder: str, worker: int, count: int) -> None:
    store = HistoryStore(folder)
    for n in range(count):
        store.add([entry(session=f"w{worker}", prompt=f"{worker}-{n}")])
    store.close()


def test_several_processes_write_at_once_without_losing_a_call(tmp_path: Path) -> None:
    workers, count = 4, 40
    HistoryStore(tmp_path).close()  # created once, as the first kernel would
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_writer, args=(str(tmp_path), w, count)) for w in range(workers)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * workers
    rows = HistoryStore(tmp_path).query("SELECT prompt FROM calls")
    assert sorted(r[0] for r in rows) == sorted(
        f"{w}-{n}" for w in range(workers) for n in range(count)
    )


def test_clear_before_a_date_keeps_later_calls(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    store.add([entry(at=1000.0, prompt="old"), entry(at=3000.0, prompt="new")])
    assert store.clear(before=2000.0) == 1
    assert [r["prompt"] for r in store.query("SELECT prompt FROM calls")] == ["new"]


def test_cleared_text_is_gone_from_the_files(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    secret = "forget-me-" + "q7" * 20
    store.add([entry(prompt=secret, answer=secret)])
    assert store.clear() == 1
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in on_disk


def test_the_data_dir_is_the_batch_job_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xai_magics.batch.store import default_data_dir as batch_data_dir

    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path))
    assert default_data_dir() == batch_data_dir() == tmp_path
    monkeypatch.delenv("XAI_MAGICS_DATA_DIR")
    assert default_data_dir() == batch_data_dir()
