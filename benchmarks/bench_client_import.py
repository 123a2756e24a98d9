"""Import cost of the client, against the libraries it cannot avoid (httpx, pydantic).

Each figure is the median wall time of a fresh ``python -c`` over rounds run in turn, minus
``python -c pass`` measured in the same rounds. ``import xai_magics.client`` should cost next
to nothing (errors only); ``XAIClient`` should cost about what httpx + pydantic cost.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

ROUNDS = 7
CASES = {
    "python -c pass (subtracted)": "pass",
    "import xai_magics.client": "import xai_magics.client",
    "from xai_magics.client import XAIClient": "from xai_magics.client import XAIClient",
    "import httpx, pydantic (baseline)": "import httpx, pydantic",
    "import openai (for scale)": "import openai",
}


def timed(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 - fixed code
    return time.perf_counter() - started


def main() -> None:
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(ROUNDS):
        for name, code in CASES.items():
            samples[name].append(timed(code))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians.pop("python -c pass (subtracted)")
    baseline = medians["import httpx, pydantic (baseline)"] - floor
    print(f"median of {ROUNDS} fresh interpreters, minus `python -c pass` ({floor * 1e3:.0f} ms)")
    print(f"{'import':<44}{'ms':>8}{'× httpx+pydantic':>18}")
    for name, value in medians.items():
        cost = value - floor
        print(f"{name:<44}{cost * 1e3:8.0f}{cost / baseline:18.2f}")


if __name__ == "__main__":
    main()
