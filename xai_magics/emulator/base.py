"""What every emulated route shares: headers, auth, the request log, faults and error bodies."""

from __future__ import annotations

import asyncio
import json
import math
import secrets
from typing import Any, cast

import tornado.web
from tornado.http1connection import HTTP1Connection
from tornado.iostream import StreamClosedError

from xai_magics.emulator.errors import APIError, masked_key, message_for
from xai_magics.emulator.faults import Fault
from xai_magics.emulator.request_log import key_hash, logged_body
from xai_magics.emulator.sockets import abort
from xai_magics.emulator.state import State

SIMULATED_HEADER = ("x-emulator", "simulated")


def compact_json(value: Any) -> str:
    """JSON the way the service writes it: no spaces, UTF-8 kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def trace_ids() -> tuple[str, str]:
    """A W3C trace id and span id, as the service's ``x-request-id``/``traceparent`` carry."""
    return secrets.token_hex(16), secrets.token_hex(8)


def reset_connection(handler: tornado.web.RequestHandler) -> None:
    """Drop the client's connection with a TCP RST, as a crashing proxy would."""
    connection = cast(HTTP1Connection, handler.request.connection)
    stream = connection.detach()
    abort(stream.socket)
    stream.close()
    # The connection is gone: tornado must not try to finish a response on it.
    handler._finished = True


class BaseHandler(tornado.web.RequestHandler):
    """Common behaviour; ``requires_auth`` and ``fault_aware`` are off for the admin routes."""

    requires_auth = True
    fault_aware = True
    #: inference routes advertise rate-limit headers like the real service
    rate_limited = False
    #: the service's own tracing and retention headers differ by backend, as recorded (2026):
    #: inference sends x-request-id + traceparent, batches and TTS x-trace-id (batches also
    #: x-envoy-upstream-service-time, "envoy"), files only traceparent, /v1/models none;
    #: "retention" is x-zero-data-retention + x-data-retention
    service_headers: frozenset[str] = frozenset({"x-request-id", "traceparent", "retention"})

    def initialize(self, state: State) -> None:
        self.state = state
        self.fault: Fault | None = None
        self.api_key: str | None = None
        self.entry: dict[str, Any] | None = None
        self._json: Any = None

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.set_header(*SIMULATED_HEADER)
        self.set_header("Content-Type", "application/json")
        self.set_header("Access-Control-Allow-Origin", "*")
        self.set_header("Access-Control-Expose-Headers", "*")
        families = self.service_headers
        if "retention" in families:
            self.set_header("x-zero-data-retention", "false")
            self.set_header("x-data-retention", "general")
        trace, span = trace_ids()
        if "x-request-id" in families:
            self.set_header("x-request-id", f"00-{trace}-{span}-01")
        if "traceparent" in families:
            self.set_header("traceparent", f"00-{trace}-{secrets.token_hex(8)}-01")
        if "x-trace-id" in families:
            self.set_header("x-trace-id", trace)
        if "envoy" in families:
            self.set_header("x-envoy-upstream-service-time", "1")

    def compute_etag(self) -> str | None:
        return None

    def check_xsrf_cookie(self) -> None:
        return None

    # --- request lifecycle ---------------------------------------------------------------

    async def prepare(self) -> None:
        self.state.connections.saw(cast(HTTP1Connection, self.request.connection).stream)
        if self.requires_auth:
            self.api_key = self._bearer()
        self.entry = self.state.log.open(
            method=self.request.method or "",
            path=self.request.path,
            query=self.request.query,
            key=self.api_key,
            body=logged_body(self.request.body, self.request.headers.get("Content-Type", "")),
            conv_id=self.request.headers.get("x-grok-conv-id"),
        )
        if self.fault_aware:
            self.fault = self.state.faults.take(self.request.method or "", self.request.path)
            if self.fault is not None:
                self.entry["fault"] = self.fault.kind
                await self._apply_entry_fault(self.fault)
                if self._finished:
                    return
        if self.requires_auth:
            self._authenticate()
        if self.rate_limited and self.api_key is not None:
            self._rate_limit_headers()

    def on_finish(self) -> None:
        if self.entry is not None:
            self.entry["status"] = self.get_status()

    async def _apply_entry_fault(self, fault: Fault) -> None:
        if fault.kind == "status":
            self.fail_with_status(fault, fault.int_param("status", 500))
        elif fault.kind == "reset":
            reset_connection(self)
        elif fault.kind == "stall":
            await asyncio.sleep(fault.float_param("seconds", 1.0))

    def fail_with_status(self, fault: Fault, status: int) -> None:
        """Answer a fault's status with its headers and body (default: the flat xAI body)."""
        self.set_status(status)
        if isinstance(fault.params.get("retry_after"), (str, int, float)):
            self.set_header("Retry-After", str(fault.params["retry_after"]))
        if isinstance(fault.params.get("retry_after_ms"), (int, float)):
            self.set_header("retry-after-ms", str(int(fault.params["retry_after_ms"])))
        if isinstance(fault.params.get("headers"), dict):
            for name, value in fault.params["headers"].items():
                self.set_header(str(name), str(value))
        body = fault.params.get("body")
        if body is None:
            message = fault.params.get("message")
            text = message if isinstance(message, str) else message_for(status)
            body = APIError(status, text).body()
        self.finish(body if isinstance(body, str) else compact_json(body))

    # --- auth --------------------------------------------------------------------------------

    def _bearer(self) -> str | None:
        header = self.request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return ""
        return token.strip()

    def _authenticate(self) -> None:
        if self.api_key is None:
            raise APIError(
                401,
                "Missing bearer authentication in header. Add `Authorization: Bearer <key>`; "
                "you can obtain an API key from https://console.x.ai.",
            )
        if self.api_key == "":
            raise APIError(401, "Invalid bearer token format in the Authorization header.")
        if self.api_key == self.state.knobs.bad_key:
            raise self.bad_key_error(self.api_key)

    def bad_key_error(self, key: str) -> APIError:
        return APIError(
            400,
            f"Incorrect API key provided: {masked_key(key)}. "
            "You can obtain an API key from https://console.x.ai.",
        )

    @property
    def key_sha(self) -> str:
        return key_hash(self.api_key) or "anonymous"

    def _rate_limit_headers(self) -> None:
        """Count the request against its key's limits and say what is left; 429 when enforced
        limits are used up (the answer then says when a slot frees)."""
        knobs = self.state.knobs
        verdict = self.state.rate_limits.admit(self.key_sha, knobs)
        headers = {
            "x-ratelimit-limit-requests": str(knobs.rate_limit_requests),
            "x-ratelimit-remaining-requests": str(verdict.remaining_requests),
            "x-ratelimit-limit-tokens": str(knobs.rate_limit_tokens),
            "x-ratelimit-remaining-tokens": str(verdict.remaining_tokens),
        }
        if not verdict.admitted:
            wait_ms = max(int(verdict.retry_after_s * 1000), 1)
            headers["retry-after-ms"] = str(wait_ms)
            headers["Retry-After"] = str(max(math.ceil(wait_ms / 1000), 1))
            if self.entry is not None:
                self.entry["retry_after_ms"] = wait_ms
            raise APIError(429, RATE_LIMITED, headers=headers)
        for name, value in headers.items():
            self.set_header(name, value)

    # --- bodies --------------------------------------------------------------------------------

    def json_body(self) -> Any:
        """The parsed JSON body; 415 without a JSON content type, 422 when it does not parse."""
        if self._json is not None:
            return self._json
        content_type = self.request.headers.get("Content-Type", "")
        if "json" not in content_type.lower():
            raise APIError(
                415,
                "Expected request with `Content-Type: application/json`",
            )
        try:
            self._json = json.loads(self.request.body or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise APIError(
                422,
                f"Failed to parse the request body as JSON: {exc}",
                plain=True,
            ) from None
        return self._json

    def json_object(self) -> dict[str, Any]:
        body = self.json_body()
        if not isinstance(body, dict):
            raise APIError(
                422,
                "Failed to deserialize the JSON body into the target type: "
                "invalid type: expected a JSON object",
                plain=True,
            )
        return body

    def reply(self, body: Any, status: int = 200) -> None:
        """Send a JSON answer, unless a ``commit_then_fail`` fault turns it into a failure."""
        if self.fault is not None and self.fault.kind == "commit_then_fail":
            if self.fault.params.get("then") == "reset":
                reset_connection(self)
            else:
                self.fail_with_status(self.fault, self.fault.int_param("status", 500))
            return
        self.set_status(status)
        self.finish(compact_json(body))

    async def send_answer(self, body: Any) -> None:
        """Send a model answer (non-stream); a ``trickle_body`` fault sends it in slow pieces."""
        fault = self.fault
        if fault is None or fault.kind != "trickle_body":
            self.reply(body)
            return
        data = compact_json(body).encode()
        piece = max(fault.int_param("chunk_bytes", 64), 1)
        interval = fault.float_param("interval", 0.1)
        cast(HTTP1Connection, self.request.connection).stream.set_nodelay(True)
        for start in range(0, len(data), piece):
            self.write(data[start : start + piece])
            await self.flush()
            await asyncio.sleep(interval)
        self.finish()

    # --- errors --------------------------------------------------------------------------------

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        # Recorded error answers (400 bad key, 400 unsupported parameter, 404 deprecated model)
        # carry no x-request-id, traceparent, rate-limit, metrics or data-retention headers.
        for name in SERVICE_HEADERS:
            self.clear_header(name)
        if isinstance(error, APIError):
            self.set_status(error.status)
            for name, value in error.headers.items():
                self.set_header(name, value)
            if error.plain:
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(error.message)
                return
            body = error.body()
        elif isinstance(error, tornado.web.HTTPError) and error.status_code == 405:
            body = APIError(405, f"Method {self.request.method} is not allowed here.").body()
        elif status_code == 404:
            body = APIError(404, _NO_ROUTE).body()
        else:
            body = APIError(status_code, message_for(status_code)).body()
        self.set_header("Content-Type", "application/json")
        self.finish(compact_json(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, APIError):
            return
        if isinstance(value, StreamClosedError):
            return
        super().log_exception(typ, value, tb)


#: The service's own headers (not Cloudflare's), none of which an error answer carries.
SERVICE_HEADERS = (
    "x-request-id",
    "traceparent",
    "x-trace-id",
    "x-envoy-upstream-service-time",
    "x-zero-data-retention",
    "x-data-retention",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-metrics-ttft-ms",
    "x-metrics-mean-itl-ms",
    "x-metrics-e2e-ms",
)

RATE_LIMITED = (
    "Too many requests: this key is over its requests or tokens per minute for the model. "
    "Slow down and retry after the time in retry-after-ms."
)

_NO_ROUTE = (
    "No handler found on route. Please double check your URL and consult "
    "https://api.x.ai/docs for more information."
)


class NotFoundHandler(BaseHandler):
    """Unknown routes: 404 with the service's wording, for any method."""

    requires_auth = False

    def _not_found(self) -> None:
        raise APIError(404, _NO_ROUTE)

    def get(self, *args: str) -> None:
        self._not_found()

    def post(self, *args: str) -> None:
        self._not_found()

    def delete(self, *args: str) -> None:
        self._not_found()

    def put(self, *args: str) -> None:
        self._not_found()

    def patch(self, *args: str) -> None:
        self._not_found()
