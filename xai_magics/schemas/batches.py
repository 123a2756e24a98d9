"""Wire models of xAI's native batch API (``/v1/batches``).

A batch has no ``status`` field: guides that show one describe OpenAI's API, not xAI's. The
state is derived from the counters and the cancel and expiry fields, the way the reference page
and the clients written against the live service agree. Dates travel as bare ``YYYY-MM-DD``;
counters equal to zero may be left out (proto3 JSON), so every counter defaults to 0.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from xai_magics.schemas.common import WireModel

__all__ = [
    "Batch",
    "BatchPage",
    "BatchState",
    "BatchStatus",
    "CostBreakdown",
    "RequestMetadata",
    "RequestMetadataPage",
    "ResultsPageWire",
    "parse_wire_date",
]

BatchStatus = Literal["empty", "running", "done", "cancelled", "cancelled_by_xai", "expired"]

TICKS_PER_USD = 10_000_000_000


def parse_wire_date(value: object) -> object:
    """Read a batch date: ``YYYY-MM-DD`` over REST, tolerating a full timestamp or unix seconds.

    The REST gateway sends bare dates today; accepting the longer forms keeps a format change on
    the server from turning every batch read into a validation error.
    """
    if isinstance(value, str):
        if not value:
            return None
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc).date()
    return value


WireDate = Annotated[dt.date | None, BeforeValidator(parse_wire_date)]


class BatchState(WireModel):
    """Request counters of a batch."""

    num_requests: int = 0
    num_pending: int = 0
    num_success: int = 0
    num_error: int = 0
    num_cancelled: int = 0

    @field_validator("*", mode="before")
    @classmethod
    def _null_is_zero(cls, value: object) -> object:
        return 0 if value is None else value

    @property
    def num_finished(self) -> int:
        """Requests that will not change any more (succeeded, failed or cancelled)."""
        return self.num_success + self.num_error + self.num_cancelled


class EndpointCost(WireModel):
    endpoint: str = ""
    cost_usd_ticks: int = 0
    request_count: int = 0


class CostBreakdown(WireModel):
    total_cost_usd_ticks: int = 0
    endpoint_costs: list[EndpointCost] = Field(default_factory=list)


class Batch(WireModel):
    """One batch as the server reports it, with its status derived."""

    batch_id: str
    name: str = ""
    create_time: WireDate = None
    expire_time: WireDate = None
    cancel_time: WireDate = None
    cancel_by_xai_message: str | None = None
    create_api_key_id: str | None = None
    input_file_id: str | None = None
    state: BatchState = Field(default_factory=BatchState)
    cost_breakdown: CostBreakdown | None = None

    @field_validator("state", mode="before")
    @classmethod
    def _missing_state(cls, value: object) -> object:
        return {} if value is None else value

    @property
    def id(self) -> str:
        return self.batch_id

    @property
    def status(self) -> BatchStatus:
        """The derived status, judged against today's date in UTC."""
        return self.status_on(dt.datetime.now(dt.timezone.utc).date())

    def status_on(self, today: dt.date) -> BatchStatus:
        """The derived status on a given day (expiry is only known to the day).

        Order matters: a cancelled batch keeps its counters, and an expired one may report its
        leftovers either as pending or as cancelled without a ``cancel_time``.
        """
        state = self.state
        if self.cancel_by_xai_message:
            return "cancelled_by_xai"
        if self.cancel_time is not None:
            return "cancelled"
        if state.num_requests == 0:
            return "empty"
        expired = self.expire_time is not None and today > self.expire_time
        if expired and (state.num_pending > 0 or state.num_cancelled > 0):
            return "expired"
        if state.num_pending > 0:
            return "running"
        return "done"

    @property
    def cost_usd(self) -> float | None:
        """What the batch has cost so far, when the server reports it."""
        if self.cost_breakdown is None:
            return None
        return self.cost_breakdown.total_cost_usd_ticks / TICKS_PER_USD


class BatchPage(WireModel):
    batches: list[Batch] = Field(default_factory=list)
    pagination_token: str | None = None


class RequestMetadata(WireModel):
    """Where one request of a batch stands; ``endpoint`` is a gRPC method name, not a URL."""

    batch_request_id: str
    endpoint: str | None = None
    model: str | None = None
    state: str = "unknown"
    create_time: WireDate = None
    finish_time: WireDate = None

    @field_validator("state", mode="before")
    @classmethod
    def _lowercase_state(cls, value: object) -> object:
        # gRPC spells the enum STATE_SUCCEEDED; the REST gateway sends "succeeded".
        if isinstance(value, str):
            return value.lower().removeprefix("state_")
        return "unknown" if value is None else value


class RequestMetadataPage(WireModel):
    batch_request_metadata: list[RequestMetadata] = Field(default_factory=list)
    pagination_token: str | None = None


class ResultsPageWire(WireModel):
    """A results page before normalisation: result items come in several shapes (see client)."""

    results: list[dict[str, Any]] = Field(default_factory=list)
    pagination_token: str | None = None
