"""One realtime request per row: the prompt, the body (Responses or chat) and the stored result.

The prompts come from the same template and the same skip rules as a batch (``prompts.py``), and
a chat body is byte-for-byte the batch's ``chat_get_completion`` body (``RequestSpec.body``), so
``--now`` and a batch over the same frame ask the same question. An answer becomes the same
stored ``ResultRow`` a batch result does, so outcomes, columns and ``--schema`` are shared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow.compute as pc

from xai_magics.batch.frame import FrameSource
from xai_magics.batch.plan import BLOCK_ROWS
from xai_magics.batch.prompts import BYTES_PER_TOKEN, read_block
from xai_magics.batch.store import ResultRow
from xai_magics.batch.template import ColumnTemplate
from xai_magics.batch.wire import RequestSpec
from xai_magics.client.completion import Completion, completion_from_chat, completion_from_responses
from xai_magics.client.responses import responses_body

Endpoint = Literal["responses", "chat"]
PATHS: dict[Endpoint, str] = {"responses": "/responses", "chat": "/chat/completions"}


@dataclass(frozen=True)
class RowRequest:
    """One row to send: its position in the user's frame, its prompt and a token estimate."""

    position: int
    prompt: str
    tokens: int


def unanswered_rows(
    source: FrameSource,
    template: ColumnTemplate,
    max_prompt_bytes: int,
    done: Set[int],
    estimated_output: int,
) -> Iterator[RowRequest]:
    """The rows still to send, in order: not skipped and without an answer in ``done``."""
    for start, stop in source.blocks(0, BLOCK_ROWS):
        block = read_block(source, template, start, stop, max_prompt_bytes)
        for offset in pc.indices_nonzero(block.valid).to_pylist():
            position = start + offset
            if position in done:
                continue
            row = {column: text[offset].as_py() for column, text in block.texts.items()}
            prompt = template.render(row)
            tokens = len(prompt.encode("utf-8")) // BYTES_PER_TOKEN + 8 + estimated_output
            yield RowRequest(position, prompt, tokens)


def request_body(
    spec: RequestSpec, prompt: str, endpoint: Endpoint, tier: str | None
) -> dict[str, Any]:
    """The body of one row's request (a chat body equals the batch's for the same row)."""
    if endpoint == "chat":
        body = spec.body(prompt)
    else:  # the body %%grok sends, unstored: a row's answer lives in the job store
        text_format = spec.response_format
        body = responses_body(
            spec.model,
            prompt,
            spec.system,
            None,
            None,
            spec.temperature,
            None,
            spec.max_tokens,
            None,
            _responses_format(text_format) if text_format is not None else None,
            False,
            {},
        )
    if tier is not None:
        body["service_tier"] = tier
    return body


def _responses_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """Chat's ``response_format`` as Responses' ``text.format`` (the schema moves up a level)."""
    inner = response_format.get("json_schema")
    if response_format.get("type") != "json_schema" or not isinstance(inner, Mapping):
        return dict(response_format)
    return {"type": "json_schema", **inner}


def completion_of(endpoint: Endpoint, doc: Mapping[str, Any]) -> Completion:
    """The finished answer in a response body of ``endpoint``."""
    if endpoint == "chat":
        return completion_from_chat(doc)
    return completion_from_responses(doc)


def answered(position: int, request_id: str, completion: Completion) -> ResultRow:
    """An answer as the job store keeps it (like a batch result: output tokens with reasoning,
    and reasoning apart), with the tier the answer says served it."""
    usage = completion.usage
    tokens_in = usage.input_tokens if usage is not None else None
    tokens_out = usage.output_tokens + usage.reasoning_tokens if usage is not None else None
    ticks = usage.cost_usd_ticks if usage is not None else None
    reasoning = usage.reasoning_tokens if usage is not None else None
    text, tier = completion.text, completion.service_tier
    return (position, request_id, "ok", text, None, tokens_in, tokens_out, ticks, reasoning, tier)


def failed(position: int, request_id: str, error: str) -> ResultRow:
    """A row whose request failed for its own reasons (the server's message kept)."""
    return (position, request_id, "error", None, error, None, None, None, None, None)
