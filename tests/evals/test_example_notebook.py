"""examples/evals.ipynb, executed end to end by nbclient in a real kernel against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.notebooks import cell_text, run_example

pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOK = ROOT / "examples" / "evals.ipynb"


def test_evals_notebook_runs_end_to_end(
    emu: Any, api_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path))
    code = run_example(NOTEBOOK, tmp_path)
    dry, first, rerun, changed, repeated = (cell_text(c) for c in code if "%grok_eval" in c.source)
    assert "4 variants x 30 rows x 1 repeat = 120 requests. Nothing was sent." in dry
    assert "4 jobs: 4 sent, 0 already answered" in first
    assert "4 jobs: 0 sent, 4 already answered" in rerun
    assert "4 jobs: 2 sent, 2 already answered" in changed
    assert "3 jobs: 3 sent, 0 already answered" in repeated
    assert "latency_p50_s" in repeated
    python_api = cell_text(code[-1])
    assert "grok-4.3 · terse" in python_api
    log = emu.control.log()
    # the dry run, the re-run and the Python API sent nothing: 4 batches, then 2 changed ones
    assert sum(1 for e in log if e["method"] == "POST" and e["path"] == "/v1/batches") == 6
    adds = [
        r
        for e in log
        if e["method"] == "POST" and e["path"].endswith("/requests")
        for r in e["body"]["batch_requests"]
    ]
    assert len(adds) == 6 * 30
    assert sum(1 for e in log if e["path"] == "/v1/chat/completions") == 3 * 30
