"""``%grok_eval`` run by nbclient, as nbconvert runs it: with no widget state kept, each job's
progress bar is saved as its plain text, which says how the job ended, not how it started."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebooks import execute

pytestmark = pytest.mark.kernel

WIDGET = "application/vnd.jupyter.widget-view+json"
SETUP = """
%load_ext xai_magics
import pandas as pd
quiz = pd.DataFrame({"a": [11 + 3 * i for i in range(6)], "b": [5 + 7 * i for i in range(6)]})
quiz["total"] = quiz.a + quiz.b
"""
CELL = (
    '%grok_eval quiz --prompt "What is {a} + {b}?" --expected total --grader number '
    "--models grok-4.3,grok-4.20-0309-non-reasoning"
)


def _progress_texts(cell: Any) -> list[str]:
    """The plain-text form of each progress widget the cell showed."""
    return [o.data["text/plain"] for o in cell.outputs if WIDGET in o.get("data", {})]


def test_saved_progress_text_says_how_each_batch_and_now_job_ended(
    emu: Any, api_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MAGICS_DATA_DIR", str(tmp_path))
    cells = [SETUP, CELL, CELL + " --now", CELL]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(nb, tmp_path)
    batch, now, rerun = nb.cells[1:]
    models = ("grok-4.3", "grok-4.20-0309-non-reasoning")
    for cell, suffix in ((batch, ""), (now, ".now")):
        texts = sorted(_progress_texts(cell), reverse=True)
        assert len(texts) == len(models), texts  # one per model
        for model, text in zip(models, texts, strict=True):
            assert text.startswith(f"eval quiz · {model} · default · r0 · "), text
            assert f"{suffix}: " in text
            assert "6/6 done" in text, text
            assert "6 succeeded" in text, text
            assert "sending requests" not in text, text
    assert "0 pending" in _progress_texts(now)[0]
    # attached to the answered jobs: nothing to follow, no progress shown
    assert _progress_texts(rerun) == []
