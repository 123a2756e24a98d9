"""Recorded real xAI traffic under ``../shared/xai-recordings`` (relative to the repo root).

Tests that need it skip, with the reason, when the folder is absent.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "xai-recordings"
MISSING = f"recorded xAI traffic not found at {ROOT} (shared/xai-recordings is outside the repo)"


def require() -> Path:
    if not ROOT.is_dir():
        pytest.skip(MISSING)
    return ROOT


def files(pattern: str) -> list[Path]:
    """Recording files matching ``pattern`` (empty when the folder is absent)."""
    return sorted(ROOT.glob(pattern)) if ROOT.is_dir() else []


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def sse_from_chunks_txt(path: Path) -> bytes:
    """Rebuild an SSE body from a vercel ``*.chunks.txt`` (one ``data:`` payload per line).

    Responses events get their ``event:`` line back (named by the payload's ``type``) and chat
    streams their ``[DONE]``, as the live service sends them.
    """
    out: list[str] = []
    lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    for line in lines:
        kind = json.loads(line).get("type")
        out.append((f"event: {kind}\n" if kind else "") + f"data: {line}\n\n")
    if lines and "chat.completion.chunk" in lines[0]:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode("utf-8")


def network_reads(path: Path) -> list[bytes]:
    """The raw reads, in order, from a req_llm streaming fixture (``chunks[].b64``)."""
    doc = json.loads(path.read_text("utf-8"))
    return [base64.b64decode(c["b64"]) for c in doc.get("chunks") or []]


def rubyllm_interactions() -> list[tuple[str, dict[str, object]]]:
    """(id, interaction) for every api.x.ai interaction in the ruby_llm VCR cassettes.

    Needs PyYAML; returns nothing without it (callers skip with the reason).
    """
    try:
        import yaml
    except ImportError:
        return []

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor(
        "!binary", lambda loader, node: base64.b64decode(loader.construct_scalar(node))
    )
    out: list[tuple[str, dict[str, object]]] = []
    for path in files("rubyllm/*/*.yml"):
        doc = yaml.load(path.read_text("utf-8"), Loader=Loader)
        for i, interaction in enumerate(doc.get("http_interactions") or []):
            if "api.x.ai" in interaction["request"]["uri"]:
                out.append((f"{path.parent.name}/{path.stem}#{i}", interaction))
    return out
