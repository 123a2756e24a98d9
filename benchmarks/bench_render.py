"""What it costs to watch an answer stream: ``%%grok`` against the same stream read and dropped.

In one real kernel, against the emulator at full speed (no pacing), a 2,000-token answer is:

* consumed by the client without any rendering (the baseline for time);
* asked with ``%%grok`` as shipped: such an answer ends before the live view is due
  (``GrokMagics.live_view_after``), so it is shown once, as its final output;
* asked with ``%%grok`` with the live view made at once (StreamView deltas, then the final
  output), as an answer that streams for longer gets it;
* published the naive way, one ``update_display_data`` with the whole text per token (the
  baseline for iopub bytes).

Time is measured inside the kernel (perf_counter around each ask), in rounds that take the three
ways in turn within one cell; the ratio is the median of each round's ratio to its own baseline,
so that drift in the machine's speed cancels. The emulator runs in a process of its own, like
the real API.
Bytes are every frame of every iopub message a cell causes (header, parent header, metadata,
content, buffers), as the front end would receive them.
Goals: time ratio <= 1.1x, iopub bytes >= 20x fewer than the naive way.

At full emulator speed the whole stream takes a few tens of milliseconds and the kernel is busy
reading it, so one-time costs (the widget's comm, the final display and its render) weigh heavily;
they are printed on their own (medians of several): the render of the whole final bundle, making a
view (comm open and display), and ending one (sending the held text, the final display update).
In a paced round (1,000 tokens/s, a fast real model) the kernel mostly waits, and the ratio is the
one a user feels.
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import subprocess
import sys
from typing import Any

TOKENS = 2000
ROUNDS = 31
PACED_TOKENS_PER_SECOND = 1000
PACED_ROUNDS = 3
RENDER_ROUNDS = 21


def _answer() -> str:
    words = [f"word{i}" if i % 17 else f"**bold{i}**\n\n" for i in range(TOKENS)]
    return " ".join(words)


class _Kernel:
    def __init__(self, env: dict[str, str]) -> None:
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", env={**os.environ, **env})

    def run(self, code: str, *, count_bytes: bool = True) -> tuple[str, int]:
        """Run a cell; returns its stdout and the iopub bytes it caused (status excluded).

        ``count_bytes=False`` while timing: re-encoding every message here takes the CPU that
        the kernel and the emulator share.
        """
        msg_id = self.kc.execute(code)
        stdout: list[str] = []
        total = 0
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=120)
            except queue.Empty:
                raise RuntimeError(f"cell timed out: {code[:60]!r}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "status":
                if msg["content"]["execution_state"] == "idle":
                    break
                continue
            if kind == "execute_input":
                continue
            if count_bytes:
                total += _wire_bytes(msg)
            if kind == "stream" and msg["content"]["name"] == "stdout":
                stdout.append(msg["content"]["text"])
            if kind == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
        self.kc.get_shell_msg(timeout=30)
        return "".join(stdout), total

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _wire_bytes(msg: dict[str, Any]) -> int:
    parts = (msg["header"], msg["parent_header"], msg["metadata"], msg["content"])
    size = sum(len(json.dumps(p, default=str).encode()) for p in parts)
    # 64-hex HMAC signature plus the "<IDS|MSG>" delimiter and the topic frame
    size += 64 + 9 + 20
    return size + sum(len(b) for b in msg.get("buffers") or ())


CLIENT = """
from xai_magics.client import XAIClient
_c = XAIClient()
"""

# Rounds inside one cell: the client alone, %%grok as shipped, %%grok with the live view made at
# once. The same client code path the magic uses, with a warm connection as the magic has.
ROUNDS_CELL = """
import statistics, time
from xai_magics.emulator import EmulatorControl
_ctl = EmulatorControl({base_url!r})
_answer = {answer!r}
_magics = get_ipython().magics_manager.registry["GrokMagics"]
_shipped_delay = _magics.live_view_after

def _client():
    for _e in _c.responses.stream(model="grok-4.3", input="bench"):
        pass

def _grok():
    get_ipython().run_cell_magic("grok", "", "bench")

def _grok_live_view():
    _magics.live_view_after = 0.0
    try:
        get_ipython().run_cell_magic("grok", "", "bench")
    finally:
        _magics.live_view_after = _shipped_delay

_ways = (_client, _grok, _grok_live_view)
_times = {{w.__name__: [] for w in _ways}}
for _round in range({rounds} + 2):  # two rounds to warm up (imports, connections)
    for _way in _ways:
        _ctl.inject("answer", "/v1/responses", text=_answer)
        _t = time.perf_counter()
        _way()
        _times[_way.__name__].append(time.perf_counter() - _t)
print("\\nTIMES", " ".join(",".join(map(str, v[2:])) for v in _times.values()))
"""

# One cell each: the paced rounds, and the iopub bytes of one answer.
BASELINE = """
import time
_t = time.perf_counter()
for _e in _c.responses.stream(model="grok-4.3", input="bench"):
    pass
print(time.perf_counter() - _t)
"""

MAGIC = """
import time
_t = time.perf_counter()
get_ipython().run_cell_magic("grok", "", "bench")
print(time.perf_counter() - _t)
"""

LIVE_VIEW_MAGIC = """
import time
_magics = get_ipython().magics_manager.registry["GrokMagics"]
_magics.live_view_after, _shipped_delay = 0.0, _magics.live_view_after
_t = time.perf_counter()
get_ipython().run_cell_magic("grok", "", "bench")
print(time.perf_counter() - _t)
_magics.live_view_after = _shipped_delay
"""

# The final output of one answer (HTML, Markdown copy, text), as the end of %%grok makes it.
RENDER_ONLY = """
import statistics, time
from xai_magics.render import render_bundle
_a = {answer!r}
_s = []
for _i in range({rounds}):
    _fresh = f"{{_a}} {{_i}}"  # a text not rendered before, were renders remembered
    _t = time.perf_counter()
    render_bundle(_fresh)
    _s.append(time.perf_counter() - _t)
print(statistics.median(_s))
"""

# The fixed costs of the widget path on their own: making a view (its comm, its display) and
# ending one (sending the held text, replacing the view with the final output).
VIEW_ONLY = """
import statistics, time
from IPython.display import display
from xai_magics.widgets.stream_view import StreamView
_a = {answer!r}
_made, _ended = [], []
for _i in range({rounds}):
    _t = time.perf_counter()
    _v = StreamView()
    _h = display(_v, display_id=True)
    _made.append(time.perf_counter() - _t)
    _v.push(text=_a[:1])
    _v.push(text=_a[1:])
    _t = time.perf_counter()
    _v.flush()
    _h.update({{"text/plain": _a}}, raw=True)
    _ended.append(time.perf_counter() - _t)
print(statistics.median(_made), statistics.median(_ended))
"""

NAIVE = """
import time
from IPython.display import display
_words = {words!r}
_t = time.perf_counter()
_h = display({{"text/markdown": ""}}, raw=True, display_id=True)
_text = ""
for _w in _words:
    _text += _w
    _h.update({{"text/markdown": _text}}, raw=True)
print(time.perf_counter() - _t)
"""


class _EmulatorProcess:
    """The emulator in a process of its own, as the real API is: in this process it would share
    the interpreter lock with the loop that receives and measures the kernel's messages."""

    def __init__(self) -> None:
        from xai_magics.emulator import EmulatorControl

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xai_magics.emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.base_url = line.rsplit(" ", 1)[-1].strip()
        self.control = EmulatorControl(self.base_url)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def main() -> None:
    answer = _answer()
    emu = _EmulatorProcess()
    kernel = _Kernel({"XAI_API_KEY": "xai-bench-key-0000000000", "XAI_BASE_URL": emu.base_url})
    try:
        kernel.run("%load_ext xai_magics")
        # No front end answers this kernel: pin the widget path, the one JupyterLab users get.
        kernel.run('%config GrokMagics.display = "widget"')
        kernel.run(CLIENT)
        rounds_cell = ROUNDS_CELL.format(base_url=emu.base_url, answer=answer, rounds=ROUNDS)
        out, _ = kernel.run(rounds_cell, count_bytes=False)
        base_s, magic_s, live_s = (
            [float(x) for x in part.split(",")] for part in out.split("TIMES")[-1].split()
        )
        emu.control.inject("answer", "/v1/responses", text=answer)
        _, magic_bytes = kernel.run(MAGIC)
        emu.control.inject("answer", "/v1/responses", text=answer)
        _, live_bytes = kernel.run(LIVE_VIEW_MAGIC)
        paced_base: list[float] = []
        paced_magic: list[float] = []
        emu.control.configure(tokens_per_second=PACED_TOKENS_PER_SECOND)
        for _ in range(PACED_ROUNDS):
            emu.control.inject("answer", "/v1/responses", text=answer)
            paced_base.append(float(kernel.run(BASELINE)[0].split()[-1]))
            emu.control.inject("answer", "/v1/responses", text=answer)
            paced_magic.append(float(kernel.run(MAGIC)[0].split()[-1]))
        emu.control.configure(tokens_per_second=0)
        out, _ = kernel.run(RENDER_ONLY.format(answer=answer, rounds=RENDER_ROUNDS))
        render_s = float(out.split()[-1])
        out, _ = kernel.run(VIEW_ONLY.format(answer=answer, rounds=RENDER_ROUNDS))
        view_made_s, view_ended_s = (float(x) for x in out.split()[-2:])
        # the emulator's tokens, as the naive way would have received them
        tokens = [w + " " for w in answer.split(" ")]
        out, naive_bytes = kernel.run(NAIVE.format(words=tokens))
        naive_s = float(out.split()[-1])
    finally:
        kernel.close()
        emu.stop()
    base, magic, live = (statistics.median(v) for v in (base_s, magic_s, live_s))
    ratio = statistics.median(m / b for m, b in zip(magic_s, base_s, strict=True))
    live_ratio = statistics.median(m / b for m, b in zip(live_s, base_s, strict=True))
    print(f"{len(tokens)}-token answer, emulator at full speed, {ROUNDS} rounds (medians)")
    print(f"  client only, no rendering : {base * 1000:8.1f} ms")
    print(f"  %%grok                    : {magic * 1000:8.1f} ms (done before a live view is due)")
    print(f"  time ratio                : {ratio:8.2f}x   (goal <= 1.10x)")
    print(f"  %%grok, live view at once : {live * 1000:8.1f} ms")
    print(f"  time ratio, live view     : {live_ratio:8.2f}x")
    print(f"    rendering the answer once : {render_s * 1000:6.2f} ms (HTML, Markdown copy, text)")
    print(f"    making the view           : {view_made_s * 1000:6.2f} ms (comm open, display)")
    print(
        f"    ending the view           : {view_ended_s * 1000:6.2f} ms (held text, final update)"
    )
    pb, pm = statistics.median(paced_base), statistics.median(paced_magic)
    print(
        f"  paced at {PACED_TOKENS_PER_SECOND} tokens/s      : client {pb:.2f} s, %%grok {pm:.2f} s"
    )
    print(f"  paced time ratio          : {pm / pb:8.3f}x")
    print(f"  per-token full-text update: {naive_s * 1000:8.1f} ms (display only, no network)")
    print(f"  iopub bytes per-token     : {naive_bytes:>10,}")
    print(f"  iopub bytes, live view    : {live_bytes:>10,}")
    print(f"  bytes ratio, live view    : {naive_bytes / live_bytes:8.1f}x fewer   (goal >= 20x)")
    print(f"  iopub bytes %%grok, short : {magic_bytes:>10,} (final output only)")


if __name__ == "__main__":
    main()
