"""Batch results to one outcome per input row, joined by request id, never by arrival order.

Every row ends with exactly one status:

=========  ==============================================================================
ok         the model answered
error      the request failed (the error column says why), or the answer did not fit --schema
cancelled  the batch was cancelled (by you or by xAI) before the request ran
expired    the batch expired before the request ran
skipped    the row was never sent (missing or empty cell, lone surrogate, oversize prompt)
missing    the batch finished but listed no result for the request
pending    only while the batch runs: no result yet (never in a finished batch's output)
=========  ==============================================================================

Results repeat an id, name an unknown id, or leave one out: repeats keep the first result seen,
unknown ids are ignored, and each case is counted in ``warnings`` so it is never silent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Literal, Protocol, cast

from xai_magics.batch.progress import JobSnapshot
from xai_magics.batch.store import ResultRow

RowStatus = Literal["ok", "error", "cancelled", "expired", "skipped", "missing", "pending"]
FINAL_STATUSES: tuple[RowStatus, ...] = (
    "ok",
    "error",
    "cancelled",
    "expired",
    "skipped",
    "missing",
)

# how the client's result kinds read as row statuses
_STATUS_OF_KIND: dict[str, RowStatus] = {
    "failed": "error",
    "cancelled": "cancelled",
    "expired": "expired",
}


class _Result(Protocol):
    """What the client's ``BatchResult`` provides."""

    @property
    def batch_request_id(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def text(self) -> str | None: ...
    @property
    def counts(self) -> tuple[int, int, int | None, int] | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def service_tier(self) -> str | None: ...


@dataclass
class ResultTally:
    """What reading results found besides one result per row.

    ``stopped`` is set when the server counted no failed request but some cancelled ones: any
    result that reads as a failure (an error text in a wording we do not know) was then stopped
    by the batch, and takes this status so the rows agree with the server's counters.
    """

    repeated: int = 0
    unknown: int = 0
    warnings: list[str] = field(default_factory=list)
    stopped: RowStatus | None = None

    @classmethod
    def for_batch(cls, snapshot: JobSnapshot) -> ResultTally:
        """A tally for the results of a batch that ended as ``snapshot`` says."""
        stopped: RowStatus | None = None
        if snapshot.failed == 0 and snapshot.cancelled > 0:
            stopped = "expired" if snapshot.batch_status == "expired" else "cancelled"
        return cls(stopped=stopped)


def counter_notes(counts: Mapping[str, int], snapshot: JobSnapshot) -> list[str]:
    """Where the row statuses disagree with the server's counters (never silently)."""
    ours = {
        "answered": (counts.get("ok", 0), snapshot.succeeded),
        "failed": (counts.get("error", 0), snapshot.failed),
        "cancelled or expired": (
            counts.get("cancelled", 0) + counts.get("expired", 0),
            snapshot.cancelled,
        ),
    }
    return [
        f"{rows:,} rows {what} by their results, xAI counts {server:,}"
        for what, (rows, server) in ours.items()
        if rows != server
    ]


def records_from_results(
    results: Iterable[_Result],
    id_prefix: str,
    known: Mapping[int, object] | set[int],
    tally: ResultTally,
) -> list[ResultRow]:
    """Turn client results into store rows keyed by row position.

    Plain tuples, not ``ResultRecord``s: the garbage collector stops tracking a tuple of plain
    values, which keeps a hundred thousand of them from slowing every later collection.
    """
    records: list[ResultRow] = []
    seen: set[int] = set()
    cut = len(id_prefix)
    for result in results:
        request_id = result.batch_request_id
        try:
            position: int | None = (
                int(request_id[cut:]) if request_id.startswith(id_prefix) else None
            )
        except ValueError:
            position = None
        if position is None or position not in known:
            tally.unknown += 1
            if len(tally.warnings) < 20:
                tally.warnings.append(
                    f"ignored a result for unknown request {result.batch_request_id!r}"
                )
            continue
        if position in seen:
            tally.repeated += 1
            if len(tally.warnings) < 20:
                tally.warnings.append(f"kept the first of several results for {request_id!r}")
            continue
        seen.add(position)
        records.append(_record(position, result, tally.stopped))
    return records


def _record(position: int, result: _Result, stopped: RowStatus | None = None) -> ResultRow:
    counts = result.counts
    tokens_in, tokens_out, cost, reasoning = (None, None, None, None) if counts is None else counts
    if result.ok:
        return (
            position,
            result.batch_request_id,
            "ok",
            result.text,
            None,
            tokens_in,
            tokens_out,
            cost,
            reasoning,
            result.service_tier,
        )
    error = result.error or "the request failed without a message"
    status = _STATUS_OF_KIND.get(result.kind, "error")
    if status == "error" and stopped is not None:
        status = stopped
    return (
        position,
        result.batch_request_id,
        status,
        result.text,
        error,
        tokens_in,
        tokens_out,
        cost,
        reasoning,
        None,
    )


# why a sent row has no result, in its error column (a pending row has no error yet)
UNFINISHED_REASONS: dict[RowStatus, str] = {
    "missing": "the batch finished without a result for this request",
    "cancelled": "the batch was cancelled before this request ran",
    "expired": "the batch expired before this request ran",
}


@dataclass
class RowOutcomes:
    """Column-ready outcomes for every input row, in row order."""

    status: list[RowStatus]
    answer: list[str | None]
    error: list[str | None]
    input_tokens: list[int | None]
    output_tokens: list[int | None]  # reasoning included: it is billed as output
    cost_usd: list[float | None]
    reasoning_tokens: list[int | None]  # among output_tokens; None where unknown
    #: the tier each answer says served it (``default``, ``priority``); None where unknown
    service_tier: list[str | None]

    def head(self, n: int) -> RowOutcomes:
        """The first ``n`` rows' outcomes."""
        return RowOutcomes(*(getattr(self, f.name)[:n] for f in fields(self)))

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for status in self.status:
            tally[status] = tally.get(status, 0) + 1
        return tally


def assemble(
    n_rows: int,
    rows: Iterable[int] | None,
    skipped: Mapping[int, str],
    records: Iterable[ResultRow],
    unfinished: RowStatus,
) -> RowOutcomes:
    """One outcome per row: results where present, skip reasons, else ``unfinished``.

    ``unfinished`` is the status for a sent row without a result: ``pending`` while the batch
    runs, ``missing`` once it is done, ``cancelled``/``expired`` when it ended that way.
    ``rows`` limits the job to some positions (a retry); the other rows are left ``None``.
    """
    status: list[RowStatus | None] = [None] * n_rows
    answer: list[str | None] = [None] * n_rows
    error: list[str | None] = [None] * n_rows
    input_tokens: list[int | None] = [None] * n_rows
    output_tokens: list[int | None] = [None] * n_rows
    cost: list[float | None] = [None] * n_rows
    reasoning: list[int | None] = [None] * n_rows
    tier: list[str | None] = [None] * n_rows
    covered = range(n_rows) if rows is None else rows
    reason = UNFINISHED_REASONS.get(unfinished)
    for position in covered:
        status[position] = unfinished
        error[position] = reason
    for position, reason in skipped.items():
        status[position] = "skipped"
        error[position] = reason
    for record in records:
        position, _, row_status, text, why, tokens_in, tokens_out, ticks, thought, served = record
        status[position] = cast(RowStatus, row_status)
        answer[position] = text
        error[position] = why
        input_tokens[position] = tokens_in
        output_tokens[position] = tokens_out
        if ticks is not None:
            cost[position] = ticks / 1e10
        reasoning[position] = thought
        tier[position] = served
    return RowOutcomes(
        status,  # type: ignore[arg-type]
        answer,
        error,
        input_tokens,
        output_tokens,
        cost,
        reasoning,
        tier,
    )


def overlay(base: RowOutcomes, retry: RowOutcomes) -> RowOutcomes:
    """A retry's outcomes over the original's: rows the retry covered take its outcome."""
    merged = RowOutcomes(*(list(getattr(base, f.name)) for f in fields(base)))
    columns = [(getattr(merged, f.name), getattr(retry, f.name)) for f in fields(merged)]
    for i, status in enumerate(retry.status):
        if status is None:
            continue
        for mine, theirs in columns:
            mine[i] = theirs[i]
    return merged
