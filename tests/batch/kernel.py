"""A real IPython kernel that a batch test can run cells in, interrupt, kill, and start again.

Batch cells are judged by what they print, and any error in one fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests import kernels

TIMEOUT = 90.0


class Kernel:
    def __init__(self, env: dict[str, str]) -> None:
        self.kernel = kernels.Kernel(env)

    @property
    def km(self) -> Any:
        return self.kernel.km

    def start(self, code: str) -> str:
        """Send a cell without waiting for it."""
        return self.kernel.start(code)

    def run(self, code: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Run a cell to the end; return what it printed (stdout and stderr)."""
        return {"stdout": self.finish(self.start(code), timeout)}

    def finish(self, msg_id: str, timeout: float = TIMEOUT) -> str:
        """Wait for a started cell to end; return what it printed. Errors fail the test."""
        execution = self.kernel.collect(msg_id, timeout=timeout)
        assert not execution.errors, execution.error_text
        return execution.streamed()

    def messages(self, code: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Run a cell; every iopub message until it ends (other cells' too: comms carry none)."""
        execution = self.kernel.run(code, timeout=timeout, other_cells=True)
        assert not execution.errors, execution.error_text
        return execution.messages

    def kill(self) -> None:
        """SIGKILL, as when a kernel dies: nothing gets to clean up."""
        self.kernel.kill()


@contextmanager
def kernel_with(api_env: dict[str, str], data_dir: Path, setup: str) -> Iterator[Kernel]:
    """A kernel on the emulator with its own job store, ``setup`` run, killed afterwards."""
    started = Kernel({**api_env, "XAI_MAGICS_DATA_DIR": str(data_dir)})
    try:
        started.run(setup)
        yield started
    finally:
        started.kill()
