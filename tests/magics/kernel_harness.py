"""A real IPython kernel driven over jupyter_client, pointed at the emulator, for magic tests.

``Kernel.run`` executes a cell and folds its iopub messages the way a notebook does
(``clear_output(wait=True)``, ``update_display_data``), so tests assert on what a saved notebook
would hold, plus the raw traffic (custom widget messages, bytes) where that matters.
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

CANARY_KEY = "xai-canary-0123456789abcdefghijklmnopqrstuv"

SAFE_TAGS = {
    "a", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "s", "strong", "summary", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip


@dataclass
class Execution:
    """What one cell did: its reply, its outputs as a notebook would keep them, and the traffic."""

    reply: dict[str, Any]
    messages: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.reply["status"] == "ok"

    @property
    def stdout(self) -> str:
        return self._stream("stdout")

    @property
    def stderr(self) -> str:
        return self._stream("stderr")

    def _stream(self, name: str) -> str:
        return "".join(
            m["content"]["text"]
            for m in self.messages
            if m["msg_type"] == "stream" and m["content"]["name"] == name
        )

    @property
    def displays(self) -> list[dict[str, Any]]:
        return [o for o in self.outputs if o["output_type"] in ("display_data", "execute_result")]

    @property
    def custom(self) -> list[dict[str, Any]]:
        """Contents of anywidget custom messages (the streamed deltas)."""
        return [
            m["content"]["data"]["content"]
            for m in self.messages
            if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "custom"
        ]

    @property
    def streamed_text(self) -> str:
        return "".join(c.get("text", "") for c in self.custom)

    @property
    def error_text(self) -> str:
        """Everything a user would read about a failure: error outputs and stderr."""
        errors = [m["content"] for m in self.messages if m["msg_type"] == "error"]
        parts = [self.stderr]
        parts += [
            e["ename"] + ": " + e["evalue"] + "\n" + "\n".join(e["traceback"]) for e in errors
        ]
        return "\n".join(parts)

    def only_display(self) -> dict[str, Any]:
        assert len(self.displays) == 1, self.outputs
        return self.displays[0]


class Kernel:
    """One ipykernel for a test module; cells run one at a time."""

    def __init__(self, env: dict[str, str]) -> None:
        from jupyter_client.manager import start_new_kernel

        full_env = {**os.environ, **env}
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=full_env)

    def run(
        self,
        code: str,
        *,
        timeout: float = 60,
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> Execution:
        started = time.monotonic()
        msg_id = self.kc.execute(code)
        messages: list[dict[str, Any]] = []
        deadline = started + timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"cell did not finish in {timeout} s: {code!r}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if on_message is not None:
                on_message(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            messages.append(msg)
        reply = self.kc.get_shell_msg(timeout=timeout)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=timeout)
        return Execution(
            reply["content"], messages, fold_outputs(messages), time.monotonic() - started
        )

    def ok(self, code: str, **kwargs: Any) -> Execution:
        execution = self.run(code, **kwargs)
        assert execution.ok, execution.error_text
        return execution

    def value(self, expression: str) -> Any:
        """A Python literal computed in the kernel (repr round-trip)."""
        import ast

        execution = self.ok(f"print(repr({expression}))")
        return ast.literal_eval(execution.stdout.strip())

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def fold_outputs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)


def assert_inert_html(html: str) -> None:
    """No tag a browser would run or fetch, no event handler, no unsafe link."""
    from xai_magics.render import is_safe_url

    markup = _Markup()
    markup.feed(html)
    markup.close()
    assert set(markup.tags) <= SAFE_TAGS, markup.tags
    for name, value in markup.attrs:
        assert not name.startswith("on"), (name, value)
        assert name not in {"src", "srcdoc", "action", "formaction"}, (name, value)
        if name == "href":
            assert is_safe_url(value), value


def requests_to(emu: Emulator, suffix: str) -> list[dict[str, Any]]:
    """Logged requests whose path ends with ``suffix`` (inference calls, not admin)."""
    return [r for r in emu.control.log() if r["path"].endswith(suffix)]
