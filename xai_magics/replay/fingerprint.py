"""Which recorded exchange answers a request: a canonical form of the request, and its digest.

Two requests match when they ask the same thing: method, path, query, and the body's model,
input and options. What changes from run to run without changing the question is left out:
prompt cache keys, the previous response's id, end-user ids, the multipart boundary, the nonce
in a batch's name, and every header (auth, ``x-grok-conv-id``, user agent). The canonical
form is kept in the cassette next to its digest, so a miss can say which recorded request came
closest and what differs.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = ["Canonical", "canonical", "closest", "difference"]

#: body fields that differ between runs of the same question
IGNORED_FIELDS = frozenset({"prompt_cache_key", "previous_response_id", "user", "request_id"})
_BOUNDARY = re.compile(rb"boundary=([^\s;]+)")
#: a batch's name ends with ``[xm:<fingerprint>:<nonce>]``; the nonce is new each run
_BATCH_NONCE = re.compile(r"(\[xm:[0-9a-f]+:)[^\]]*\]$")
_MAX_SHOWN = 60


@dataclass(frozen=True)
class Canonical:
    """A request reduced to what identifies the question; ``digest`` is its fingerprint."""

    method: str
    path: str
    query: dict[str, str]
    body: Any

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query, "body": self.body}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Canonical:
        query = doc.get("query") or {}
        if not isinstance(doc.get("method"), str) or not isinstance(doc.get("path"), str):
            raise ValueError("request without method and path")
        if not isinstance(query, dict):
            raise ValueError("request query is not an object")
        return cls(
            doc["method"], doc["path"], {str(k): str(v) for k, v in query.items()}, doc.get("body")
        )

    @property
    def digest(self) -> str:
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def describe(self) -> str:
        """One short phrase naming the request: "POST /v1/responses (grok-4.3, “Hello…”)"."""
        about = []
        if isinstance(self.body, dict):
            if isinstance(self.body.get("model"), str):
                about.append(self.body["model"])
            prompt = _prompt_of(self.body)
            if prompt:
                about.append(f"“{_short(prompt)}”")
        tail = f" ({', '.join(about)})" if about else ""
        return f"{self.method} {self.path}{tail}"


def canonical(request: httpx.Request) -> Canonical:
    """The canonical form of an outgoing request."""
    query = dict(sorted(request.url.params.items()))
    return Canonical(request.method, request.url.path, query, _body(request))


def _body(request: httpx.Request) -> Any:
    content = request.read()  # a multipart upload streams; read, it is still sent as is
    if not content:
        return None
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            doc = json.loads(content)
        except ValueError:
            return {"sha256": hashlib.sha256(content).hexdigest()}
        if isinstance(doc, dict):
            body = {k: v for k, v in doc.items() if k not in IGNORED_FIELDS}
            if isinstance(body.get("name"), str):
                body["name"] = _BATCH_NONCE.sub(r"\1*]", body["name"])
            return body
        return doc
    match = _BOUNDARY.search(kind.encode())
    if match is not None:
        content = content.replace(match.group(1), b"BOUNDARY")
    return {"sha256": hashlib.sha256(content).hexdigest()}


def closest(wanted: Canonical, recorded: Iterable[Canonical]) -> Canonical | None:
    """The recorded request most like ``wanted``: same path first, then the fewest fields
    that differ, then the most similar text."""
    text = _text(wanted)
    best: tuple[tuple[int, int, float], Canonical] | None = None
    for candidate in recorded:
        score = (
            0 if candidate.path == wanted.path else 1,
            len(_differences(wanted, candidate)),
            -difflib.SequenceMatcher(None, text, _text(candidate)).ratio(),
        )
        if best is None or score < best[0]:
            best = (score, candidate)
    return None if best is None else best[1]


def _text(request: Canonical) -> str:
    return json.dumps(request.body, sort_keys=True, ensure_ascii=False)


def difference(wanted: Canonical, recorded: Canonical) -> str:
    """What differs, in a few words: "input differs (“Hi…” vs “Hello…”), temperature 0.2 vs 0.7"."""
    changes = _differences(wanted, recorded)
    return ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")


def _differences(a: Canonical, b: Canonical) -> list[str]:
    changes = []
    if a.method != b.method or a.path != b.path:
        changes.append(f"{a.method} {a.path} vs {b.method} {b.path}")
    if a.query != b.query:
        changes.append("query differs")
    left = a.body if isinstance(a.body, dict) else {"body": a.body}
    right = b.body if isinstance(b.body, dict) else {"body": b.body}
    for key in sorted(set(left) | set(right)):
        if key not in right:
            changes.append(f"{key} {_shown(left[key])} (none recorded)")
        elif key not in left:
            changes.append(f"no {key} (recorded: {_shown(right[key])})")
        elif left[key] != right[key]:
            changes.append(f"{key} {_shown(left[key])} vs {_shown(right[key])}")
    return changes


def _prompt_of(body: Mapping[str, Any]) -> str:
    """The last user text of a Responses ``input`` or chat ``messages``."""
    turns = body.get("input", body.get("messages"))
    if isinstance(turns, str):
        return turns
    if isinstance(turns, list):
        for turn in reversed(turns):
            if isinstance(turn, dict) and turn.get("role") == "user":
                content = turn.get("content")
                return content if isinstance(content, str) else json.dumps(content)
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, (list, dict)):
        prompt = _prompt_of({"input": value}) if isinstance(value, list) else ""
        return f"“{_short(prompt)}”" if prompt else _short(json.dumps(value, ensure_ascii=False))
    return _short(json.dumps(value, ensure_ascii=False))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
