"""``/v1/batches``: xAI's native batch flow, with clock-driven progress and the live limits.

Re-adding an existing ``batch_request_id`` is refused with a 400 naming the duplicates, and
nothing from that call is added: a client that retries an ambiguous add learns the chunk landed
instead of doubling it. Results list only finished requests, in an order that is shuffled but
stable, and are always chat completions, whichever endpoint the request named (as recorded).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from typing import Any

from xai_magics.emulator import catalog
from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.batch_store import Batch, BatchRequest, iso_date, shuffle_key
from xai_magics.emulator.chat import chat_format, chat_turns, completion_object
from xai_magics.emulator.errors import APIError, not_found, unprocessable
from xai_magics.emulator.generation import generate, optional_int, request_seed
from xai_magics.emulator.paging import cursor, cursor_token, page_limit, page_offset, page_token
from xai_magics.emulator.prompt_cache import PromptCache, Turn
from xai_magics.emulator.responses import input_turns, text_format

ENDPOINT_NAMES = {
    "chat_get_completion": "xai_api.Chat/GetCompletion",
    "responses": "xai_api.Responses/CreateResponse",
}
_URL_ENDPOINTS = {"/v1/chat/completions": "chat_get_completion", "/v1/responses": "responses"}


def request_turns(endpoint: str, body: dict[str, Any]) -> list[Turn]:
    if endpoint == "chat_get_completion":
        return chat_turns(body.get("messages"))
    turns: list[Turn] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        turns.append(("system", instructions))
    return turns + input_turns(body.get("input"))


def parse_request(item: Any) -> tuple[str | None, str, dict[str, Any]]:
    """(batch_request_id or None, endpoint key, endpoint body) of one ``batch_requests`` item."""
    if not isinstance(item, dict):
        raise unprocessable("invalid type: batch request, expected a map")
    request_id = item.get("batch_request_id")
    if request_id is not None and not isinstance(request_id, str):
        raise unprocessable("invalid type for `batch_request_id`, expected a string")
    wrapper = item.get("batch_request")
    if not isinstance(wrapper, dict):
        raise unprocessable("missing field `batch_request`")
    if len(wrapper) != 1:
        raise unprocessable("`batch_request` must have exactly one endpoint key")
    endpoint, body = next(iter(wrapper.items()))
    if endpoint not in ENDPOINT_NAMES:
        raise unprocessable(
            f"unknown variant `{endpoint}`, expected one of `chat_get_completion`, `responses`"
        )
    if not isinstance(body, dict):
        raise unprocessable(f"invalid type for `{endpoint}`, expected a map")
    return request_id, endpoint, body


def make_request(
    request_id: str, endpoint: str, body: dict[str, Any], now: float, seconds: float
) -> BatchRequest:
    if "model" not in body:
        raise unprocessable("missing field `model`")
    model = catalog.resolve(body["model"])
    if not model.batchable:
        raise APIError(400, f"Model {model.id} is not supported for batch processing")
    catalog.check_effort(model, _effort(endpoint, body), param="reasoning_effort")
    turns = request_turns(endpoint, body)
    return BatchRequest(
        id=request_id,
        endpoint=endpoint,
        body=body,
        model=model.id,
        prompt="\n".join(text for _, text in turns),
        added_at=now,
        finish_at=now + seconds,
    )


def _effort(endpoint: str, body: dict[str, Any]) -> object:
    if endpoint == "chat_get_completion":
        return body.get("reasoning_effort")
    reasoning = body.get("reasoning")
    return reasoning.get("effort") if isinstance(reasoning, dict) else None


def result_entry(batch: Batch, req: BatchRequest, now: float, error_shape: str) -> dict[str, Any]:
    outcome = batch.outcome(req, now)
    if outcome == "succeeded":
        return {
            "batch_request_id": req.id,
            "batch_result": {"response": {"chat_get_completion": _completion(batch, req)}},
        }
    if outcome == "cancelled":
        expired = batch.cancel_at is None or batch.expire_at < batch.cancel_at
        code, message = 1, "Request expired before it ran." if expired else "Request cancelled."
    else:
        code, message = 3, f"Simulated failure of request {req.id} (prompt asked for it)."
    shape = req.error_shape(error_shape)
    if shape == "string":
        return {"batch_request_id": req.id, "batch_result": {"error": message}}
    if shape == "error_message":
        return {"batch_request_id": req.id, "error_message": message}
    return {
        "batch_request_id": req.id,
        "batch_result": {"error": {"code": code, "message": message}},
    }


def _completion(batch: Batch, req: BatchRequest) -> dict[str, Any]:
    body = req.body
    model = catalog.resolve(req.model)
    if req.endpoint == "chat_get_completion":
        fmt = chat_format(body)
        max_visible = optional_int(body, "max_completion_tokens") or optional_int(
            body, "max_tokens"
        )
        max_total = None
    else:
        fmt, _ = text_format(body)
        max_visible, max_total = optional_int(body, "max_output_tokens"), None
    gen = generate(
        model=model,
        turns=request_turns(req.endpoint, body),
        cache=PromptCache(),
        cache_scope="batch",
        effort=catalog.check_effort(model, _effort(req.endpoint, body), param="reasoning_effort"),
        fmt=fmt,
        max_visible=max_visible,
        max_total=max_total,
        batch=True,
        seed=request_seed(body),
    )
    completion_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{batch.id}/{req.id}"))
    return completion_object(gen, completion_id, int(req.finish_at))


class BatchBase(BaseHandler):
    service_headers = frozenset({"x-trace-id", "envoy", "retention"})

    def batch(self, batch_id: str) -> Batch:
        batch = self.state.batches.get(batch_id)
        if batch is None:
            raise not_found(f"Batch {batch_id} not found.")
        return batch


class BatchesHandler(BatchBase):
    def post(self) -> None:
        body = self.json_object()
        name = body.get("name")
        if not isinstance(name, str):
            raise unprocessable("missing field `name`")
        file_id = body.get("input_file_id")
        if file_id is not None and not isinstance(file_id, str):
            raise unprocessable("invalid type for `input_file_id`, expected a string")
        batch = self.state.batches.create(
            name,
            key_sha=self.key_sha,
            expire_seconds=self.state.knobs.batch_expire_seconds,
            input_file_id=file_id,
        )
        if file_id is not None:
            self._load_file(batch, file_id)
        self.reply(batch.as_json(time.time()))

    def _load_file(self, batch: Batch, file_id: str) -> None:
        """Flow B: requests come from an uploaded JSONL file; a bad file cancels the batch."""
        stored = self.state.files.get(file_id)
        if stored is None:
            raise not_found(f"File {file_id} not found.")
        now = time.time()
        seconds = self.state.knobs.batch_seconds_per_request
        loaded: dict[str, BatchRequest] = {}
        try:
            for n, line in enumerate(stored.data.decode("utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                endpoint = _URL_ENDPOINTS.get(row.get("url", ""))
                if endpoint is None or not isinstance(row.get("body"), dict):
                    raise ValueError(f"line {n}: unsupported url {row.get('url')!r}")
                request_id = str(row.get("custom_id") or uuid.uuid4())
                if request_id in loaded:
                    raise ValueError(f"line {n}: duplicate custom_id {request_id!r}")
                loaded[request_id] = make_request(request_id, endpoint, row["body"], now, seconds)
        except (ValueError, AttributeError, APIError) as exc:
            reason = exc.message if isinstance(exc, APIError) else str(exc)
            batch.cancel_at = now
            batch.cancel_by_xai_message = f"JSONL file validation failed: {reason}."
            return
        batch.requests.update(loaded)

    def get(self) -> None:
        limit = page_limit(self.get_query_argument("limit", None), default=100, maximum=1000)
        offset = page_offset(self.get_query_argument("pagination_token", None))
        batches = list(self.state.batches.newest_first())
        now = time.time()
        page = batches[offset : offset + limit]
        more = offset + limit < len(batches)
        self.reply(
            {
                "batches": [b.as_json(now) for b in page],
                "pagination_token": page_token(offset + limit) if more else None,
            }
        )


class BatchHandler(BatchBase):
    def get(self, batch_id: str) -> None:
        self.reply(self.batch(batch_id).as_json(time.time()))


class BatchCancelHandler(BatchBase):
    def post(self, batch_id: str) -> None:
        batch = self.batch(batch_id)
        if batch.cancel_at is None:
            batch.cancel_at = time.time()
        self.reply(batch.as_json(time.time()))


class BatchRequestsHandler(BatchBase):
    def post(self, batch_id: str) -> None:
        self._rate_limit()
        limit = self.state.knobs.batch_max_payload_bytes
        if len(self.request.body) > limit:
            raise APIError(
                413, f"Request payload too large: add-requests calls are limited to {limit} bytes."
            )
        body = self.json_object()
        if "batch_requests" not in body:
            raise unprocessable("missing field `batch_requests`")
        items = body["batch_requests"]
        if not isinstance(items, list):
            raise unprocessable("invalid type for `batch_requests`, expected a sequence")
        batch = self.batch(batch_id)
        if batch.cancel_at is not None:
            raise APIError(400, f"Batch {batch_id} was cancelled; requests cannot be added.")
        if batch.input_file_id is not None:
            raise APIError(400, f"Batch {batch_id} takes its requests from an input file.")
        now = time.time()
        seconds = self.state.knobs.batch_seconds_per_request
        new: dict[str, BatchRequest] = {}
        duplicates: list[str] = []
        for item in items:
            request_id, endpoint, req_body = parse_request(item)
            request_id = request_id if request_id is not None else str(uuid.uuid4())
            if request_id in batch.requests or request_id in new:
                duplicates.append(request_id)
                continue
            new[request_id] = make_request(request_id, endpoint, req_body, now, seconds)
        if duplicates:
            shown = ", ".join(json.dumps(d) for d in duplicates[:20])
            more = f" and {len(duplicates) - 20} more" if len(duplicates) > 20 else ""
            raise APIError(
                400,
                f"Duplicate batch_request_id in batch {batch_id}: {shown}{more}. "
                "Each batch_request_id must be unique within a batch; nothing was added.",
            )
        batch.requests.update(new)
        self.reply(None)

    def _rate_limit(self) -> None:
        knobs = self.state.knobs
        now = time.monotonic()
        calls = self.state.add_calls.setdefault(self.key_sha, deque())
        while calls and now - calls[0] >= knobs.batch_add_window_seconds:
            calls.popleft()
        if len(calls) >= knobs.batch_add_limit:
            wait = max(knobs.batch_add_window_seconds - (now - calls[0]), 0.0)
            raise APIError(
                429,
                f"Too many add-requests calls: at most {knobs.batch_add_limit} per "
                f"{knobs.batch_add_window_seconds:g} s. Retry after {wait:.1f} s.",
                headers={"Retry-After": str(max(int(wait + 0.999), 1))},
            )
        calls.append(now)

    def get(self, batch_id: str) -> None:
        batch = self.batch(batch_id)
        limit = page_limit(self.get_query_argument("limit", None), default=100, maximum=1000)
        offset = page_offset(self.get_query_argument("pagination_token", None))
        requests = list(batch.requests.values())
        now = time.time()
        page = requests[offset : offset + limit]
        metadata = [
            {
                "batch_request_id": r.id,
                "endpoint": ENDPOINT_NAMES[r.endpoint],
                "model": r.model,
                "state": batch.outcome(r, now),
                "create_time": iso_date(r.added_at),
                "finish_time": iso_date(batch.finish_time(r, now)),
            }
            for r in page
        ]
        more = offset + limit < len(requests)
        self.reply(
            {
                "batch_request_metadata": metadata,
                "pagination_token": page_token(offset + limit) if more else None,
            }
        )


class BatchResultsHandler(BatchBase):
    def get(self, batch_id: str) -> None:
        batch = self.batch(batch_id)
        limit = page_limit(self.get_query_argument("limit", None), default=100, maximum=1000)
        after = cursor(self.get_query_argument("pagination_token", None))
        now = time.time()
        quirk = self.state.knobs.batch_results_quirk
        ordered = batch.result_order()
        if quirk == "omit" and ordered:
            ordered = ordered[1:]
        finished = [
            r
            for r in ordered
            if batch.outcome(r, now) != "pending" and shuffle_key(batch.id, r.id) > after
        ]
        page = finished[:limit]
        shape = self.state.knobs.batch_error_shape
        token = cursor_token(shuffle_key(batch.id, page[-1].id)) if len(finished) > limit else None
        results = [result_entry(batch, r, now, shape) for r in page]
        if quirk == "duplicate" and results:
            results.append(results[0])
        if quirk == "unknown_id" and results and not after:
            stranger = dict(results[0], batch_request_id=f"unknown-{batch.id[-8:]}")
            results.append(stranger)
        self.reply({"results": results, "pagination_token": token})
