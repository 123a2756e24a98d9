"""DataFrame -> xAI Batch API job -> columns: templates over columns, a durable job store,
exactly-once sending, background polling, results joined back by row.

    from xai_magics.batch import submit
    job = submit(reviews, prompt="Classify the sentiment of: {review}")
    job.wait()
    labelled = job.results()
"""

from __future__ import annotations

from xai_magics.batch.api import DryRun, JobChangedError, attach, list_jobs, submit
from xai_magics.batch.job import BatchJob, JobSettings
from xai_magics.batch.plan import EmptyBatchError
from xai_magics.batch.progress import JobSnapshot
from xai_magics.batch.store import StoreError
from xai_magics.batch.template import MissingColumnError, TemplateError

__all__ = [
    "BatchJob",
    "DryRun",
    "EmptyBatchError",
    "JobChangedError",
    "JobSettings",
    "JobSnapshot",
    "MissingColumnError",
    "StoreError",
    "TemplateError",
    "attach",
    "list_jobs",
    "submit",
]
