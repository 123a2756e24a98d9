"""A process that submits the same batch job as its siblings, on a signal, for concurrency tests.

Run as ``python submit_worker.py DATA_ROOT TRIALS ROWS`` with ``XAI_API_KEY``/``XAI_BASE_URL``
set. For each trial it prints ``ready``, waits for a ``go JITTER_S`` line on stdin (the test
writes it to every worker at once), sleeps the jitter, calls ``xai_magics.batch.submit`` on the
trial's frame and store, and prints one JSON line: the batch id, or the error it raised.
"""

from __future__ import annotations

import json
import sys
import time
import traceback

import pyarrow as pa

from xai_magics.batch import BatchJob, JobSettings, submit
from xai_magics.client import XAIClient


def frame(trial: int, rows: int) -> pa.Table:
    return pa.table({"review": [f"trial {trial} review {i}" for i in range(rows)]})


def main() -> None:
    data_root, trials, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = XAIClient()
    settings = JobSettings(chunk_rows=10, poll_first_s=60, poll_max_s=60)
    for trial in range(trials):
        print("ready", flush=True)
        jitter = float(sys.stdin.readline().split()[1])
        time.sleep(jitter)
        try:
            job = submit(
                frame(trial, rows),
                "Sentiment of: {review}",
                name=f"shared-{trial}",
                client=client,
                data_dir=f"{data_root}/t{trial}",
                settings=settings,
            )
            assert isinstance(job, BatchJob)
            job.stop_polling(timeout=5)
            outcome = {"batch_id": job.batch_id, "state": job.record.state}
        except BaseException as exc:  # the test shows what went wrong, whatever it was
            outcome = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        print(json.dumps(outcome), flush=True)
    client.close()


if __name__ == "__main__":
    main()
