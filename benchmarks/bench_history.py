"""What recording the history costs a call: the caller's share, the writer's, and end to end.

* on the calling thread, ``note_answer`` (build the entry, queue it) for a 2,000-token answer:
  this is all a ``%%grok`` cell waits for, before its final display;
* on the writer thread, one INSERT transaction into the WAL-mode file (what the disk costs,
  paid off the hot path);
* end to end, ``Grok.ask`` of the same answer at full emulator speed with history on and off,
  alternated in rounds; the ratio is the median of each round's ratio, so machine drift cancels.

Goals: the caller's share under 0.1 ms; end to end within 2% (ratio <= 1.02). On a busy
machine the end-to-end ratio is noisy; the caller's share is the figure that says what the
history adds to a call.
The emulator runs in a process of its own, like the real API; the store is in a temp dir.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from benchmarks.bench_render import _EmulatorProcess

TOKENS = 2000
NOTE_CALLS = 500
INSERTS = 200
ROUNDS = 61


def main() -> None:
    from xai_magics.api import Grok
    from xai_magics.history import recorder
    from xai_magics.history.entries import answer_entry
    from xai_magics.history.hooks import note_answer
    from xai_magics.request import AskOptions
    from xai_magics.threads import ThreadStore
    from xai_magics.usage import Ledger

    emu = _EmulatorProcess()
    data_dir = tempfile.mkdtemp(prefix="xai-magics-bench-history-")
    os.environ.update({"XAI_API_KEY": "xai-bench-key-0000000000", "XAI_BASE_URL": emu.base_url})
    answer = " ".join(f"word{i}" for i in range(TOKENS))
    grok = Grok(ledger=Ledger(), threads=ThreadStore())
    try:
        emu.control.inject("answer", "/v1/responses", text=answer, times=1000)
        result = grok.ask("Warm up")
        options = AskOptions()

        active = recorder.enable(data_dir)
        note_answer("Warm up", options, None, result, "cell:1")
        notes = []
        for _ in range(NOTE_CALLS):
            active.flush(timeout=120)  # the writer idle, as between two cells
            t = time.perf_counter()
            note_answer("Tell me everything", options, None, result, "cell:1")
            notes.append(time.perf_counter() - t)
        active.flush(timeout=120)
        caller_us = statistics.median(notes) * 1e6

        store = active.store()
        entry = {**answer_entry("Tell me", options, None, result, "k"), "session": "bench"}
        inserts = []
        for _ in range(INSERTS):
            t = time.perf_counter()
            store.add([entry])
            inserts.append(time.perf_counter() - t)

        ratios, on_s, off_s = [], [], []
        for n in range(ROUNDS):
            took = {}
            for on in (n % 2 == 0, n % 2 == 1):  # each goes first in every other round
                if on:
                    recorder.enable(data_dir)
                else:
                    recorder.disable()
                t = time.perf_counter()
                grok.ask("Tell me everything")
                took[on] = time.perf_counter() - t
                active.flush()
            on_s.append(took[True])
            off_s.append(took[False])
            ratios.append(took[True] / took[False])
        recorder.disable()
    finally:
        grok.close()
        emu.stop()

    print(f"answer of {TOKENS:,} tokens ({len(answer):,} characters)")
    print(f"caller's share (build + queue): {caller_us:.1f} µs per call, median (goal < 100 µs)")
    print(f"writer's share (one INSERT transaction): {statistics.median(inserts) * 1e3:.2f} ms")
    print(
        f"Grok.ask end to end, median of {ROUNDS} rounds: history off "
        f"{statistics.median(off_s) * 1e3:.1f} ms, on {statistics.median(on_s) * 1e3:.1f} ms, "
        f"ratio {statistics.median(ratios):.3f}x (goal <= 1.02x; the caller's share above is "
        "what history adds, the rest of any gap is the machine's noise)"
    )
