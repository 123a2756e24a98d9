"""xAI's native batch API: create a batch, add requests, follow progress, page through results.

Adding requests is the one call that is never retried here: a request that timed out may still
have landed, and re-sending it would double-count. The caller checks ``list_requests`` first and
decides (the batch runner does exactly that).

Result items arrive in three error shapes (a string, ``{"code", "message"}``, or a top-level
``error_message``); ``normalise_result`` folds all of them, and every success, into one
``BatchResult``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from xai_magics.client.completion import (
    Completion,
    completion_from_chat,
    completion_from_responses,
)
from xai_magics.client.errors import XAIError
from xai_magics.client.redact import redact
from xai_magics.schemas.batches import (
    Batch,
    BatchPage,
    RequestMetadata,
    RequestMetadataPage,
    ResultsPageWire,
)

if TYPE_CHECKING:
    from xai_magics.client._transport import Transport

__all__ = [
    "MAX_PAGE_SIZE",
    "BatchResult",
    "BatchesAPI",
    "PaginationLoopError",
    "ResultsPage",
    "iter_paged",
    "normalise_result",
]

MAX_PAGE_SIZE = 1000
# google.rpc.Code 1 = CANCELLED: how a request cancelled with its batch reports itself.
_CANCELLED_CODES = {1, "1", "CANCELLED", "cancelled"}

T = TypeVar("T")


class PaginationLoopError(XAIError):
    """The server handed back a page token it had already given: following it would never end."""


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one batch request: a completion, or an error text and code."""

    batch_request_id: str
    ok: bool
    completion: Completion | None = None
    error: str | None = None
    error_code: int | str | None = None

    @property
    def cancelled(self) -> bool:
        """True for a request that was cancelled (with its batch) rather than failed."""
        return not self.ok and self.error_code in _CANCELLED_CODES


@dataclass(frozen=True)
class ResultsPage:
    results: list[BatchResult]
    pagination_token: str | None


def iter_paged(fetch: Callable[[str | None], tuple[Sequence[T], str | None]]) -> Iterator[T]:
    """Every item of a token-paged listing; ``fetch(token)`` returns (items, next token).

    Stops at a null or empty token, or at an empty page (results list only finished requests,
    so an empty page means nothing more for now). A token seen twice raises instead of looping.
    """
    token: str | None = None
    seen: set[str] = set()
    while True:
        items, next_token = fetch(token)
        yield from items
        if not next_token or not items:
            return
        if next_token in seen:
            raise PaginationLoopError(
                f"the server returned the page token {next_token!r} twice; stopped listing "
                "so it does not loop forever. Run it again; report it if it persists"
            )
        seen.add(next_token)
        token = next_token


def normalise_result(item: Mapping[str, Any]) -> BatchResult:
    """Fold one wire result item, whatever its shape, into a ``BatchResult``."""
    request_id = str(item.get("batch_request_id") or "")
    outcome = item.get("batch_result")
    if not isinstance(outcome, Mapping):
        outcome = {}
    response = outcome.get("response")
    if isinstance(response, Mapping) and response:
        return BatchResult(request_id, ok=True, completion=_completion_of(response))
    for holder in (outcome, item):
        for key in ("error", "error_message"):
            value = holder.get(key)
            if value in (None, "", {}):
                continue
            text, code = _error_of(value)
            if code is None:
                code = _code_of(holder.get("error_code"))
            return BatchResult(request_id, ok=False, error=text, error_code=code)
    return BatchResult(
        request_id, ok=False, error="the result holds neither a response nor an error"
    )


def _error_of(value: object) -> tuple[str, int | str | None]:
    if isinstance(value, Mapping):
        message = value.get("message") or value.get("error")
        text = str(message) if message else json.dumps(value, default=str)
        return redact(text), _code_of(value.get("code"))
    return redact(str(value)), None


def _code_of(value: object) -> int | str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return str(value)


def _completion_of(response: Mapping[str, Any]) -> Completion | None:
    """The completion inside a success payload, wrapped in its endpoint key.

    Text results come back as chat completions even for requests sent in the Responses shape;
    a Responses-shaped body is folded too, in case that changes. Image and video results carry
    no text: they succeed with ``completion=None``.
    """
    body: object = response
    if "choices" not in response and "output" not in response:
        body = next((v for v in response.values() if isinstance(v, Mapping)), None)
    if not isinstance(body, Mapping):
        return None
    if "choices" in body:
        return completion_from_chat(body)
    if "output" in body:
        return completion_from_responses(body)
    return None


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")


def _page_params(limit: int, pagination_token: str | None) -> dict[str, str | int]:
    _check_limit(limit)
    params: dict[str, str | int] = {"limit": limit}
    if pagination_token:
        params["pagination_token"] = pagination_token
    return params


def _batch_path(batch_id: str, suffix: str = "") -> str:
    # Ids come back from the server, but a pasted one must not be able to reach another route.
    return f"/batches/{quote(batch_id, safe='')}{suffix}"


class BatchesAPI:
    """``/v1/batches``: see the module docstring for what is and is not retried."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, name: str, *, input_file_id: str | None = None) -> Batch:
        """A new, empty batch (or, with ``input_file_id``, one filled from an uploaded JSONL)."""
        body: dict[str, str] = {"name": name}
        if input_file_id is not None:
            body["input_file_id"] = input_file_id
        return Batch.model_validate_json(
            self._transport.request("POST", "/batches", json=body).content
        )

    def get(self, batch_id: str) -> Batch:
        return Batch.model_validate_json(
            self._transport.request("GET", _batch_path(batch_id)).content
        )

    def list(self, limit: int = 100, pagination_token: str | None = None) -> BatchPage:
        response = self._transport.request(
            "GET", "/batches", params=_page_params(limit, pagination_token)
        )
        return BatchPage.model_validate_json(response.content)

    def iter_batches(self, limit: int = 100) -> Iterator[Batch]:
        """Every batch of the team, page after page."""

        def fetch(token: str | None) -> tuple[list[Batch], str | None]:
            page = self.list(limit, token)
            return page.batches, page.pagination_token

        return iter_paged(fetch)

    def add_requests(self, batch_id: str, requests: Sequence[Mapping[str, Any]] | bytes) -> None:
        """Add requests: dicts ``{"batch_request_id", "batch_request": {...}}``, or the whole
        ``{"batch_requests": [...]}`` body already serialised (the fast path for big frames).

        Never retried: after a failure, check ``list_requests`` before sending again.
        """
        path = _batch_path(batch_id, "/requests")
        if not requests:
            return
        if isinstance(requests, (bytes, bytearray, memoryview)):
            self._transport.request(
                "POST",
                path,
                content=bytes(requests),
                headers={"Content-Type": "application/json"},
                max_retries=0,
            )
            return
        self._transport.request(
            "POST", path, json={"batch_requests": list(requests)}, max_retries=0
        )

    def list_requests(
        self, batch_id: str, limit: int = 100, pagination_token: str | None = None
    ) -> RequestMetadataPage:
        response = self._transport.request(
            "GET", _batch_path(batch_id, "/requests"), params=_page_params(limit, pagination_token)
        )
        return RequestMetadataPage.model_validate_json(response.content)

    def iter_requests(self, batch_id: str, limit: int = MAX_PAGE_SIZE) -> Iterator[RequestMetadata]:
        """Metadata of every request in the batch: what landed, and where each one stands."""

        def fetch(token: str | None) -> tuple[list[RequestMetadata], str | None]:
            page = self.list_requests(batch_id, limit, token)
            return page.batch_request_metadata, page.pagination_token

        return iter_paged(fetch)

    def results(
        self, batch_id: str, limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> ResultsPage:
        """One page of results. Only finished requests are listed, in no particular order."""
        response = self._transport.request(
            "GET", _batch_path(batch_id, "/results"), params=_page_params(limit, pagination_token)
        )
        wire = ResultsPageWire.model_validate_json(response.content)
        return ResultsPage([normalise_result(item) for item in wire.results], wire.pagination_token)

    def iter_results(self, batch_id: str, limit: int = MAX_PAGE_SIZE) -> Iterator[BatchResult]:
        """Every result listed so far, following page tokens until the last page."""

        def fetch(token: str | None) -> tuple[list[BatchResult], str | None]:
            page = self.results(batch_id, limit, token)
            return page.results, page.pagination_token

        return iter_paged(fetch)

    def cancel(self, batch_id: str) -> Batch:
        """Cancel pending requests; finished ones keep their results. Note the colon verb."""
        response = self._transport.request("POST", _batch_path(batch_id, ":cancel"))
        return Batch.model_validate_json(response.content)
