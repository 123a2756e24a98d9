"""The two HTTP calls of a deferred chat completion (xai-api.md §9).

``POST /v1/chat/completions`` with ``"deferred": true`` answers ``{"request_id": ...}`` at once;
``GET /v1/chat/deferred-completion/{request_id}`` answers 202 with an empty body while the answer
is being made, 200 with the normal completion exactly once, and 404 for an id it does not know
(never issued, already fetched, or past its 24 h). Failures come back as the client's errors.

The GET is never retried here: a 200 whose body broke off cannot be asked for again, and the
poller, which owns the schedule, is told so instead (``fetch`` raises, the next GET says 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from xai_magics.client._json import loads, parse
from xai_magics.client.chat import PATH
from xai_magics.client.completion import Completion, completion_from_chat
from xai_magics.client.errors import XAIError

if TYPE_CHECKING:
    from xai_magics.client._transport import Transport

__all__ = ["completion_of", "fetch", "submit"]

POLL_PATH = "/chat/deferred-completion/{}"


def submit(
    transport: Transport, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> str:
    """Send a deferred request; its ``request_id``."""
    response = transport.request("POST", PATH, json=dict(body), headers=headers)
    try:
        doc = loads(response.content)
    except ValueError:
        doc = None
    request_id = doc.get("request_id") if isinstance(doc, dict) else None
    if not isinstance(request_id, str) or not request_id:
        raise XAIError(
            f"the answer to a deferred POST {PATH} had no request_id: {response.content[:80]!r}; "
            "check that XAI_BASE_URL points at the xAI API"
        )
    return request_id


def fetch(transport: Transport, request_id: str) -> bytes | None:
    """The answer's raw body once it is ready (handed out this once), else None (202)."""
    path = POLL_PATH.format(quote(request_id, safe=""))
    response = transport.request("GET", path, max_retries=0)
    if response.status_code == 202:
        return None
    return response.content


def completion_of(body: str | bytes) -> Completion:
    """The completion in a stored answer (``XAIError`` if it is not one)."""
    from xai_magics.schemas.chat import ChatCompletion

    content = body.encode("utf-8") if isinstance(body, str) else body
    doc, _ = parse(content, ChatCompletion, "GET " + POLL_PATH.format("{id}"))
    return completion_from_chat(doc, raw=doc)
