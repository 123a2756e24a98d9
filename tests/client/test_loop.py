"""The private background loop: one thread, reused, never nested."""

from __future__ import annotations

import asyncio
import threading

import pytest

from xai_magics.client import _loop


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_run_and_submit_share_one_daemon_thread() -> None:
    first = _loop.run(_where())
    second = _loop.submit(_where()).result(timeout=5)
    assert first == second == "xai-magics-loop"
    (thread,) = [t for t in threading.enumerate() if t.name == "xai-magics-loop"]
    assert thread.daemon


def test_concurrent_coroutines_overlap() -> None:
    running = [0, 0]  # now, most at once

    async def nap() -> None:
        running[0] += 1
        running[1] = max(running)
        await asyncio.sleep(0.05)
        running[0] -= 1

    async def ten() -> None:
        await asyncio.gather(*(nap() for _ in range(10)))

    _loop.run(ten())
    assert running == [0, 10]


def test_run_from_inside_the_loop_is_refused() -> None:
    async def nested() -> None:
        _loop.run(_where())

    with pytest.raises(RuntimeError, match="background loop"):
        _loop.run(nested())


def test_works_while_the_calling_thread_runs_its_own_loop() -> None:
    async def kernel_cell() -> str:
        return _loop.run(_where())

    assert asyncio.run(kernel_cell()) == "xai-magics-loop"
