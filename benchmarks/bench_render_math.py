"""What the math and code passes cost when an answer is rendered; hostile TeX stays linear.

``render_bundle`` (HTML, Markdown copy, text) in this process, medians of several rounds, for:

* the 2,000-token answer of ``bench_render`` (no math): the checks must cost next to nothing;
* a math-heavy answer (400 inline formulas with ``<``, one safe ``\\href``);
* a 2,000-token answer with code (three highlighted 25-line Python blocks), and the same
  answer with its blocks' language taken out (not highlighted): what highlighting costs;
* hostile shapes that made a naive pass quadratic (unclosed ``\\href{``, ``\\bbox[``, ``\\\\(``,
  ``\\begin{a}``, references that decode to commands), at 25 KB and at 100 KB.

Goals: math-heavy answer <= 10 ms; answer with code <= 20 ms (Pygments lexes about 200
characters of code per millisecond, and only fenced blocks with a language are lexed); for each
hostile shape, 4x the text costs <= 8x the time (linear, with room for noise on a shared machine).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from benchmarks.bench_render import _answer
from xai_magics.render import render_bundle
from xai_magics.rendering.code_blocks import _highlighted

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
        _highlighted.cache_clear()  # each round a first render (the live view's repeats hit it)
        started = time.perf_counter()
        render_bundle(text, receipt_line="grok-4.3 · $0.0012")
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _code_answer() -> str:
    """About 2,000 tokens: prose in sections, three 25-line Python blocks between them."""
    block = "\n".join(
        f"def step_{i}(rows: list[int]) -> int:  # step {i}\n    return sum(r * {i} for r in rows)"
        for i in range(12)
    )
    words = " ".join(f"word{i}" for i in range(175))
    parts = [f"## Part {n}\n\n{words}\n\n```python\n{block}\n```" for n in range(3)]
    return "\n\n".join([*parts, words])


def main() -> None:
    plain = _answer()
    math = " ".join(f"word{i} $x_{i}^2 < y$" if i % 5 == 0 else f"w{i}" for i in range(2000))
    math += " and $\\href{https://x.ai}{docs}$"
    print(f"  answer without math ({len(plain):,} chars) : {_median_ms(plain):7.2f} ms")
    print(f"  math-heavy answer   ({len(math):,} chars) : {_median_ms(math):7.2f} ms (goal <= 10)")
    code = _code_answer()
    plain_code = code.replace("```python", "```")
    print(f"  answer with code    ({len(code):,} chars) : {_median_ms(code):7.2f} ms (goal <= 20)")
    print(f"  same, not highlighted              : {_median_ms(plain_code):7.2f} ms")
    for name, make in HOSTILE.items():
        small = make(25_000 // len(make(1)) + 1)
        large = small * 4
        ratio = _median_ms(large) / _median_ms(small)
        print(f"  {name:26}: 4x the text, {ratio:5.1f}x the time (goal <= 8x)")
