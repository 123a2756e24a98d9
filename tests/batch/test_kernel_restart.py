"""A kernel killed mid-submit or mid-processing: the same cell in a new kernel re-attaches to the
same batch, and the emulator's log shows every request added exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import committed_adds, creates
from tests.batch.kernel import Kernel

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
%config BatchMagics.chunk_rows = 10
import pandas as pd
reviews = pd.DataFrame({"review": [f"review number {i}" for i in range(100)]})
"""
CELL = '%grok_batch reviews --prompt "Sentiment of: {review}"'


@pytest.fixture
def kernel_env(api_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**api_env, "XAI_MAGICS_DATA_DIR": str(tmp_path)}


@pytest.fixture
def kernels(kernel_env: dict[str, str]) -> Iterator[list[Kernel]]:
    started: list[Kernel] = []
    yield started
    for kernel in started:
        kernel.kill()


def _adds(emu: Any) -> int:
    return sum(
        1 for e in emu.control.log() if e["method"] == "POST" and e["path"].endswith("/requests")
    )


def _wait_for(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _new_kernel(kernels: list[Kernel], env: dict[str, str]) -> Kernel:
    """A kernel with the frame defined, killed at the end of the test."""
    kernel = Kernel(env)
    kernels.append(kernel)
    kernel.run(SETUP)
    return kernel


def _kill(kernels: list[Kernel], kernel: Kernel) -> None:
    kernel.kill()
    kernels.remove(kernel)


def _finish(kernel: Kernel) -> str:
    """Run the cell to the end; the statuses it produced and the row count."""
    kernel.run(CELL + " --wait")
    out = kernel.run("print(sorted(set(_['answer_status'])), len(_))")
    return str(out["stdout"]).strip()


def _assert_one_batch_with_every_row_added_once(emu: Any) -> None:
    counts = committed_adds(emu)
    assert len(counts) == 100
    assert set(counts.values()) == {1}
    assert creates(emu) == 1


def test_kernel_killed_mid_submit_resumes_the_same_batch_without_duplicates(
    emu: Any, kernel_env: dict[str, str], kernels: list[Kernel]
) -> None:
    # Each add answers after 0.4 s, so the kill lands while chunks are still being sent.
    emu.control.inject("stall", "/v1/batches/*", times=10, seconds=0.4)
    first = _new_kernel(kernels, kernel_env)
    first.start(CELL)
    _wait_for(lambda: _adds(emu) >= 4)
    _kill(kernels, first)
    emu.control.clear_faults()
    assert _adds(emu) < 10

    assert _finish(_new_kernel(kernels, kernel_env)) == "['ok'] 100"
    _assert_one_batch_with_every_row_added_once(emu)


def test_kernel_killed_while_xai_processes_reattaches_and_adds_nothing(
    emu: Any, kernel_env: dict[str, str], kernels: list[Kernel]
) -> None:
    emu.control.configure(batch_seconds_per_request=4)
    first = _new_kernel(kernels, kernel_env)
    first.run(CELL)
    adds_before = _adds(emu)
    assert adds_before == 10
    _kill(kernels, first)

    assert _finish(_new_kernel(kernels, kernel_env)) == "['ok'] 100"
    assert _adds(emu) == adds_before
    _assert_one_batch_with_every_row_added_once(emu)


def test_interrupting_the_submit_says_how_to_resume_and_resuming_adds_nothing_twice(
    emu: Any, kernel_env: dict[str, str], kernels: list[Kernel]
) -> None:
    emu.control.inject("stall", "/v1/batches/*", times=10, seconds=0.4)
    kernel = _new_kernel(kernels, kernel_env)
    msg_id = kernel.start(CELL)
    _wait_for(lambda: _adds(emu) >= 3)
    kernel.km.interrupt_kernel()
    said = kernel.finish(msg_id)
    assert "Run the cell again to resume" in said
    emu.control.clear_faults()
    assert _finish(kernel) == "['ok'] 100"
    _assert_one_batch_with_every_row_added_once(emu)


TWO_KERNEL_TRIALS = 3


def test_two_kernels_running_the_same_cell_at_once_share_one_batch(
    emu: Any, kernel_env: dict[str, str], kernels: list[Kernel]
) -> None:
    """Both cells end attached to one batch holding each of the 300 rows once, in every trial
    (the second trial slows the create down, widening the window both could create in)."""
    pair = [_new_kernel(kernels, kernel_env) for _ in range(2)]
    frames = "\n".join(
        f'reviews_{t} = pd.DataFrame({{"review": [f"trial {t} review {{i}}" for i in range(300)]}})'
        for t in range(TWO_KERNEL_TRIALS)
    )
    for kernel in pair:
        kernel.run(frames)
    for trial in range(TWO_KERNEL_TRIALS):
        if trial == 1:
            emu.control.inject("stall", "/v1/batches", times=2, seconds=0.3)
        cell = f'job = %grok_batch reviews_{trial} --prompt "Sentiment of: {{review}}"'
        started = [kernel.start(cell) for kernel in pair]
        for kernel, msg_id in zip(pair, started, strict=True):
            kernel.finish(msg_id)
        ids = [kernel.run("print(job.batch_id)")["stdout"].strip() for kernel in pair]
        assert ids[0] == ids[1]
        assert ids[0].startswith("batch_")
        names = [
            e["body"]["name"]
            for e in emu.control.log()
            if e["method"] == "POST" and e["path"] == "/v1/batches"
        ]
        assert sum(name.startswith(f"reviews_{trial} ") for name in names) == 1
    counts = committed_adds(emu)
    assert len(counts) == 300 * TWO_KERNEL_TRIALS
    assert set(counts.values()) == {1}
