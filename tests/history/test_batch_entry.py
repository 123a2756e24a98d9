"""A finished batch job is one history entry: its template, its row counts, its spend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from tests.batch.helpers import FAST, client_for
from xai_magics.batch import submit
from xai_magics.history import recorder
from xai_magics.history.queries import Filter, calls

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator
    from xai_magics.history.recorder import Recorder


@pytest.fixture
def history(tmp_path: Path) -> Iterator[Recorder]:
    active = recorder.enable(tmp_path / "history")
    yield active
    recorder.disable()


def test_a_batch_job_is_one_entry_with_its_counts(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path, history: Recorder
) -> None:
    frame = pd.DataFrame({"review": ["good", "bad", "please emulator:fail", "fine"]})
    client = client_for(api_env)
    try:
        job = submit(
            frame,
            "Sentiment of: {review}",
            client=client,
            data_dir=str(tmp_path / "jobs"),
            settings=FAST,
        )
        job.wait(timeout=60)
        job.stop_polling(timeout=5)
        billed = float(job.results()["answer_cost_usd"].sum())
    finally:
        client.close()
    assert history.flush()
    [entry] = calls(history.store(), Filter())
    assert entry.kind == "batch"
    assert entry.prompt == "Sentiment of: {review}"
    assert entry.requests == 4
    assert entry.answer == "3 ok, 1 error"
    assert entry.response_id == job.batch_id
    assert billed > 0
    assert entry.cost_usd == pytest.approx(billed)
    assert entry.cell_id is None
