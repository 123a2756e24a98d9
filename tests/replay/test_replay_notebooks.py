"""Whole notebooks under nbclient: recorded against the emulator, then executed in play mode
with the emulator stopped and no key. Every cell shows the same answer; one changed cell is
the clear one-line miss. And ``examples/replay.ipynb``: record, restart, play."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.magics.kernel_harness import CANARY_KEY, assert_inert_html
from tests.notebooks import execute
from tests.replay.test_cassette_client import DEAD_URL
from xai_magics.emulator import Emulator

pytestmark = pytest.mark.kernel

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "replay.ipynb"
CELLS = [
    "%load_ext xai_magics",
    "%%grok\nWhat is a <b>cassette</b>?",
    "%%grok --no-stream --api chat\nA chat answer, not streamed",
    "%%grok -f json\nReturn a JSON object with two keys",
    "%%grok --compare grok-4.3,grok-3-mini\nCompare the two models",
    "%%grok --thread lab\nStart a thread",
    "%%grok --thread lab\nAnd continue it",
    "clip = %grok_tts --codec pcm --sample-rate 8000 A spoken answer\n"
    "import hashlib\n"
    "hashlib.sha256(clip.audio).hexdigest()",
]


#: a receipt line or comparison row: it holds timings (and says "replayed" when played)
TIMED = re.compile(r"\d\\?\.\d\d s\b")


def shown(cell: Any) -> list[str]:
    """What a reader sees of a cell, without receipt lines (their timings and wording differ)."""
    texts = []
    for out in cell.outputs:
        if out.output_type in ("display_data", "execute_result"):
            text = out.data.get("text/markdown") or out.data.get("text/plain", "")
        elif out.output_type == "stream":
            text = out.text
        else:
            text = out.get("evalue", "")
        text = re.sub(r" object at 0x[0-9a-f]+", "", text)  # the audio player's repr
        if text.startswith("asked "):  # a comparison: its table's widths follow the receipts
            text = text.split("\n\n", 1)[1]
        texts.append("\n".join(ln for ln in text.splitlines() if not TIMED.search(ln)))
    return texts


def shown_exactly(cell: Any) -> list[Any]:
    """Every output's data (or text) as saved; metadata holds the time of the call."""
    return [out.get("data", out.get("text")) for out in cell.outputs]


def errors_of(cell: Any) -> str:
    return "".join(
        o.get("text", "") + o.get("evalue", "")
        for o in cell.outputs
        if o.output_type == "error" or o.get("name") == "stderr"
    )


def test_notebook_replays_with_the_emulator_stopped_and_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = tmp_path / "report.grok.jsonl"
    emulator = Emulator(port=0).start()
    try:
        monkeypatch.setenv("XAI_API_KEY", CANARY_KEY)
        monkeypatch.setenv("XAI_BASE_URL", emulator.base_url)
        monkeypatch.setenv("XAI_MAGICS_REPLAY", f"record:{cassette}")
        cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
        live = execute(nbformat.v4.new_notebook(cells=cells), tmp_path)
    finally:
        emulator.stop()
    assert CANARY_KEY not in cassette.read_text()

    monkeypatch.delenv("XAI_API_KEY")
    monkeypatch.setenv("XAI_BASE_URL", emulator.base_url)  # stopped: nothing answers there
    monkeypatch.setenv("XAI_MAGICS_REPLAY", f"play-instant:{cassette}")
    cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    played = execute(nbformat.v4.new_notebook(cells=cells), tmp_path)
    for before, after in zip(live.cells[1:], played.cells[1:], strict=True):
        assert shown(after) == shown(before), after.source
        assert not errors_of(after), after.source
    assert "playing" in errors_of(played.cells[0])  # the load said which mode it started
    for cell in played.cells[1:-1]:
        html = [o.data["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
        for page in html:
            assert_inert_html(page)

    # played again: what every output shows (receipts and their timings included) repeats
    again = execute(nbformat.v4.new_notebook(cells=cells), tmp_path)
    for first, second in zip(played.cells[1:-1], again.cells[1:-1], strict=True):
        assert shown_exactly(second) == shown_exactly(first), second.source

    changed = [*CELLS]
    changed[1] = "%%grok\nWhat is a <b>cassette</b> player?"
    cells = [nbformat.v4.new_code_cell(src) for src in changed]
    missed = execute(nbformat.v4.new_notebook(cells=cells), tmp_path, allow_errors=True)
    error = errors_of(missed.cells[1])
    assert error.count("\n") <= 1
    assert "no recorded answer in report.grok.jsonl" in error
    assert "closest recorded: POST /v1/responses (grok-4.3, “What is a <b>cassette</b>?”)" in error
    assert "Traceback" not in error
    assert shown(missed.cells[2]) == shown(live.cells[2])


def tagged(nb: Any, tag: str) -> Any:
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    return nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)


def test_example_records_restarts_and_plays(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = nbformat.read(EXAMPLE, as_version=4)
    recorded = execute(tagged(example, "record"), tmp_path)
    assert (tmp_path / "replay.grok.jsonl").exists()
    asked = [c for c in recorded.cells if c.cell_type == "code" and "%%grok" in c.source]

    # the restart: a fresh kernel, with no key and nothing listening at the base URL
    monkeypatch.delenv("XAI_API_KEY")
    monkeypatch.setenv("XAI_BASE_URL", DEAD_URL)
    played = execute(tagged(example, "play"), tmp_path)
    answers = [c for c in played.cells if c.cell_type == "code" and "%%grok" in c.source]
    *replayed, miss = answers
    for before, after in zip(asked, replayed, strict=True):
        assert after.source == before.source
        assert shown(after) == shown(before), after.source
    assert "no recorded answer in replay.grok.jsonl" in errors_of(miss)
    assert "closest recorded" in errors_of(miss)
    code = [c for c in played.cells if c.cell_type == "code"]
    usage = next(c for c in code if c.source == "%grok_usage")
    assert "grok-4.3 (replayed)" in str(usage.outputs)
    status = next(c for c in code if c.source == "%grok_replay status")
    assert "3 hits, 1 miss" in status.outputs[0]["text"]
