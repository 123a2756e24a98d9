"""Shared test helpers: a client on the emulator, quick settings, the emulator's add log and
what it billed for a batch's results."""

from __future__ import annotations

import collections
import hashlib
from typing import Any

import httpx

from xai_magics.batch import JobSettings
from xai_magics.client import XAIClient

FAST = JobSettings(poll_first_s=0.05, poll_max_s=0.2)


def client_for(api_env: dict[str, str]) -> XAIClient:
    return XAIClient(api_key=api_env["XAI_API_KEY"], base_url=api_env["XAI_BASE_URL"])


def committed_adds(emu: Any) -> collections.Counter[str]:
    """How many times each batch_request_id was added, from the emulator's own request log.

    An add counts when the server applied it: a 200, or a fault that commits before failing.
    """
    counts: collections.Counter[str] = collections.Counter()
    for entry in emu.control.log():
        if entry["method"] != "POST" or not entry["path"].endswith("/requests"):
            continue
        if entry["status"] != 200 and entry["fault"] != "commit_then_fail":
            continue
        for request in (entry["body"] or {}).get("batch_requests", []):
            counts[request["batch_request_id"]] += 1
    return counts


def billed_results(emu: Any, api_key: str, batch_id: str) -> dict[str, dict[str, Any]]:
    """Each request's ``usage`` as the emulator serves the batch's results, by request id."""
    page = httpx.get(
        f"{emu.base_url}/batches/{batch_id}/results",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {api_key}"},
    ).json()
    return {
        r["batch_request_id"]: r["batch_result"]["response"]["chat_get_completion"]["usage"]
        for r in page["results"]
    }


def creates(emu: Any) -> int:
    return sum(1 for e in emu.control.log() if e["method"] == "POST" and e["path"] == "/v1/batches")


def posts(emu: Any) -> int:
    """Calls that change something on the server (creates, adds, cancels)."""
    return sum(
        1 for e in emu.control.log() if e["method"] == "POST" and e["path"].startswith("/v1/")
    )


def network_calls(emu: Any) -> int:
    return sum(1 for e in emu.control.log() if e["path"].startswith("/v1/"))


def prompt_digest(prompt: str) -> str:
    """The digest the emulator writes into every answer, to tell rows apart."""
    return hashlib.sha256(prompt.encode()).hexdigest()[:8]
