"""One call as one row of the history: built from what the call path already holds.

Built on the calling thread (cheap: no I/O, no formatting), written later by the recorder.
The key never enters an entry: prompts holding it are refused before sending, error texts are
redacted by the client, and the server is kept as scheme, host and path only.
"""

from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from xai_magics.history.where import cell_id, notebook_path

if TYPE_CHECKING:
    from xai_magics.request import AskOptions
    from xai_magics.result import GrokResult
    from xai_magics.threads import Thread
    from xai_magics.usage import Receipt

__all__ = ["Entry", "answer_entry", "outcome_of", "receipt_entry"]

Entry = dict[str, Any]

#: the receipt's status -> the outcome the history filters on
_OUTCOMES = {
    "completed": "ok",
    "error": "error",
    "failed": "error",
    "stopped": "stopped",
    "cancelled": "stopped",
    "incomplete": "incomplete",
    "expired": "incomplete",
    "streaming": "incomplete",
}


def outcome_of(status: str) -> str:
    """``ok``, ``error``, ``stopped`` or ``incomplete`` for a receipt or result status."""
    return _OUTCOMES.get(status.split(" ")[0], "incomplete")


@lru_cache(maxsize=8)
def _server_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"


def server() -> str:
    """The API base URL calls go to, without credentials or query (as the client reads it)."""
    return _server_of(os.environ.get("XAI_BASE_URL", "https://api.x.ai/v1"))


def _receipt_fields(receipt: Receipt) -> Entry:
    return {
        "model_requested": receipt.model_requested,
        "model": receipt.model,
        "tier_requested": receipt.tier_requested,
        "tier": receipt.tier,
        "input_tokens": receipt.input_tokens,
        "cached_input_tokens": receipt.cached_input_tokens,
        "output_tokens": receipt.output_tokens,
        "reasoning_tokens": receipt.reasoning_tokens,
        "requests": receipt.requests,
        "cost_usd": receipt.cost_usd,
        "estimated": int(receipt.estimated),
        "response_id": receipt.response_id,
        "ttft_s": receipt.ttft_s,
        "elapsed_s": receipt.elapsed_s,
        "status": receipt.status,
        "outcome": outcome_of(receipt.status),
        "retries": receipt.retries,
    }


def _site(*, with_cell: bool = True) -> Entry:
    return {
        "at": time.time(),
        "notebook": notebook_path(),
        "cell_id": cell_id() if with_cell else None,
        "server": server(),
    }


def answer_entry(
    prompt: str, options: AskOptions, thread: Thread | None, result: GrokResult, key: str
) -> Entry:
    """A chat or Responses call (``%%grok``, ``%grok``, one ``--compare`` column)."""
    asked: dict[str, Any] = {
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
        "reasoning_effort": options.reasoning_effort,
        "schema": getattr(options.schema, "__name__", None),
    }
    given = {k: v for k, v in asked.items() if v is not None}
    entry = {
        **_site(),
        "kind": options.api,
        "model_requested": options.model,
        "model": result.model,
        "tier_requested": options.tier,
        "tier": result.tier,
        "thread": thread.name if thread is not None else None,
        "turn_key": key,
        "system": thread.system if thread is not None else options.system,
        "prompt": prompt,
        "answer": result.text,
        "reasoning": result.reasoning or None,
        "options": json.dumps(given) if given else None,
        "response_id": result.response_id,
        "previous_response_id": thread.previous_response_id(key) if thread else None,
        "elapsed_s": result.elapsed_s,
        "ttft_s": result.ttft_s,
        "error": result.error,
    }
    # A failed call may have no receipt; one that has it gives tokens, cost and retries.
    receipt = _receipt_fields(result.receipt) if result.receipt is not None else {}
    return {**entry, **receipt, "status": result.status, "outcome": outcome_of(result.status)}


def receipt_entry(
    receipt: Receipt, *, kind: str, prompt: str, answer: str, with_cell: bool = True
) -> Entry:
    """A call known by its receipt: a speech clip, or a whole batch job (``requests`` rows)."""
    return {**_site(with_cell=with_cell), "kind": kind, "prompt": prompt, "answer": answer} | (
        _receipt_fields(receipt)
    )
