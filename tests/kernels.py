"""Real IPython kernels driven over jupyter_client, for tests of what happens inside a kernel.

``Kernel.run`` executes a cell and collects its iopub messages until the kernel is idle again.
``Execution`` reads them the way a front end does: streams, outputs folded as a notebook keeps
them (``clear_output(wait=True)``, ``update_display_data``), errors, and widget messages with
their binary buffers, next to the raw traffic for tests that need the order of things.
"""

from __future__ import annotations

import ast
import os
import queue
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

Message = dict[str, Any]

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class CommMessage:
    """One ``comm_msg`` from the kernel: the comm it belongs to, its data and binary buffers."""

    comm_id: str
    data: dict[str, Any]
    buffers: list[bytes]

    @property
    def method(self) -> str | None:
        method = self.data.get("method")
        return method if isinstance(method, str) else None

    @property
    def content(self) -> dict[str, Any]:
        """What an anywidget ``custom`` message carries (``model.send`` content)."""
        content = self.data.get("content", {})
        return content if isinstance(content, dict) else {}


@dataclass
class Execution:
    """What one cell did: its execute reply and the iopub messages it produced, in order."""

    reply: dict[str, Any]
    messages: list[Message]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        status: object = self.reply["status"]
        return status == "ok"

    def of_type(self, *kinds: str) -> list[Message]:
        return [m for m in self.messages if m["msg_type"] in kinds]

    def streamed(self, *names: str) -> str:
        """Text of the named streams (every stream when none is named), interleaved as sent."""
        return "".join(
            m["content"]["text"]
            for m in self.of_type("stream")
            if not names or m["content"]["name"] in names
        )

    @property
    def stdout(self) -> str:
        return self.streamed("stdout")

    @property
    def stderr(self) -> str:
        return self.streamed("stderr")

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Contents of the ``error`` messages: ename, evalue, traceback."""
        return [m["content"] for m in self.of_type("error")]

    @property
    def error_text(self) -> str:
        """Everything a user would read about a failure: stderr and the tracebacks."""
        parts = [self.stderr]
        parts += [
            e["ename"] + ": " + e["evalue"] + "\n" + "\n".join(e["traceback"]) for e in self.errors
        ]
        return "\n".join(parts)

    @cached_property
    def outputs(self) -> list[dict[str, Any]]:
        """The cell's outputs as a saved notebook would hold them."""
        return fold_outputs(self.messages)

    @property
    def displays(self) -> list[dict[str, Any]]:
        return [o for o in self.outputs if o["output_type"] in ("display_data", "execute_result")]

    def only_display(self) -> dict[str, Any]:
        assert len(self.displays) == 1, self.outputs
        return self.displays[0]

    def comm_messages(self, method: str | None = None) -> list[CommMessage]:
        """The ``comm_msg`` traffic with buffers, optionally only one widget method."""
        found = [
            CommMessage(
                m["content"]["comm_id"],
                m["content"]["data"],
                [bytes(b) for b in m.get("buffers", [])],
            )
            for m in self.of_type("comm_msg")
        ]
        return [c for c in found if method is None or c.method == method]

    @property
    def custom(self) -> list[dict[str, Any]]:
        """Contents of anywidget ``custom`` messages, in the order they arrived."""
        return [c.content for c in self.comm_messages("custom")]

    @property
    def streamed_text(self) -> str:
        """The text the widget messages carried (a streamed answer's deltas)."""
        return "".join(c.get("text", "") for c in self.custom)


class Kernel:
    """One ipykernel process and a blocking client; cells run one at a time."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        from jupyter_client.manager import start_new_kernel

        # The debugger's frozen-modules warning would otherwise land on every kernel's stderr.
        full_env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(env or {})}
        self._own_data_dir: str | None = None
        if "XAI_MAGICS_DATA_DIR" not in (env or {}):
            # A history of its own (kept across restarts): a kernel shared by a module's tests
            # must not continue threads another module recorded.
            self._own_data_dir = tempfile.mkdtemp(prefix="xai-magics-kernel-data-")
            full_env["XAI_MAGICS_DATA_DIR"] = self._own_data_dir
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=full_env)

    def start(self, code: str, *, allow_stdin: bool = False) -> str:
        """Send a cell without waiting for it; its message id, for ``collect``.

        Like nbclient, a cell may not ask for input unless ``allow_stdin``: then the test must
        answer on the stdin channel (``kc.get_stdin_msg``, ``kc.input``).
        """
        msg_id: str = self.kc.execute(code, allow_stdin=allow_stdin)
        return msg_id

    def collect(
        self,
        msg_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        on_message: Callable[[Message], None] | None = None,
        other_cells: bool = False,
    ) -> Execution:
        """Wait for a started cell to go idle and take its reply.

        ``on_message`` sees each message as it arrives (to interrupt at a chosen moment);
        ``other_cells`` keeps the traffic of earlier cells too (their background threads).
        """
        started = time.monotonic()
        deadline = started + timeout
        messages: list[Message] = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"cell {msg_id} did not finish in {timeout} s") from None
            mine = msg["parent_header"].get("msg_id") == msg_id
            if not mine and not other_cells:
                continue
            if mine and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            messages.append(msg)
            if on_message is not None:
                on_message(msg)
        reply = self.kc.get_shell_msg(timeout=timeout)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=timeout)
        return Execution(reply["content"], messages, time.monotonic() - started)

    def run(self, code: str, **options: Any) -> Execution:
        """Run a cell to its end, whatever the outcome (options as for ``collect``)."""
        return self.collect(self.start(code), **options)

    def ok(self, code: str, **kwargs: Any) -> Execution:
        """Run a cell that must succeed; a failure fails the test with the traceback."""
        execution = self.run(code, **kwargs)
        assert execution.ok, execution.error_text
        return execution

    def value(self, expression: str) -> Any:
        """A Python literal computed in the kernel (repr round-trip)."""
        return ast.literal_eval(self.ok(f"print(repr({expression}))").stdout.strip())

    def complete(self, code: str, cursor_pos: int | None = None) -> tuple[list[str], str]:
        """Tab at ``cursor_pos`` (default: the end), as a front end asks: the matches offered,
        and the text they would replace."""
        pos = len(code) if cursor_pos is None else cursor_pos
        msg_id = self.kc.complete(code, pos)
        reply = self.kc.get_shell_msg(timeout=DEFAULT_TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=DEFAULT_TIMEOUT)
        content = reply["content"]
        assert content["status"] == "ok", content
        replaced = code[content["cursor_start"] : content["cursor_end"]]
        return list(content["matches"]), replaced

    def interrupt(self) -> None:
        """SIGINT, as the notebook's stop button sends."""
        self.km.interrupt_kernel()

    def restart(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """A fresh kernel process on the same connection: the namespace is gone."""
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as when a kernel dies: nothing in it gets to clean up."""
        if not self.km.is_alive():
            return
        self.km.signal_kernel(signal.SIGKILL)
        self.shutdown()

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        if self._own_data_dir is not None:
            shutil.rmtree(self._own_data_dir, ignore_errors=True)


def fold_outputs(messages: list[Message]) -> list[dict[str, Any]]:
    """The cell's outputs after the notebook applies clears and display updates."""
    outputs: list[dict[str, Any]] = []
    clear_pending = False
    for msg in messages:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "clear_output":
            if content.get("wait"):
                clear_pending = True
            else:
                outputs.clear()
            continue
        if kind == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for out in outputs:
                if out.get("display_id") == display_id:
                    out["data"], out["metadata"] = content["data"], content["metadata"]
            continue
        if kind not in ("stream", "display_data", "execute_result", "error"):
            continue
        if clear_pending:
            outputs.clear()
            clear_pending = False
        out = {"output_type": kind, **content}
        if kind in ("display_data", "execute_result"):
            out["display_id"] = content.get("transient", {}).get("display_id")
        if kind == "stream" and outputs and outputs[-1].get("name") == content["name"]:
            outputs[-1]["text"] += content["text"]
            continue
        outputs.append(out)
    return outputs
