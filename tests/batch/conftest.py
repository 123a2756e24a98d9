"""Fixtures for batch tests: a client on the emulator that is closed, with its pollers, after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.batch.helpers import client_for
from xai_magics.batch import BatchJob


class Jobs(list[BatchJob]):
    """Jobs a test started; their pollers are stopped before the client closes."""


@pytest.fixture
def batch_client(api_env: dict[str, str]) -> Iterator[Any]:
    client = client_for(api_env)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def started_jobs(batch_client: Any) -> Iterator[Jobs]:
    jobs = Jobs()
    yield jobs
    for job in jobs:
        job.stop_polling(timeout=5)
