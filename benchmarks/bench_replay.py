"""What record and replay cost: a replayed ``%%grok`` cell, and recording a streamed answer.

Replay: in one real kernel, a 400-token answer is recorded from the emulator, then played with
``--pace instant``. Rounds take in turn, within one cell, the replayed ``%%grok`` and, as the
baseline, displaying the same answer's Markdown directly (``display(Markdown(text))``); time is
measured inside the kernel (perf_counter around each). Goal: the replayed cell at most 5 ms more.

Recording: a 2,000-token answer streamed from the emulator at full speed (a process of its own,
as the real API is), read to the end by the client with replay off, then while recording into a
cassette; interleaved rounds (each way first in every other one), the median of each round's
ratio. Goal: at most 2% more time. The cassette is written on a thread of its own once the
answer has been read, so the calling thread's CPU time is printed too: on a loaded machine it
is the steadier figure.

Where the replayed cell's time goes is shown by a third way, the answer's safe rendering
(``render_bundle``) displayed alone: the replayed cell also parses the recorded stream, exactly
as a live answer is parsed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_render import _EmulatorProcess, _Kernel

ROUNDS = 61
ANSWER_TOKENS = 400
STREAM_PROMPT = "emulator:tokens=2000 stream for the recording benchmark"


def _answer() -> str:
    words = [f"word{i}" if i % 17 else f"**bold{i}**\n\n" for i in range(ANSWER_TOKENS)]
    return " ".join(words)


RECORD_CELL = """
%grok_replay record {path}
"""

PLAY_ROUNDS = """
import statistics, time
from IPython.display import Markdown, display
from xai_magics.render import render_bundle
get_ipython().run_line_magic("grok_replay", "play {path} --pace instant")
_ask = get_ipython().run_cell_magic
_text = _recorded.text

def _replayed():
    _ask("grok", "", "bench replay")

def _markdown():
    display(Markdown(_text))

def _rendered():
    display(render_bundle(_text), raw=True)

_ways = (_markdown, _replayed, _rendered)
_times = {{w.__name__: [] for w in _ways}}
for _round in range({rounds} + 2):  # two rounds to warm up
    for _way in _ways:
        _t = time.perf_counter()
        _way()
        _times[_way.__name__].append(time.perf_counter() - _t)
from xai_magics import replay
print("\\nMISSES", replay.state().misses)
print("TIMES", " ".join(",".join(map(str, v[2:])) for v in _times.values()))
"""


def replayed_cell(
    emu: _EmulatorProcess, answer: str, folder: Path
) -> tuple[float, float, float, float, float]:
    """Medians (seconds) of the Markdown display, the replayed cell, the safe rendering alone,
    the differences between the replayed cell and the Markdown display, and replay's own part."""
    path = folder / "bench.grok.jsonl"
    kernel = _Kernel({"XAI_API_KEY": "xai-bench-key-0000000000", "XAI_BASE_URL": emu.base_url})
    try:
        kernel.run("%load_ext xai_magics")
        kernel.run(RECORD_CELL.format(path=path))
        emu.control.inject("answer", "/v1/responses", text=answer)
        kernel.run('_recorded = get_ipython().run_cell_magic("grok", "", "bench replay")')
        out, _ = kernel.run(PLAY_ROUNDS.format(path=path, rounds=ROUNDS), count_bytes=False)
    finally:
        kernel.close()
    own_s = lookup_time(path)
    if "MISSES 0" not in out:
        raise RuntimeError(f"the replayed cell missed the cassette: {out[-300:]}")
    markdown_s, replayed_s, rendered_s = (
        [float(x) for x in part.split(",")] for part in out.split("TIMES")[-1].split()
    )
    extra = statistics.median(r - m for r, m in zip(replayed_s, markdown_s, strict=True))
    medians = (statistics.median(v) for v in (markdown_s, replayed_s, rendered_s))
    return (*medians, extra, own_s)


def lookup_time(path: Path) -> float:
    """Median seconds replay itself takes per call: fingerprint the request, find its answer,
    hand over the body (what the cell spends beyond a live call's parsing and display)."""
    import httpx

    from xai_magics.replay.cassette import read
    from xai_magics.replay.player import Player

    exchanges = read(path)
    player = Player(exchanges, pace="instant", source=path.name)
    asked = exchanges[-1].request
    url = "http://127.0.0.1/" + asked.path.lstrip("/")
    request = httpx.Request(asked.method, url, params=asked.query, json=asked.body)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        _, response = player.answer(request)
        if response is None:
            raise RuntimeError("the benchmark's request is not in its cassette")
        b"".join(response.iter_raw())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def recording_overhead(emu: _EmulatorProcess, folder: Path) -> tuple[float, float, float, float]:
    """Medians (seconds) of a streamed answer read live and recorded, the median ratio, and
    the ratio of the calling thread's CPU time (the figure the machine's load moves least)."""
    import os

    from xai_magics import replay
    from xai_magics.client import XAIClient

    os.environ["XAI_BASE_URL"] = emu.base_url
    client = XAIClient(api_key="xai-bench-key-0000000000")

    cpu: dict[bool, list[float]] = {False: [], True: []}

    def stream() -> float:
        started, started_cpu = time.perf_counter(), time.thread_time()
        done = client.responses.stream(model="grok-4.3", input=STREAM_PROMPT).until_done()
        if not done.text:
            raise RuntimeError("empty answer")
        cpu[replay.state().mode == "record"].append(time.thread_time() - started_cpu)
        return time.perf_counter() - started

    def live_stream() -> float:
        replay.off()  # also finishes writing the previous round's cassette, untimed
        return stream()

    def recorded_stream() -> float:
        replay.record(folder / "overhead.grok.jsonl")  # a fresh cassette each round
        return stream()

    live: list[float] = []
    recorded: list[float] = []
    try:
        for round_ in range(ROUNDS + 2):
            # each way goes first in every other round, so that order favours neither
            if round_ % 2:
                recorded_s, live_s = recorded_stream(), live_stream()
            else:
                live_s, recorded_s = live_stream(), recorded_stream()
            if round_ >= 2:  # two rounds to warm up
                live.append(live_s)
                recorded.append(recorded_s)
    finally:
        replay.off()
        client.close()
    ratio = statistics.median(r / b for r, b in zip(recorded, live, strict=True))
    cpu_ratio = statistics.median(cpu[True]) / statistics.median(cpu[False])
    return statistics.median(live), statistics.median(recorded), ratio, cpu_ratio


def main() -> None:
    answer = _answer()
    emu = _EmulatorProcess()
    try:
        with tempfile.TemporaryDirectory() as folder:
            markdown_s, replayed_s, rendered_s, extra_s, own_s = replayed_cell(
                emu, answer, Path(folder)
            )
            live_s, recorded_s, ratio, cpu_ratio = recording_overhead(emu, Path(folder))
    finally:
        emu.stop()
    print(f"{ANSWER_TOKENS}-token answer in one kernel, {ROUNDS} interleaved rounds (medians)")
    print(f"  display(Markdown(text))   : {markdown_s * 1000:8.2f} ms (baseline)")
    print(f"  replayed %%grok, instant  : {replayed_s * 1000:8.2f} ms")
    print(f"  replayed minus baseline   : {extra_s * 1000:8.2f} ms   (goal <= 5 ms)")
    print(f"  ratio                     : {replayed_s / markdown_s:8.2f}x")
    print(f"    safe rendering, alone   : {rendered_s * 1000:8.2f} ms (render_bundle, displayed)")
    print(f"    replay's own part       : {own_s * 1000:8.2f} ms (fingerprint, look-up, body)")
    print("    the rest: the same parsing, receipt and display a live answer gets")
    print(f"2,000-token streamed answer, emulator at full speed, {ROUNDS} rounds (medians)")
    print(f"  read live, replay off     : {live_s * 1000:8.2f} ms (baseline)")
    print(f"  read live while recording : {recorded_s * 1000:8.2f} ms")
    print(f"  time ratio                : {ratio:8.3f}x   (goal <= 1.02x)")
    print(f"  calling thread's CPU ratio: {cpu_ratio:8.3f}x   (the cassette is written apart)")


if __name__ == "__main__":
    main()
