"""`make test` on a fresh machine: it installs its browser, or says the one command to run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROVISION = ROOT / "scripts" / "provision-browser"


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def _as_unprivileged_user(command: list[str]) -> list[str]:
    """Run a command as `nobody` (no password-less sudo), the way a plain user's shell would."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root to drop to an unprivileged user")
    drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    if subprocess.run([*drop, "test", "-x", command[0]], check=False).returncode != 0:
        pytest.skip("the checkout is not readable by an unprivileged user")
    return [*drop, *command]


def test_provisioning_is_silent_when_the_browser_is_there(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    env = {**os.environ, "XAI_CHROMIUM": str(browser)}
    done = _run([str(PROVISION)], env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_user_who_cannot_install_is_told_the_one_command(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "XAI_CHROMIUM": str(tmp_path / "no-chromium")}
    done = _run(_as_unprivileged_user([str(PROVISION)]), env)
    assert done.returncode == 2
    assert "sudo apt-get install chromium" in done.stderr
    assert str(tmp_path / "no-chromium") in done.stderr


def test_make_test_stops_before_pytest_when_the_browser_cannot_be_had(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "XAI_CHROMIUM": str(tmp_path / "no-chromium")}
    done = _run(_as_unprivileged_user([str(ROOT / "scripts" / "test"), "--co", "-q"]), env)
    assert done.returncode == 2
    assert "apt-get install chromium" in done.stderr
    assert "collected" not in done.stdout  # pytest never started
