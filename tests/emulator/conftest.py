"""Fixtures for the emulator's own tests: raw HTTP over real sockets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from xai_magics.emulator import Emulator

KEY = "xai-emulator-test-key-0123456789"


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    """A plain httpx client on the emulator, with a test key."""
    with httpx.Client(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=20
    ) as client:
        yield client
