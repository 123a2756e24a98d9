"""The deferred store on its own: account tags, the polling lease, and files it must refuse."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from xai_magics.deferred.store import DeferredStore, StoreError

KEY = "xai-store-test-key-0123456789abcdef"


def _store_with_request(path: Path) -> DeferredStore:
    store = DeferredStore(path)
    store.add("req-1", store.where("http://x/v1", KEY), model="m", prompt="p", options={})
    return store


def test_an_account_tag_tells_keys_apart_and_is_no_plain_hash_of_the_key(tmp_path: Path) -> None:
    one = DeferredStore(tmp_path / "one")
    other = DeferredStore(tmp_path / "other")
    assert one.where("u", KEY) == one.where("u", KEY)
    assert one.where("u", KEY) != one.where("u", KEY + "x")
    assert one.where("u", KEY).account != other.where("u", KEY).account  # salted per store
    assert one.where("u", KEY).account not in hashlib.sha256(KEY.encode()).hexdigest()


def test_a_lease_held_by_a_live_process_is_respected(tmp_path: Path) -> None:
    store = _store_with_request(tmp_path)
    me = f"{socket.gethostname()}:{os.getpid()}"
    assert store.claim("req-1", f"{me}:aaaa", ttl_s=60)
    assert not store.claim("req-1", f"{me}:bbbb", ttl_s=60)
    assert store.claim("req-1", f"{me}:aaaa", ttl_s=60)  # renewed by its holder


def test_a_lease_whose_holder_died_or_ran_out_is_taken_over(tmp_path: Path) -> None:
    store = _store_with_request(tmp_path)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = f"{socket.gethostname()}:{gone.stdout.strip()}:dead"
    assert store.claim("req-1", dead, ttl_s=60)
    assert store.claim("req-1", "elsewhere:1:live", ttl_s=60)  # its holder is gone
    assert not store.claim("req-1", "another:2:x", ttl_s=60)  # a host we cannot check: trusted
    assert store.claim("req-1", "elsewhere:1:live", ttl_s=-1)
    assert store.claim("req-1", "another:2:x", ttl_s=60)  # ... until its lease ran out


def test_an_ended_request_is_not_claimed_and_an_answer_wins_over_an_end(tmp_path: Path) -> None:
    store = _store_with_request(tmp_path)
    store.arrive("req-1", '{"id": "c"}')
    assert not store.end("req-1", "expired", "expired: gone")
    assert store.get("req-1").state == "arrived"
    assert not store.claim("req-1", "h:1:t", ttl_s=60)


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    DeferredStore(tmp_path)
    with sqlite3.connect(tmp_path / "deferred.sqlite3") as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer xai-magics"):
        DeferredStore(tmp_path)


@pytest.mark.parametrize("kind", ["garbage", "folder-is-a-file"])
def test_an_unusable_store_is_one_line_naming_the_file(tmp_path: Path, kind: str) -> None:
    if kind == "garbage":
        (tmp_path / "deferred.sqlite3").write_bytes(b"not a database at all" * 100)
        where = tmp_path
    else:
        where = tmp_path / "file"
        where.write_text("x")
    with pytest.raises(StoreError) as failure:
        DeferredStore(where)
    message = str(failure.value)
    assert "\n" not in message
    assert "deferred.sqlite3" in message
    assert "XAI_MAGICS_DATA_DIR" in message


def test_several_processes_open_a_fresh_store_and_write_at_once(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from xai_magics.deferred.store import DeferredStore\n"
        "store = DeferredStore(sys.argv[1])\n"
        "for n in range(20):\n"
        "    store.add(f'{sys.argv[2]}-{n}', store.where('u', 'k'), model='m', prompt='p',"
        " options={})\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"p{i}"]) for i in range(3)
    ]
    assert [run.wait(timeout=60) for run in runs] == [0, 0, 0]
    store = DeferredStore(tmp_path)
    assert len(store.records(limit=1000)) == 60
    assert len({r.where.account for r in store.records(limit=1000)}) == 1  # one salt for all
