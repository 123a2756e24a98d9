"""A real IPython kernel with ``xai_magics`` loaded, pointed at the emulator through ``api_env``;
AudioPlayers whose comm records what it sends, for tests without a kernel."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm

from tests.kernels import Execution, Kernel
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


class Cell(Execution):
    """A cell's traffic, read for the AudioPlayer it opened and the clip it kept."""

    @classmethod
    def of(cls, execution: Execution) -> Cell:
        return cls(execution.reply, execution.messages, execution.seconds)

    def _player_opens(self) -> list[dict[str, Any]]:
        return [
            m["content"]
            for m in self.of_type("comm_open")
            if "sample_rate" in m["content"]["data"].get("state", {})
        ]

    def player_messages(self) -> list[tuple[dict[str, Any], list[bytes]]]:
        """The AudioPlayer's custom messages with their binary buffers, in arrival order."""
        players = {opened["comm_id"] for opened in self._player_opens()}
        assert len(players) == 1, f"expected one AudioPlayer, saw {len(players)}"
        return [
            (c.content, c.buffers) for c in self.comm_messages("custom") if c.comm_id in players
        ]

    def player_state(self) -> dict[str, Any]:
        return self._player_opens()[0]["data"]["state"]  # type: ignore[no-any-return]

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


class TTSKernel(Kernel):
    """An ipykernel for one test module; the emulator's address and key are set per test."""

    def run(self, code: str, **kwargs: Any) -> Cell:
        return Cell.of(super().run(code, **kwargs))

    def ok(self, code: str, **kwargs: Any) -> Cell:
        return Cell.of(super().ok(code, **kwargs))


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
