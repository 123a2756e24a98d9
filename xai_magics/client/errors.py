"""Everything the client raises, as one tree. Every message says what to do next.

```
XAIError
├── MissingAPIKeyError          XAI_API_KEY is not set
├── APIConnectionError          cannot reach the base URL
│   └── APITimeoutError         a phase (connect/read/write/pool/total) ran out of time
├── IncompleteStreamError       a stream ended early; .partial keeps what arrived
├── StreamParseError            an event was not valid JSON
└── APIStatusError              non-2xx: .status_code .code .message .request_id .attempts
    ├── AuthenticationError     the key was rejected (400 "Incorrect API key" or 401)
    ├── BadRequestError         400
    ├── PermissionDeniedError   403
    ├── NotFoundError           404
    │   └── ModelDeprecatedError 404 "The model X was deprecated ... Please use Y instead."
    ├── UnprocessableEntityError 422
    ├── RateLimitError          429, .retry_after_s
    └── InternalServerError     5xx
```

Texts pass through ``redact`` and no error keeps a response, request or header object, so the
key cannot surface through ``str``, ``repr`` or an attribute.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from xai_magics.client.redact import redact

if TYPE_CHECKING:
    from xai_magics.client.completion import Completion

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "IncompleteStreamError",
    "InternalServerError",
    "MissingAPIKeyError",
    "ModelDeprecatedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "StreamParseError",
    "UnprocessableEntityError",
    "XAIError",
    "status_error",
]

KEY_HELP = (
    'in a notebook run `import os, getpass; os.environ["XAI_API_KEY"] = getpass.getpass()` '
    "(`%env XAI_API_KEY=...` works too, but prints the key into the cell output), or "
    "`export XAI_API_KEY=...` before starting Jupyter; keys are at https://console.x.ai"
)


class XAIError(Exception):
    """Base of every error the xAI client raises."""

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class MissingAPIKeyError(XAIError):
    """No key was given and ``XAI_API_KEY`` is unset or empty."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or f"XAI_API_KEY is not set: {KEY_HELP}.")


class APIConnectionError(XAIError):
    """The server could not be reached, or the connection broke before an answer."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        self.attempts = attempts
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """A phase of the call ran out of time; ``phase`` is connect/read/write/pool/total."""

    def __init__(
        self,
        message: str,
        *,
        phase: str,
        attempts: int = 1,
        partial: Completion | None = None,
    ) -> None:
        self.phase = phase
        self.partial = partial
        super().__init__(message, attempts=attempts)


class IncompleteStreamError(XAIError):
    """A stream stopped before its terminal event; ``partial`` holds the text that arrived."""

    def __init__(self, message: str, *, partial: Completion) -> None:
        self.partial = partial
        super().__init__(message)


class StreamParseError(XAIError):
    """A streamed event could not be decoded; ``event_index`` counts events from 0."""

    def __init__(
        self, message: str, *, event_index: int, partial: Completion | None = None
    ) -> None:
        self.event_index = event_index
        self.partial = partial
        super().__init__(message)


class APIStatusError(XAIError):
    """The server answered with a non-2xx status."""

    hint = "Check the request; the message above is the server's"

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.status_code = status_code
        self.code = redact(code) if code else None
        self.request_id = request_id
        self.attempts = attempts
        details = [f"HTTP {status_code}", *self._details()]
        if request_id:
            details.append(f"request id {request_id}")
        details.append(f"{attempts} attempt{'s' if attempts != 1 else ''}")
        text = message.rstrip().rstrip(".")
        # What happened, what to do, then the facts support will ask for.
        super().__init__(f"{text}. {self.hint}. ({', '.join(details)})")
        self.message = redact(message)

    def _details(self) -> list[str]:
        """Extra facts for the parenthesis after the message."""
        return []


class AuthenticationError(APIStatusError):
    """The key was rejected. The server's text is dropped: it echoes part of the key."""

    hint = f"Set a valid key: {KEY_HELP}"


class BadRequestError(APIStatusError):
    hint = "Fix the request (model name, parameters) and run it again"


class PermissionDeniedError(APIStatusError):
    hint = "This key or team lacks access; check the key's permissions and credits at https://console.x.ai"


class NotFoundError(APIStatusError):
    hint = "Check the id or model name; stored responses and files expire"


class ModelDeprecatedError(NotFoundError):
    """The model was retired: xAI answers 404 (plain JSON, even to a stream request)
    "The model grok-beta was deprecated on 2025-09-15 and is no longer accessible via the API.
    Please use grok-3 instead." ``model``, ``since`` and ``replacement`` are read from it."""

    hint = "Ask for a current model instead (GET /v1/language-models lists them)"

    def __init__(
        self,
        message: str,
        *,
        model: str,
        since: str | None = None,
        replacement: str | None = None,
        **kw: Any,
    ) -> None:
        self.model = model
        self.since = since
        self.replacement = replacement
        super().__init__(message, **kw)


_DEPRECATED = re.compile(
    r"\bmodel (?P<model>\S+) (?:was|has been|is) (?:deprecated|retired)(?: on (?P<since>[\w-]+))?",
    re.IGNORECASE,
)
_REPLACEMENT = re.compile(r"\bplease use (?P<model>[\w.:/-]*\w)", re.IGNORECASE)


def deprecated_model(message: str | None) -> tuple[str, str | None, str | None] | None:
    """(model, since, replacement) from xAI's deprecated-model message, else None."""
    match = _DEPRECATED.search(message or "")
    if match is None:
        return None
    use = _REPLACEMENT.search(message or "")
    return match["model"], match["since"], use["model"] if use else None


class UnprocessableEntityError(APIStatusError):
    hint = "The request body has a missing or mistyped field; fix it and run again"


class RateLimitError(APIStatusError):
    """429: rate limited or out of credits.

    ``retry_after_s`` is the server's requested wait and ``retry_at`` the wall-clock time it
    ends (local time zone): a wait too long to sleep through is raised at once, and the user
    needs to know when trying again makes sense.
    """

    hint = "Wait and run again, lower the concurrency, or check credits at https://console.x.ai"

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        retry_at: datetime | None = None,
        **kw: Any,
    ) -> None:
        self.retry_after_s = retry_after_s
        self.retry_at = retry_at
        super().__init__(message, **kw)

    def _details(self) -> list[str]:
        if self.retry_after_s is None:
            return []
        until = f", until {self.retry_at:%H:%M:%S %Z}" if self.retry_at is not None else ""
        return [f"server asks to wait {self.retry_after_s:g} s{until}"]


class InternalServerError(APIStatusError):
    hint = "The service failed; run again in a moment"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def parse_error_body(body: bytes) -> tuple[str | None, str | None]:
    """(code, message) from xAI's flat ``{"code","error"}`` or OpenAI's ``{"error":{...}}``."""
    try:
        doc = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return None, (text[:500] or None)
    if not isinstance(doc, dict):
        return None, None
    err = doc.get("error")
    if isinstance(err, dict):
        code = err.get("code") or err.get("type")
        msg = err.get("message")
        return (str(code) if code is not None else None), (str(msg) if msg is not None else None)
    code = doc.get("code")
    msg = err if isinstance(err, str) else doc.get("message")
    return (str(code) if code is not None else None), (str(msg) if msg is not None else None)


def is_rejected_key(status_code: int, message: str | None) -> bool:
    """xAI answers a wrong key with 400 "Incorrect API key ..."; a missing one with 401."""
    return status_code == 401 or (
        status_code == 400 and message is not None and "incorrect api key" in message.lower()
    )


def status_error(
    status_code: int,
    body: bytes,
    *,
    url: str,
    request_id: str | None,
    attempts: int,
    retry_after_s: float | None = None,
    now: float | None = None,
) -> APIStatusError:
    """The ``APIStatusError`` subclass for one non-2xx answer; ``now`` is the wall-clock time
    (``time.time()``) the answer arrived, which dates a rate limit's end."""
    code, message = parse_error_body(body)
    common: dict[str, Any] = {
        "status_code": status_code,
        "code": code,
        "request_id": request_id,
        "attempts": attempts,
    }
    if is_rejected_key(status_code, message):
        host = urlsplit(url).netloc or url
        return AuthenticationError(f"XAI_API_KEY was rejected by {host}", **common)
    text = message or f"{urlsplit(url).path} answered HTTP {status_code} with no message"
    if status_code == 429:
        retry_at = None
        if retry_after_s is not None and now is not None:
            retry_at = datetime.fromtimestamp(now + retry_after_s).astimezone()
        return RateLimitError(text, retry_after_s=retry_after_s, retry_at=retry_at, **common)
    if status_code >= 500:
        return InternalServerError(text, **common)
    retired = deprecated_model(message) if status_code in (400, 404, 410) else None
    if retired is not None:
        model, since, replacement = retired
        return ModelDeprecatedError(
            text, model=model, since=since, replacement=replacement, **common
        )
    return _BY_STATUS.get(status_code, APIStatusError)(text, **common)
