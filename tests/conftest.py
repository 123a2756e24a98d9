"""Suite-wide fixtures: one emulator per test session, reset between tests, and no real network."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

# No test may reach the real service: without a base URL every client would default to api.x.ai.
os.environ.pop("XAI_API_KEY", None)
# The discard port: a test that forgets the emulator fails fast instead of going anywhere.
os.environ["XAI_BASE_URL"] = "http://127.0.0.1:9/v1"

# Magics record every call in the data dir's history: tests (and the kernels they start, which
# inherit this) write to a folder of their own, never to the user's.
os.environ["XAI_MAGICS_DATA_DIR"] = tempfile.mkdtemp(prefix="xai-magics-test-data-")
atexit.register(shutil.rmtree, os.environ["XAI_MAGICS_DATA_DIR"], ignore_errors=True)

TEST_KEY = "xai-test-key-for-the-emulator"


@pytest.fixture(autouse=True)
def _own_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's kernels, notebooks and subprocesses get a data dir of their own: a thread
    recorded by one test must not be continued by another (its responses are long gone)."""
    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """A real emulator server on 127.0.0.1, shared by the session."""
    from xai_magics.emulator import Emulator

    emu = Emulator(port=0).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The session emulator, with faults, log, stored state and knobs reset before each test."""
    emulator.control.reset()
    yield emulator
    emulator.control.reset()


@pytest.fixture
def api_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment pointing at the emulator with a test key, as a kernel or client would read it."""
    monkeypatch.setenv("XAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("XAI_BASE_URL", emu.base_url)
    return {"XAI_API_KEY": TEST_KEY, "XAI_BASE_URL": emu.base_url}


@pytest.hookimpl(trylast=True)  # after the folders' own hooks have added their markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests first, one after another.

    They are the slowest by far: under xdist, started first, they run beside the rest instead of
    after it (tests/scheduling.py). Their Chromium starts once and stops after the last of them
    (tests/browser/conftest.py); the other tests keep their order.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which scripts/test runs under
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Whole modules to a worker, and the browser tests to one (tests/scheduling.py says why)."""
    from tests.scheduling import ModuleScheduling

    return ModuleScheduling(config, log)
