"""What the math checks cost when an answer is rendered, and that hostile TeX stays linear.

``render_bundle`` (HTML, Markdown copy, text) in this process, medians of several rounds, for:

* the 2,000-token answer of ``bench_render`` (no math): the checks must cost next to nothing;
* a math-heavy answer (400 inline formulas with ``<``, one safe ``\\href``);
* hostile shapes that made a naive pass quadratic (unclosed ``\\href{``, ``\\bbox[``, ``\\\\(``,
  ``\\begin{a}``, references that decode to commands), at 25 KB and at 100 KB.

Goals: math-heavy answer <= 10 ms; for each hostile shape, 4x the text costs <= 8x the time
(linear, with room for noise on a shared machine).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from benchmarks.bench_render import _answer
from xai_magics.render import render_bundle

ROUNDS = 7
HOSTILE: dict[str, Callable[[int], str]] = {
    "unclosed \\href{": lambda n: "\\href{" * n,
    "closed \\href{x}{y}": lambda n: "$\\href{javascript:x}{y}$ " * n,
    "unclosed \\bbox[": lambda n: "\\bbox[" * n,
    "unclosed \\\\(": lambda n: "\\\\(" * n,
    "unclosed \\begin": lambda n: "\\begin{a}" * n,
    "\\href and a comment": lambda n: "\\href%" * n,
    "references to commands": lambda n: "&#92;href{javascript:x}" * n,
}


def _median_ms(text: str) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        render_bundle(text, receipt_line="grok-4.3 · $0.0012")
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    plain = _answer()
    math = " ".join(f"word{i} $x_{i}^2 < y$" if i % 5 == 0 else f"w{i}" for i in range(2000))
    math += " and $\\href{https://x.ai}{docs}$"
    print(f"  answer without math ({len(plain):,} chars) : {_median_ms(plain):7.2f} ms")
    print(f"  math-heavy answer   ({len(math):,} chars) : {_median_ms(math):7.2f} ms (goal <= 10)")
    for name, make in HOSTILE.items():
        small = make(25_000 // len(make(1)) + 1)
        large = small * 4
        ratio = _median_ms(large) / _median_ms(small)
        print(f"  {name:26}: 4x the text, {ratio:5.1f}x the time (goal <= 8x)")
