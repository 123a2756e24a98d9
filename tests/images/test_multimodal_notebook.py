"""examples/multimodal.ipynb, executed end to end by nbclient in a real kernel against the
emulator: a chart question, a batch over image paths, generated and edited pictures."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.notebooks import cell_text, run_example

pytestmark = pytest.mark.kernel
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "multimodal.ipynb"


def _pictures(cell: Any) -> list[bytes]:
    return [
        base64.b64decode(o.data["image/png"])
        for o in cell.outputs
        if "data" in o and "image/png" in o.data
    ]


def test_multimodal_notebook_runs_end_to_end(
    emu: Any, api_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path / "jobs"))
    code = run_example(NOTEBOOK, tmp_path)
    by_start = {c.source.split("\n")[0]: c for c in code}
    dry = cell_text(by_start["%%grok --dry-run"])
    assert "<image/png" in dry
    assert "400×240" in dry
    assert "iVBOR" not in dry
    answer = cell_text(by_start["%%grok --detail high -o chart_answer"])
    assert "a PNG of 400×240 pixels" in answer
    batch = cell_text(next(c for c in code if "--image-column" in c.source))
    assert batch.count(" ok ") == 3
    assert "No image file at 'charts/east.png'" in batch
    generated = by_start["%grok_image -n 2 -o lighthouses a lighthouse at dusk, watercolour"]
    assert len(_pictures(generated)) == 2
    assert "grok-imagine-image · 2 images · $0.0400" in cell_text(generated)
    edited = next(c for c in code if c.source.startswith("%grok_image --edit"))
    (picture,) = _pictures(edited)
    assert picture[16:24] == (400).to_bytes(4, "big") + (240).to_bytes(4, "big")
    assert "grok-imagine-image" in cell_text(by_start["%grok_usage"])
    searched = cell_text(by_start["%%grok --search web,x"])
    assert "1 web search" in searched
    tooled = cell_text(by_start["%%grok --tools get_weather"])
    assert "[Tools: 1 function call]" in tooled
    sent = [json.dumps(e["body"]) for e in emu.control.log() if e["path"] == "/v1/responses"]
    # the function ran on the emulator's simulated arguments, and its result went back
    assert any("and sunny in simulated city" in body for body in sent)
