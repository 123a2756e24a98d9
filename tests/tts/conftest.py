"""A real IPython kernel with ``xai_magics`` loaded, pointed at the emulator through ``api_env``."""

from __future__ import annotations

import base64
import json
import os
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm

from xai_magics.widgets.audio_player import AudioPlayer


class RecordingComm(BaseComm):  # type: ignore[misc]
    """A comm that keeps what it would have sent to the front end, for tests without a kernel."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[tuple[dict[str, Any], list[bytes]]] = []
        super().__init__(**kwargs)

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **_: Any
    ) -> None:
        self.sent.append((data or {}, [bytes(b) for b in buffers or []]))

    def custom(self) -> list[tuple[dict[str, Any], list[bytes]]]:
        """The custom messages (audio pieces, end, clear) in the order they were sent."""
        return [(d["content"], b) for d, b in list(self.sent) if d.get("method") == "custom"]


@pytest.fixture
def make_player(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AudioPlayer]:
    """Builds AudioPlayers whose comm records its traffic (``player.comm.custom()``)."""
    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    return AudioPlayer


@dataclass
class Cell:
    """What one cell sent on iopub, in order, and how it ended."""

    reply: dict[str, Any]
    messages: list[dict[str, Any]]

    def of_type(self, *kinds: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["msg_type"] in kinds]

    @property
    def ok(self) -> bool:
        return self.reply["status"] == "ok"

    @property
    def error(self) -> str:
        return "\n".join(
            f"{m['content']['ename']}: {m['content']['evalue']}" for m in self.of_type("error")
        )

    @property
    def stderr(self) -> str:
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stderr"
        )

    def player_messages(self) -> list[tuple[dict[str, Any], list[bytes]]]:
        """The AudioPlayer's custom messages with their binary buffers, in arrival order."""
        players = {
            m["content"]["comm_id"]
            for m in self.of_type("comm_open")
            if "sample_rate" in m["content"]["data"].get("state", {})
        }
        assert len(players) == 1, f"expected one AudioPlayer, saw {len(players)}"
        return [
            (m["content"]["data"]["content"], [bytes(b) for b in m.get("buffers", [])])
            for m in self.of_type("comm_msg")
            if m["content"]["comm_id"] in players and m["content"]["data"]["method"] == "custom"
        ]

    def player_state(self) -> dict[str, Any]:
        opened = [
            m["content"]["data"]["state"]
            for m in self.of_type("comm_open")
            if "sample_rate" in m["content"]["data"].get("state", {})
        ]
        return opened[0]  # type: ignore[no-any-return]

    def audio_outputs(self) -> list[tuple[str, bytes]]:
        """(mime, bytes) of every ``<audio>`` data URI the cell displayed."""
        found = []
        for m in self.of_type("display_data"):
            html = m["content"]["data"].get("text/html", "")
            if "<audio" in html:
                uri = html.split('src="', 1)[1].split('"', 1)[0]
                header, data = uri.split(",", 1)
                found.append((header[len("data:") : -len(";base64")], base64.b64decode(data)))
        return found

    @property
    def result_repr(self) -> str:
        results = self.of_type("execute_result")
        return results[0]["content"]["data"]["text/plain"] if results else ""


class TTSKernel:
    """An ipykernel for one test module; the emulator's address and key are set per test."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=env)

    def run(
        self,
        code: str,
        *,
        timeout: float = 60,
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> Cell:
        msg_id = self.kc.execute(code)
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"cell did not finish in {timeout} s: {code!r}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            messages.append(msg)
            if on_message is not None:
                on_message(msg)
        reply = self.kc.get_shell_msg(timeout=timeout)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=timeout)
        return Cell(reply["content"], messages)

    def ok(self, code: str, **kwargs: Any) -> Cell:
        cell = self.run(code, **kwargs)
        assert cell.ok, cell.error
        return cell

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def module_kernel() -> Iterator[TTSKernel]:
    kernel = TTSKernel()
    try:
        kernel.ok("%load_ext xai_magics")
        yield kernel
    finally:
        kernel.shutdown()


@pytest.fixture
def kernel(module_kernel: TTSKernel, api_env: dict[str, str]) -> TTSKernel:
    """The module's kernel, talking to the freshly reset emulator with the test key."""
    module_kernel.ok(f"import os; os.environ.update({json.dumps(api_env)})")
    return module_kernel
