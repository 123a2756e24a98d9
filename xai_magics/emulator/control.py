"""``EmulatorControl``: the admin routes from Python, over plain HTTP (stdlib only).

Works against any running emulator, including one started with ``python -m xai_magics.emulator``
in another process, given its base URL.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any


class EmulatorControlError(RuntimeError):
    """The admin route refused the call; the message is the emulator's explanation."""


class EmulatorControl:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        root = base_url.rstrip("/")
        if root.endswith("/v1"):
            root = root[: -len("/v1")]
        self.admin_url = f"{root}/__emulator__"
        self.timeout = timeout

    def _call(self, method: str, route: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        # Only the http:// admin URL built in __init__ is ever opened here.
        url = f"{self.admin_url}/{route}"
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = json.loads(detail).get("error", detail)
            raise EmulatorControlError(f"{method} {route}: {exc.code} {detail}") from None

    def inject(
        self, kind: str, path: str, method: str = "POST", times: int = 1, **params: Any
    ) -> list[dict[str, Any]]:
        """Add a fault (see ``xai_magics.emulator.faults``); returns the faults now pending."""
        body = {"kind": kind, "path": path, "method": method, "times": times, **params}
        result: list[dict[str, Any]] = self._call("POST", "faults", body)["faults"]
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "faults")["faults"]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def log(self) -> list[dict[str, Any]]:
        """Every request received since the last reset, oldest first (keys as sha256 only)."""
        result: list[dict[str, Any]] = self._call("GET", "log")["requests"]
        return result

    def reset(self) -> dict[str, Any]:
        """Clear faults, log, stored responses, files and batches; restore the start knobs."""
        result: dict[str, Any] = self._call("POST", "reset", {})
        return result

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Change knobs (e.g. ``tokens_per_second=50``); returns all knobs."""
        result: dict[str, Any] = self._call("POST", "config", knobs)
        return result

    def knobs(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "config")
        return result

    def stats(self) -> dict[str, int]:
        """``open_connections`` (now, not counting this call's own) and ``connections_opened``
        (new connections that carried API calls since the last reset)."""
        result: dict[str, int] = self._call("GET", "stats")
        return result

    def open_connections(self) -> int:
        """Client connections the server holds open (not counting this call's own)."""
        return int(self.stats()["open_connections"])

    def connections_opened(self) -> int:
        """New client connections that carried API calls since the last reset."""
        return int(self.stats()["connections_opened"])

    def cancel_batch_by_xai(self, batch_id: str, message: str | None = None) -> dict[str, Any]:
        """Cancel a batch from the service side, setting ``cancel_by_xai_message``."""
        body = {} if message is None else {"message": message}
        result: dict[str, Any] = self._call("POST", f"batches/{batch_id}:cancel_by_xai", body)
        return result

    def close(self) -> None:
        """Nothing to release: each call opens and closes its own connection."""

    def __repr__(self) -> str:
        return f"<EmulatorControl {self.admin_url}>"
