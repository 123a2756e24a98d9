"""``python -m benchmarks`` (``make bench``): run each ``benchmarks/bench_*.py`` ``main()``."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the named benchmarks (``stream`` for ``bench_stream``), or all of them."""
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    wanted = [n for n in names if not argv or n.removeprefix("bench_") in argv or n in argv]
    # Kernels started here record their calls: into a folder of their own, not the user's history.
    os.environ["XAI_MAGICS_DATA_DIR"] = tempfile.mkdtemp(prefix="xai-magics-bench-data-")
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
