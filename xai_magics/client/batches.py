"""xAI's native batch API: create a batch, add requests, follow progress, page through results.

Adding requests is the one call that is never retried here: a request that timed out may still
have landed, and re-sending it would double-count. The caller checks ``list_requests`` first and
decides (the batch runner does exactly that).

Result items arrive in three error shapes (a string, ``{"code", "message"}``, or a top-level
``error_message``); ``normalise_result`` folds all of them, and every success, into one
``BatchResult``. Whatever the shape, ``BatchResult.kind`` says how the request ended, as the
batch's counters count it: a request its batch's cancel or expiry stopped is ``cancelled`` or
``expired`` (both in ``num_cancelled``), not ``failed`` (``num_error``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

from xai_magics.client._json import loads
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
)

if TYPE_CHECKING:
    from xai_magics.client._transport import Transport

__all__ = [
    "MAX_PAGE_SIZE",
    "BatchResult",
    "BatchesAPI",
    "PaginationLoopError",
    "ResultKind",
    "ResultsPage",
    "error_kind",
    "iter_paged",
    "normalise_result",
    "parse_results_page",
]

MAX_PAGE_SIZE = 1000
# google.rpc.Code 1 = CANCELLED: how a request cancelled with its batch reports itself.
_CANCELLED_CODES = {1, "1", "CANCELLED", "cancelled", "Cancelled"}
# Without a code (a plain string, a top-level error_message) the text is the only sign; xAI
# reports a request its batch's expiry stopped as cancelled too, and only the text says expired.
_EXPIRED_TEXT = re.compile(r"\bexpired?\b", re.IGNORECASE)
_CANCELLED_TEXT = re.compile(r"\bcancel(?:l?ed|lation)?\b", re.IGNORECASE)

ResultKind = Literal["succeeded", "failed", "cancelled", "expired"]

T = TypeVar("T")


class PaginationLoopError(XAIError):
    """The server handed back a page token it had already given: following it would never end."""


class BatchResult:
    """The outcome of one batch request: a completion, or an error text and code.

    A results page holds up to a thousand of these and a big batch a hundred pages, so the
    ``Completion`` of a success is folded only when asked for; ``text`` and ``counts``, all a
    table of answers needs, are read from the page as it is decoded.
    """

    __slots__ = (
        "_completion",
        "_counts",
        "_source",
        "_text",
        "batch_request_id",
        "error",
        "error_code",
        "ok",
    )

    def __init__(
        self,
        batch_request_id: str,
        ok: bool,
        completion: Completion | None = None,
        error: str | None = None,
        error_code: int | str | None = None,
    ) -> None:
        self.batch_request_id = batch_request_id
        self.ok = ok
        self.error = error
        self.error_code = error_code
        self._completion = completion
        self._source: Any = None
        self._text, self._counts = _text_and_counts(completion)

    @classmethod
    def folded_later(
        cls,
        batch_request_id: str,
        source: Any,
        text: str,
        counts: Counts | None,
    ) -> BatchResult:
        """A success whose completion is folded from ``source`` (a decoded chat body, or a
        typed one with ``as_dict()``) on first use; ``text`` and ``counts`` are read already."""
        # a page builds a thousand of these: set the slots directly rather than through __init__
        result = cls.__new__(cls)
        result.batch_request_id = batch_request_id
        result.ok = True
        result.error = result.error_code = result._completion = None
        result._source = source
        result._text = text
        result._counts = counts
        return result

    @property
    def completion(self) -> Completion | None:
        source = self._source
        if source is not None:
            body = source if isinstance(source, Mapping) else source.as_dict()
            self._completion = _completion_of(body)
            self._source = None
        return self._completion

    @property
    def text(self) -> str | None:
        """The answer text; None when there is no completion (an error, an image)."""
        return self._text

    @property
    def counts(self) -> Counts | None:
        """(input tokens, output tokens with reasoning, cost in ticks, reasoning tokens); None
        without usage."""
        return self._counts

    @property
    def service_tier(self) -> str | None:
        """The tier the answer says served it (``service_tier``), read without folding it.

        Recorded batch results (2026) say ``"default"``, although a batch is billed at the batch
        rate: the field tells priority from not-priority, not the batch discount.
        """
        source = self._source
        if source is None:
            completion = self._completion
            return None if completion is None else completion.service_tier
        tier = source.get("service_tier") if isinstance(source, Mapping) else source.service_tier
        return tier if type(tier) is str else None

    @property
    def kind(self) -> ResultKind:
        """How the request ended, by every sign the result carries (see ``error_kind``)."""
        return "succeeded" if self.ok else error_kind(self.error, self.error_code)

    @property
    def cancelled(self) -> bool:
        """True for a request its batch's cancel or expiry stopped, rather than one that failed."""
        return self.kind in ("cancelled", "expired")

    def _key(self) -> tuple[object, ...]:
        return (self.batch_request_id, self.ok, self.completion, self.error, self.error_code)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BatchResult):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"BatchResult(batch_request_id={self.batch_request_id!r}, ok={self.ok!r}, "
            f"completion={self.completion!r}, error={self.error!r}, "
            f"error_code={self.error_code!r})"
        )


#: input tokens, output tokens with reasoning (billed as output), cost in ticks, and the
#: reasoning tokens among the output
Counts = tuple[int, int, "int | None", int]


def _text_and_counts(completion: Completion | None) -> tuple[str | None, Counts | None]:
    if completion is None:
        return None, None
    usage = completion.usage
    if usage is None:
        return completion.text, None
    return completion.text, (
        usage.input_tokens,
        usage.output_tokens + usage.reasoning_tokens,
        usage.cost_usd_ticks,
        usage.reasoning_tokens,
    )


def error_kind(text: str | None, code: int | str | None) -> ResultKind:
    """``cancelled``, ``expired`` or ``failed`` for an error result, whatever its shape.

    A code other than CANCELLED means the request failed, whatever its text says; CANCELLED, or
    no code and a text saying cancelled or expired, means the batch stopped it. The text tells
    expiry from a cancel either way.
    """
    if code is not None and code not in _CANCELLED_CODES:
        return "failed"
    words = text or ""
    if _EXPIRED_TEXT.search(words):
        return "expired"
    if code is not None or _CANCELLED_TEXT.search(words):
        return "cancelled"
    return "failed"


def _int(value: object) -> int:
    return value if type(value) is int else 0


def _chat_text(body: Mapping[str, Any]) -> str:
    """The first choice's answer, as ``completion_from_chat`` reads it."""
    choices = body.get("choices")
    first = choices[0] if type(choices) is list and choices else None
    message = first.get("message") if type(first) is dict else None
    content = message.get("content") if type(message) is dict else None
    return content if type(content) is str else ""


def _chat_counts(body: Mapping[str, Any]) -> Counts | None:
    """Token counts and cost of a chat body, as ``Usage.from_chat`` reads them."""
    usage = body.get("usage")
    if not isinstance(usage, Mapping):
        return None
    details = usage.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else 0
    cost = usage.get("cost_in_usd_ticks")
    return (
        _int(usage.get("prompt_tokens")),
        _int(usage.get("completion_tokens")) + _int(reasoning),
        cost if type(cost) is int else None,
        _int(reasoning),
    )


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
    request_id = item.get("batch_request_id")
    if type(request_id) is not str:
        request_id = str(request_id or "")
    outcome = item.get("batch_result")
    if type(outcome) is not dict:
        outcome = outcome if isinstance(outcome, Mapping) else {}
    response = outcome.get("response")
    if response and isinstance(response, Mapping):
        body = _unwrap(response)
        if body is None:
            return BatchResult(request_id, ok=True)
        if "choices" not in body:
            return BatchResult(request_id, ok=True, completion=_completion_of(body))
        return BatchResult.folded_later(request_id, body, _chat_text(body), _chat_counts(body))
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


def parse_results_page(content: bytes) -> ResultsPage:
    """A results page body, decoded once, each item folded by ``normalise_result``'s rules.

    Pages are the bulk of a batch's traffic (a thousand completions each): with msgspec
    installed the page is decoded into narrow structs that keep each completion raw; a page
    those do not fit, or any page without msgspec, is decoded into dicts and read loosely.
    """
    fast = _typed_page(content)
    if fast is not None:
        return fast
    try:
        doc = loads(content)
    except ValueError:
        doc = None
    items = doc.get("results") if type(doc) is dict else None
    token = doc.get("pagination_token") if type(doc) is dict else None
    if items is None and type(doc) is dict:
        items = []
    if type(items) is not list or not (token is None or type(token) is str):
        raise XAIError(
            f"the answer to a batch results page was not a results page: {content[:80]!r}; "
            "check that XAI_BASE_URL points at the xAI API"
        )
    return ResultsPage(
        [normalise_result(item if type(item) is dict else {}) for item in items], token or None
    )


class _NotTyped(Exception):
    """An item the typed structs cannot stand for: read the whole page the loose way."""


def _typed_page(content: bytes) -> ResultsPage | None:
    try:
        from xai_magics.schemas import batch_results as wire
    except ImportError:
        return None
    try:
        page = wire.decode_page(content)
        results = [_typed_result(item) for item in page.results or ()]
    except (wire.DecodeError, _NotTyped):
        return None
    return ResultsPage(results, page.pagination_token or None)


def _typed_result(item: Any) -> BatchResult:
    """One item of a typed page: a chat success, or an error folded by the loose rules."""
    outcome = item.batch_result
    response = None if outcome is None else outcome.response
    if response is None:
        return normalise_result(_loose_error(item))
    chat = response.chat_get_completion
    if chat is None:
        chat = response.responses
    elif response.responses is not None:
        raise _NotTyped
    if chat is None:
        raise _NotTyped
    choices = chat.choices
    if choices is None:
        raise _NotTyped
    request_id = item.batch_request_id
    if type(request_id) is not str:
        request_id = str(request_id or "")
    message = choices[0].message if choices else None
    text = None if message is None else message.content
    return BatchResult.folded_later(
        request_id, chat, "" if text is None else text, _typed_counts(chat)
    )


def _typed_counts(chat: Any) -> Counts | None:
    usage = chat.usage
    if usage is None:
        return None
    details = usage.completion_tokens_details
    reasoning = (details.reasoning_tokens if details is not None else None) or 0
    return (
        usage.prompt_tokens or 0,
        (usage.completion_tokens or 0) + reasoning,
        usage.cost_in_usd_ticks,
        reasoning,
    )


def _loose_error(item: Any) -> dict[str, Any]:
    """A typed item without a response, as the dicts ``normalise_result`` reads."""
    outcome = item.batch_result
    return {
        "batch_request_id": item.batch_request_id,
        "batch_result": None
        if outcome is None
        else {
            "error": outcome.error,
            "error_message": outcome.error_message,
            "error_code": outcome.error_code,
        },
        "error": item.error,
        "error_message": item.error_message,
        "error_code": item.error_code,
    }


def _error_of(value: object) -> tuple[str, int | str | None]:
    if isinstance(value, Mapping):
        message = value.get("message") or value.get("error")
        text = str(message) if message else json.dumps(value, default=str)
        code = value.get("code")
        # google.rpc.Status as JSON may name the code instead of (or besides) numbering it
        return redact(text), _code_of(code if code is not None else value.get("status"))
    return redact(str(value)), None


def _code_of(value: object) -> int | str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return str(value)


def _unwrap(response: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The completion body inside a success payload, which wraps it in its endpoint key.

    Text results come back as chat completions even for requests sent in the Responses shape;
    a Responses-shaped body is folded too, in case that changes. Image and video results carry
    no text: they succeed with no body (``completion=None``).
    """
    body: object = response
    if "choices" not in response and "output" not in response:
        body = next((v for v in response.values() if isinstance(v, Mapping)), None)
    if not isinstance(body, Mapping) or ("choices" not in body and "output" not in body):
        return None
    return body


def _completion_of(body: Mapping[str, Any]) -> Completion | None:
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

    def create(
        self, name: str, *, input_file_id: str | None = None, max_retries: int | None = None
    ) -> Batch:
        """A new, empty batch (or, with ``input_file_id``, one filled from an uploaded JSONL).

        A create retried after a 5xx may have committed already and leave two batches:
        ``max_retries=0`` lets a caller that can find its batch by name decide instead.
        """
        body: dict[str, str] = {"name": name}
        if input_file_id is not None:
            body["input_file_id"] = input_file_id
        response = self._transport.request("POST", "/batches", json=body, max_retries=max_retries)
        return Batch.model_validate_json(response.content)

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
        return parse_results_page(response.content)

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
