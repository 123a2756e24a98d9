"""A real IPython kernel (jupyter_client) that a test can run cells in, kill, and start again."""

from __future__ import annotations

import os
import queue
import signal
import time
from typing import Any


class Kernel:
    def __init__(self, env: dict[str, str]) -> None:
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", env={**os.environ, **env})

    def start(self, code: str) -> str:
        """Send a cell without waiting for it."""
        msg_id: str = self.kc.execute(code)
        return msg_id

    def run(self, code: str, timeout: float = 90) -> dict[str, Any]:
        """Run a cell to the end; return what it printed (stdout and stderr)."""
        return {"stdout": self.finish(self.start(code), timeout)}

    def finish(self, msg_id: str, timeout: float = 90) -> str:
        """Wait for a started cell to end; return what it printed. Errors fail the test."""
        deadline = time.monotonic() + timeout
        stdout: list[str] = []
        errors: list[str] = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"cell {msg_id} did not finish in {timeout} s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                stdout.append(content["text"])
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                break
        assert not errors, errors
        return "".join(stdout)

    def messages(self, code: str, timeout: float = 90) -> list[dict[str, Any]]:
        """Run a cell; every iopub message until it ends (other cells' too: comms carry none)."""
        msg_id = self.start(code)
        deadline = time.monotonic() + timeout
        seen: list[dict[str, Any]] = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"cell {msg_id} did not finish in {timeout} s") from None
            seen.append(msg)
            mine = msg["parent_header"].get("msg_id") == msg_id
            if mine and msg["msg_type"] == "error":
                raise AssertionError(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            if mine and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return seen

    def kill(self) -> None:
        """SIGKILL, as when a kernel dies: nothing gets to clean up."""
        if not self.km.is_alive():
            return
        self.km.signal_kernel(signal.SIGKILL)
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
