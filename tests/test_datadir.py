"""The pieces every store in the data dir shares: the folder, the account tag, live processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xai_magics.datadir import account_tag, default_data_dir, process_alive


def test_the_data_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("XAI_MAGICS_DATA_DIR")
    assert default_data_dir().name == "xai-magics"


def test_an_account_tag_tells_keys_apart_and_depends_on_the_salt() -> None:
    key = "xai-canary-0123456789abcdef"
    tag = account_tag(b"salt-one", key)
    assert len(tag) == 16
    assert key not in tag
    assert tag == account_tag(b"salt-one", key)
    assert tag != account_tag(b"salt-two", key)
    assert tag != account_tag(b"salt-one", key + "x")


@pytest.mark.skipif(sys.platform == "win32", reason="signal 0 is not a probe on Windows")
def test_a_process_that_ended_is_dead_and_a_running_one_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert process_alive(child.pid)
        child.kill()
        time.sleep(0.2)  # not reaped yet: a zombie
        assert not process_alive(child.pid)
    finally:
        child.wait()
    assert not process_alive(child.pid)
    assert process_alive(os.getpid())


def test_a_process_on_another_host_is_trusted() -> None:
    assert process_alive(2**22 + 12345, host="another-host.invalid")
