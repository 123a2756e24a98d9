"""The error bodies api.x.ai sends: a flat ``{"code", "error"}`` object, never OpenAI's nesting.

``code`` is the gRPC canonical description of the status (what the real service puts there), so a
client that parses the emulator's errors parses the real ones too.
"""

from __future__ import annotations

from typing import Any

#: gRPC status descriptions the service uses as ``code``, keyed by the HTTP status we send.
CODE_FOR_STATUS: dict[int, str] = {
    400: "Client specified an invalid argument",
    401: "The request does not have valid authentication credentials for the operation",
    403: "The caller does not have permission to execute the specified operation",
    404: "Some requested entity was not found",
    405: "Method not allowed",
    408: "Deadline expired before operation could complete",
    409: "The operation was aborted",
    410: "Client specified an invalid argument",
    413: "Client specified an invalid argument",
    415: "Client specified an invalid argument",
    422: "Client specified an invalid argument",
    429: "Some resource has been exhausted",
    500: "Internal error",
    502: "The service is currently unavailable",
    503: "The service is currently unavailable",
    504: "Deadline expired before operation could complete",
}

#: What an HTTP status means when a fault does not say more.
DEFAULT_MESSAGE: dict[int, str] = {
    408: "Request timed out (simulated).",
    409: "Request conflicted with another request (simulated).",
    429: "Too many requests: rate limit exceeded (simulated).",
    500: "Internal server error (simulated).",
    502: "Bad gateway (simulated).",
    503: "Service temporarily unavailable (simulated).",
    504: "Gateway timeout (simulated).",
}


class APIError(Exception):
    """Raised by a route to answer with an xAI error body; the base handler turns it into bytes."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        plain: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code if code is not None else code_for(status)
        self.headers = headers or {}
        #: sent as ``text/plain`` (the JSON deserializer's rejections), not the flat JSON body
        self.plain = plain

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "error": self.message}


def code_for(status: int) -> str:
    """The ``code`` text for an HTTP status (5xx default to "Internal error")."""
    if status in CODE_FOR_STATUS:
        return CODE_FOR_STATUS[status]
    return "Internal error" if status >= 500 else "Client specified an invalid argument"


def message_for(status: int) -> str:
    return DEFAULT_MESSAGE.get(status, f"Simulated error with HTTP status {status}.")


def masked_key(key: str) -> str:
    """The fragment the service echoes for a rejected key: first and last two characters."""
    if len(key) <= 4:
        return "***"
    return f"{key[:2]}***{key[-2:]}"


def not_found(message: str) -> APIError:
    return APIError(404, message)


def unprocessable(message: str) -> APIError:
    """The JSON deserializer's rejection, which the real service returns for shape errors: plain
    text, no ``code`` (as users reported it, errors-observed-in-issues.md: "Failed to deserialize
    the JSON body into the target type: missing field 'prompt' at line 10 column 1")."""
    return APIError(
        422, f"Failed to deserialize the JSON body into the target type: {message}", plain=True
    )


def model_not_found(model: str) -> APIError:
    return APIError(400, f"Model not found: {model}")
