"""Fixtures for the magic tests: one kernel per module, pointed at the session's emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.kernels import Kernel

from .kernel_harness import CANARY_KEY

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


@pytest.fixture(scope="module")
def kernel_env(emulator: Emulator) -> dict[str, str]:
    return {
        "XAI_API_KEY": CANARY_KEY,
        "XAI_BASE_URL": emulator.base_url,
    }


@pytest.fixture(scope="module")
def kernel(kernel_env: dict[str, str]) -> Iterator[Kernel]:
    """One kernel per test module with the extension loaded (tests share its namespace)."""
    k = Kernel(kernel_env)
    try:
        k.ok("%load_ext xai_magics")
        # No front end answers here: pin the widget path, which these tests exercise.
        k.ok('%config GrokMagics.display = "widget"')
        # Every answer gets its live view, however fast the emulator ends it.
        k.ok("%config GrokMagics.live_view_after = 0")
        yield k
    finally:
        k.shutdown()


@pytest.fixture
def grok_kernel(kernel: Kernel, emu: Emulator) -> Kernel:
    """The module's kernel with a freshly reset emulator and usage ledger."""
    kernel.ok("%grok_usage --clear")
    return kernel
