"""%grok_batch --list as a table: created, state, rows, counts by status, cost, batch, server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tests.batch.conftest import Jobs
from tests.batch.helpers import FAST
from xai_magics.batch import BatchJob, list_jobs, submit
from xai_magics.batch.listing import job_table
from xai_magics.batch.store import open_store
from xai_magics.render import text_table

REVIEWS = pd.DataFrame({"review": ["good", "bad", None, "fine"]})


def _submit(batch_client: Any, tmp_path: Path, name: str, jobs: Jobs) -> BatchJob:
    job = submit(
        REVIEWS,
        "Sentiment of: {review}",
        name=name,
        client=batch_client,
        data_dir=str(tmp_path),
        settings=FAST,
    )
    assert isinstance(job, BatchJob)
    jobs.append(job)
    return job


def test_each_job_has_its_counts_by_status_cost_and_server(
    emu: Any, batch_client: Any, tmp_path: Path, started_jobs: Jobs
) -> None:
    _submit(batch_client, tmp_path, "finished", started_jobs).wait(timeout=30)
    emu.control.configure(batch_seconds_per_request=3600)
    _submit(batch_client, tmp_path, "running", started_jobs)
    stopped = _submit(batch_client, tmp_path, "stopped", started_jobs)
    stopped.cancel()
    stopped.wait(timeout=30)
    table = job_table(open_store(str(tmp_path)), list_jobs(str(tmp_path)))
    assert table.headers == [
        "job",
        "created",
        "state",
        "rows",
        "ok",
        "cancelled",
        "skipped",
        "pending",
        "cost",
        "batch",
        "server",
    ]
    rows = {row[0]: dict(zip(table.headers, row, strict=True)) for row in table.rows}
    assert list(rows) == ["stopped", "running", "finished"]  # newest first
    finished, running, cancelled = rows["finished"], rows["running"], rows["stopped"]
    assert (finished["state"], finished["rows"], finished["ok"], finished["skipped"]) == (
        "done",
        "4",
        "3",
        "1",
    )
    assert finished["pending"] == finished["cancelled"] == ""
    assert finished["cost"].startswith("$0.")
    assert (running["pending"], running["ok"], running["cost"]) == ("3", "", "")
    assert (cancelled["state"], cancelled["cancelled"]) == ("cancelled", "3")
    assert all(row["batch"].startswith("batch_") for row in rows.values())
    assert {row["server"] for row in rows.values()} == {emu.base_url.rstrip("/")}
    # the text form lines its columns up under the headers
    text = text_table(table.headers, table.rows).splitlines()
    column = text[0].index("server")
    assert all(line[column:].startswith(emu.base_url.rstrip("/")) for line in text[2:])
