"""Recorded xAI exchanges as replayable interactions, and the structure of an HTTP answer.

Three sources record the request as well as the answer: the ruby_llm VCR cassettes (full HTTP, in
order within a cassette), the req_llm fixtures and the ``misc`` curl transcripts (request body and
answer body, no headers). vercel-ai and prism-php hold answer bodies only, so they cannot be
replayed; the client's parsing tests read them instead.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.client.recordings import files, rubyllm_interactions
from xai_magics.emulator.base import SERVICE_HEADERS

#: The headers the API itself sets (the rest are Cloudflare's: cf-ray, set-cookie, server, ...).
API_HEADERS = ("content-type", "cache-control", *SERVICE_HEADERS)


@dataclass
class Exchange:
    """One HTTP request and its answer, recorded or ours."""

    method: str
    path: str  # path and query, without the host
    request_type: str
    request_body: bytes
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    #: where it came from, for ids: (source file, index of the interaction in that file)
    origin: tuple[str, int] = ("", 0)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def rejected_key(self) -> bool:
        return self.status == 400 and b"Incorrect API key" in self.body


def _headers(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (raw or {}).items():
        out[str(name).lower()] = str(value[0] if isinstance(value, list) and value else value)
    return out


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value).encode()
    return str(value).encode()


def _path(url: str) -> str:
    return re.sub(r"^https://api\.x\.ai", "", url)


def rubyllm() -> dict[str, list[Exchange]]:
    """Cassette -> its api.x.ai exchanges, in recorded order."""
    out: dict[str, list[Exchange]] = {}
    for key, interaction in rubyllm_interactions():
        cassette, _, index = key.rpartition("#")
        request, response = interaction["request"], interaction["response"]
        assert isinstance(request, dict)
        assert isinstance(response, dict)
        req_headers = _headers(request.get("headers"))
        out.setdefault(cassette, []).append(
            Exchange(
                method=str(request["method"]).upper(),
                path=_path(str(request["uri"])),
                request_type=req_headers.get("content-type", ""),
                request_body=_bytes((request.get("body") or {}).get("string")),
                status=int(response["status"]["code"]),
                headers=_headers(response.get("headers")),
                body=_bytes((response.get("body") or {}).get("string")),
                origin=(cassette, int(index)),
            )
        )
    return out


def req_llm() -> dict[str, list[Exchange]]:
    """Fixture -> its one exchange (streams joined back from the recorded network reads)."""
    out: dict[str, list[Exchange]] = {}
    for path in files("req_llm/*.json"):
        doc = json.loads(path.read_text("utf-8"))
        request, response = doc["request"], doc["response"]
        chunks = doc.get("chunks") or []
        body = b"".join(base64.b64decode(c["b64"]) for c in chunks) if chunks else None
        req_headers = _headers(request.get("headers"))
        name = f"req_llm/{path.stem}"
        out[name] = [
            Exchange(
                method=str(request["method"]).upper(),
                path=_path(str(request["url"])),
                request_type=req_headers.get("content-type", ""),
                request_body=base64.b64decode(request["body"]["b64"]),
                status=int(response["status"]),
                headers=_headers(response.get("headers")),
                body=body if body is not None else _bytes(response.get("body")),
                origin=(name, 0),
            )
        ]
    return out


_CURL_URL = re.compile(r"curl (https://api\.x\.ai\S+)")
_CURL_BODY = re.compile(r"-d '(\{.*?\})'", re.DOTALL)


def misc() -> dict[str, list[Exchange]]:
    """The curl transcripts: the ``-d`` body, then the pasted answer (JSON or SSE lines)."""
    out: dict[str, list[Exchange]] = {}
    for path in [*files("misc/*.md"), *files("misc/*.txt")]:
        text = path.read_text("utf-8")
        url, body = _CURL_URL.search(text), _CURL_BODY.search(text)
        if url is None or body is None:
            continue
        answer = text[body.end() :].replace("```bash", "").replace("```", "")
        stream = "data: " in answer
        if stream:
            lines = [ln for ln in answer.splitlines() if ln.startswith("data: ")]
            payload = "".join(f"{ln}\n\n" for ln in lines).encode()
        else:
            start = answer.index("{")
            payload = json.dumps(json.JSONDecoder().raw_decode(answer[start:])[0]).encode()
        name = f"misc/{path.name.split('__curl')[0]}"
        out[name] = [
            Exchange(
                method="POST",
                path=_path(url.group(1)),
                request_type="application/json",
                request_body=body.group(1).encode(),
                status=200,
                headers={"content-type": "text/event-stream" if stream else "application/json"},
                body=payload,
                origin=(name, 0),
                extra={"no_headers": True},
            )
        ]
    return out


def recorded_exchanges() -> dict[str, list[Exchange]]:
    return {**rubyllm(), **req_llm(), **misc()}


# --- structure ------------------------------------------------------------------------------


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _item_label(item: Any) -> str:
    """How list items are matched up: by their ``type`` (or ``object``), else by position 0."""
    if isinstance(item, dict):
        for key in ("type", "object"):
            if isinstance(item.get(key), str):
                return f"[{key}={item[key]}]"
    return "[]"


def differences(recorded: Any, ours: Any, path: str = "") -> list[tuple[str, str]]:
    """(difference id, detail) for every structural difference between two JSON values.

    Ids read ``<path> +ours`` (a key only we send), ``<path> -ours`` (a recorded key we lack)
    or ``<path> type``. List items are compared by their ``type``: every kind of item the
    recording has must be in ours, with the same structure.
    """
    where = path or "$"
    if kind(recorded) != kind(ours):
        return [(f"{where} type", f"recorded {kind(recorded)}, ours {kind(ours)}")]
    out: list[tuple[str, str]] = []
    if isinstance(recorded, dict):
        for key in recorded.keys() - ours.keys():
            out.append((f"{path}.{key}".lstrip(".") + " -ours", "recorded only"))
        for key in ours.keys() - recorded.keys():
            out.append((f"{path}.{key}".lstrip(".") + " +ours", "ours only"))
        for key in recorded.keys() & ours.keys():
            out += differences(recorded[key], ours[key], f"{path}.{key}".lstrip("."))
    elif isinstance(recorded, list) and recorded and ours:
        theirs_by: dict[str, Any] = {}
        ours_by: dict[str, Any] = {}
        for item in recorded:
            theirs_by.setdefault(_item_label(item), item)
        for item in ours:
            ours_by.setdefault(_item_label(item), item)
        for label, item in theirs_by.items():
            if label not in ours_by:
                out.append((f"{path}{label} -ours", "recorded item kind missing"))
            else:
                out += differences(item, ours_by[label], f"{path}{label}")
        for label in ours_by.keys() - theirs_by.keys():
            out.append((f"{path}{label} +ours", "item kind only in ours"))
    elif isinstance(recorded, list) and bool(recorded) != bool(ours):
        out.append((f"{where} emptiness", f"recorded {len(recorded)} items, ours {len(ours)}"))
    return out


def sse_events(body: bytes) -> list[tuple[str, Any]]:
    """(name, payload) per SSE event: the ``event:`` name, else the payload's ``type``, else a
    chat chunk's kind (reasoning, content, tool_calls, finish, usage or done)."""
    out: list[tuple[str, Any]] = []
    for block in body.decode("utf-8").replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name, data = "", ""
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data += line[len("data:") :].strip()
        if data == "[DONE]":
            out.append(("[DONE]", None))
            continue
        payload = json.loads(data)
        out.append((name or str(payload.get("type") or chunk_kind(payload)), payload))
    return out


def chunk_kind(chunk: dict[str, Any]) -> str:
    choices = chunk.get("choices")
    if not choices:
        return "chunk:usage" if "usage" in chunk else "chunk:error"
    choice = choices[0]
    if choice.get("finish_reason"):
        return "chunk:finish"
    delta = choice.get("delta") or {}
    for part in ("tool_calls", "reasoning_content", "content"):
        if part in delta:
            return f"chunk:{part}"
    return "chunk:empty"


def collapsed(names: list[str]) -> list[str]:
    """Event names with runs of the same name folded into one."""
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out
