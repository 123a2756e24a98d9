"""What ``%load_ext xai_magics`` adds inside a real kernel (budget: 150 ms).

Inside a kernel IPython, traitlets, zmq and tornado are already imported, so the figure that
matters is the increment measured there, not a bare ``python -c``. Each round starts fresh
kernels and times, in each, one statement: the extension load, and as a baseline the import of
the libraries the extension cannot avoid (ipywidgets, httpx, pydantic).
"""

from __future__ import annotations

import statistics

from jupyter_client.manager import start_new_kernel

ROUNDS = 5
BUDGET_MS = 150.0
CASES = {
    "%load_ext xai_magics": "get_ipython().run_line_magic('load_ext', 'xai_magics')",
    "import ipywidgets, httpx, pydantic (baseline)": "import ipywidgets, httpx, pydantic",
}


def time_in_fresh_kernel(statement: str) -> float:
    """Milliseconds one statement takes in a new kernel, timed by the kernel itself."""
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        code = (
            "import time as _t\n"
            "_s = _t.perf_counter()\n"
            f"{statement}\n"
            "print(round((_t.perf_counter() - _s) * 1e3, 2))"
        )
        reply_text: list[str] = []
        msg_id = kc.execute(code)
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                reply_text.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        return float("".join(reply_text).strip())
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main() -> None:
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(ROUNDS):
        for name, statement in CASES.items():
            samples[name].append(time_in_fresh_kernel(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["import ipywidgets, httpx, pydantic (baseline)"]
    print(f"median of {ROUNDS} fresh kernels each; budget for %load_ext: {BUDGET_MS:.0f} ms")
    print(f"{'statement':<48}{'ms':>8}{'× baseline':>12}")
    for name, value in medians.items():
        print(f"{name:<48}{value:8.1f}{value / baseline:12.2f}")
    verdict = "within" if medians["%load_ext xai_magics"] <= BUDGET_MS else "OVER"
    print(f"%load_ext is {verdict} the {BUDGET_MS:.0f} ms budget")


if __name__ == "__main__":
    main()
