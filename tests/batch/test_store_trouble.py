"""A job store that cannot be used: one line naming the path and what to do, nothing sent.

The cases users meet: the data folder is a file, ``batches.sqlite3`` is garbage or another
program's SQLite file, the folder (or the store in it) is read-only. ``--list`` explains itself
too. A read-only folder means nothing to root, so that case runs as an unprivileged user.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import network_calls
from tests.batch.kernel import Kernel

GARBAGE = b"not a database, just some bytes\n" * 64


def _data_dir_is_a_file(root: Path) -> Path:
    target = root / "data"
    target.write_text("I am a file")
    return target


def _garbage_store(root: Path) -> Path:
    target = root / "data"
    target.mkdir()
    (target / "batches.sqlite3").write_bytes(GARBAGE)
    return target


def _foreign_store(root: Path) -> Path:
    target = root / "data"
    target.mkdir()
    with sqlite3.connect(target / "batches.sqlite3") as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices (total) VALUES (12.5)")
    db.close()
    return target


CASES: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    # case: (make the data dir, the path the message names, what it says to do)
    "folder-is-a-file": (_data_dir_is_a_file, "data", "is a file, not a folder"),
    "garbage-file": (_garbage_store, "data/batches.sqlite3", "damaged or not a SQLite file"),
    "foreign-sqlite": (_foreign_store, "data/batches.sqlite3", "holds tables invoices"),
}

TRY = (
    "try:\n"
    "    get_ipython().run_line_magic('grok_batch', {line!r})\n"
    "except Exception as exc:\n"
    "    print(type(exc).__name__, exc)\n"
)


@pytest.fixture
def kernel(api_env: dict[str, str], tmp_path: Path) -> Iterator[Kernel]:
    started = Kernel({**api_env, "XAI_MAGICS_DATA_DIR": str(tmp_path / "unused")})
    started.run(
        "%load_ext xai_magics\nimport pandas as pd\n"
        "reviews = pd.DataFrame({'review': ['good', 'bad']})"
    )
    yield started
    started.kill()


@pytest.mark.kernel
def test_an_unusable_store_is_one_line_and_nothing_is_sent(
    emu: Any, kernel: Kernel, tmp_path: Path
) -> None:
    for case, (make, named, says) in CASES.items():
        root = tmp_path / case
        root.mkdir()
        data_dir = make(root)
        before = data_dir.read_bytes() if data_dir.is_file() else None
        kernel.run(f"%config BatchMagics.data_dir = {str(data_dir)!r}")
        for line in ('reviews --prompt "Sentiment of: {review}"', "--list"):
            printed = kernel.run(TRY.format(line=line))["stdout"].strip()
            assert printed.startswith("UsageError "), (case, printed)
            assert len(printed.splitlines()) == 1, (case, printed)
            assert str(root / named) in printed, (case, printed)
            assert says in printed, (case, printed)
            assert "XAI_MAGICS_DATA_DIR" in printed, (case, printed)
        if before is not None:
            assert data_dir.read_bytes() == before
        if case == "foreign-sqlite":  # another program's file is left as it was
            with sqlite3.connect(data_dir / "batches.sqlite3") as db:
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
            db.close()
            assert tables == ["invoices"]
    assert network_calls(emu) == 0


READ_ONLY_SUBMIT = """
import pandas as pd
from xai_magics.batch import submit
from xai_magics.batch import StoreError
try:
    submit(pd.DataFrame({"review": ["good"]}), "Sentiment of: {review}", data_dir=DATA_DIR)
except StoreError as exc:
    print("StoreError", exc)
"""


def _unprivileged() -> list[str]:
    """The command prefix that drops root (to nobody), so that file permissions apply."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize("existing", [False, True], ids=["empty-folder", "existing-store"])
def test_a_read_only_data_dir_is_one_line_and_nothing_is_sent(
    emu: Any, api_env: dict[str, str], existing: bool
) -> None:
    with tempfile.TemporaryDirectory() as root:
        os.chmod(root, 0o755)  # reachable by the unprivileged child
        data_dir = Path(root) / "data"
        data_dir.mkdir()
        if existing:
            from xai_magics.batch.store import JobStore

            JobStore(data_dir).close()
            for file in data_dir.iterdir():
                file.chmod(0o444)
        data_dir.chmod(0o555)
        code = READ_ONLY_SUBMIT.replace("DATA_DIR", repr(str(data_dir)))
        done = subprocess.run(
            [*_unprivileged(), sys.executable, "-c", code],
            env={**os.environ, **api_env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        data_dir.chmod(0o755)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip()
    assert printed.startswith("StoreError cannot write the batch job store ")
    assert str(data_dir / "batches.sqlite3") in printed
    assert "XAI_MAGICS_DATA_DIR" in printed
    assert len(printed.splitlines()) == 1
    assert network_calls(emu) == 0
