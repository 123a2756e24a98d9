"""A finished batch's spend, into the session ledger behind ``%grok_usage`` and the status bar.

Recorded once, when the job's results are stored; polls only report progress. One batch is one
receipt standing for all its results (``requests``), named ``MODEL (batch)`` so that
``%grok_usage`` lists batch spend apart from the same model's direct calls (billed at a
different rate).
"""

from __future__ import annotations

from collections import Counter

from xai_magics.batch.estimate import TICKS_PER_USD
from xai_magics.batch.store import JobRecord, JobStore
from xai_magics.history.hooks import note_receipt
from xai_magics.usage import Ledger, Receipt, session_ledger

BATCH_MARK = "batch"


def batch_receipt(store: JobStore, record: JobRecord, elapsed_s: float | None) -> Receipt | None:
    """The receipt of ``record``'s stored results; None when nothing came back."""
    totals = store.result_totals(record.job_id)
    if totals.results == 0:
        return None
    model = str(record.spec.get("model") or "unknown model")
    ended = record.batch_status or "done"
    return Receipt(
        model_requested=model,
        model=f"{model} ({BATCH_MARK})",
        endpoint=BATCH_MARK,
        tier_requested=BATCH_MARK,
        tier=BATCH_MARK,
        input_tokens=totals.input_tokens,
        output_tokens=totals.output_tokens,
        cost_usd=totals.cost_ticks / TICKS_PER_USD if totals.costed else None,
        elapsed_s=elapsed_s,
        status="completed" if ended == "done" else ended,
        response_id=record.batch_id,
        requests=totals.results,
    )


def record_batch_spend(
    store: JobStore, record: JobRecord, elapsed_s: float | None, ledger: Ledger | None = None
) -> Receipt | None:
    """Add the batch's receipt to ``ledger`` (the session's by default)."""
    receipt = batch_receipt(store, record, elapsed_s)
    if receipt is not None:
        (ledger if ledger is not None else session_ledger()).record(receipt)
        counts = Counter(r.status for r in store.results(record.job_id))
        answer = ", ".join(f"{n:,} {status}" for status, n in counts.most_common())
        # One entry for the job; it may end in a later cell (or kernel), so no cell id.
        note_receipt(
            receipt,
            kind=BATCH_MARK,
            prompt=record.fingerprint.template,
            answer=answer,
            with_cell=False,
        )
    return receipt
