"""Notebooks executed end to end by nbclient against the emulator: the quickstart, and a
notebook that tries every way a key leaks into a saved file."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from tests.notebooks import execute

from .kernel_harness import CANARY_KEY, assert_inert_html

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.ipynb"


def grok_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%grok")]


def test_quickstart_runs_end_to_end(api_env: dict[str, str], emu: Emulator, tmp_path: Path) -> None:
    nb = execute(nbformat.read(QUICKSTART, as_version=4), QUICKSTART.parent)
    for cell in grok_cells(nb):
        displays = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
        assert len(displays) == 1, (cell.source, cell.outputs)
        data = displays[0]["data"]
        assert "application/vnd.jupyter.widget-view+json" not in data, cell.source
        assert_inert_html(data["text/html"])
        assert not [o for o in cell.outputs if o.output_type == "error"]
    streamed = [c for c in grok_cells(nb) if "--dry-run" not in c.source]
    assert all(
        "receipt" in str(c.outputs[-1].get("metadata", {})) or "compare" in c.source
        for c in streamed
    )
    # headless, only the first answer tries a widget; the rest stream as text (no widget state)
    states = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    views = [m for m in states.get("state", {}).values() if m["model_name"] == "AnyModel"]
    assert len(views) <= 1
    # every call the notebook made reached the emulator (none went anywhere else)
    paths = {r["path"] for r in emu.control.log()}
    assert "/v1/responses" in paths
    assert "/v1/chat/completions" not in paths  # the chat example is a dry run


LEAK_CELLS = [
    "%xmode Verbose",
    "import logging\n"
    "logging.basicConfig(level=logging.DEBUG)\n"
    "for name in ('xai_magics', 'httpx', 'httpcore'):\n"
    "    logging.getLogger(name).setLevel(logging.DEBUG)",
    "%load_ext xai_magics",
    "%%grok -o ok\nHello",
    "%%grok --dry-run\nShow me the request",
    "from xai_magics.emulator import EmulatorControl\n"
    "import os\n"
    "control = EmulatorControl(os.environ['XAI_BASE_URL'].rsplit('/v1', 1)[0])",
    "control.inject('status', '/v1/responses', status=500, times=3)\n",
    "%%grok -o failed\nThis one fails after retries",
    "control.inject('reset_mid_stream', '/v1/responses', after_events=10)",
    "%%grok\nThis one is cut",
    "import os\nos.environ['XAI_API_KEY'] = 'xai-bad-key'",
    "%%grok\nRejected key",
    "os.environ['XAI_API_KEY'] = saved_key",
    "from xai_magics import Grok\ng = Grok()\nclient = g.client()\nr = g.ask('x')\n"
    "local_result = r\n1 / 0  # a Verbose traceback prints every local of this frame",
    "print(repr(g), repr(client), repr(r), repr(ok))",
    "%grok_usage",
]


def test_canary_key_never_reaches_the_saved_notebook(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", CANARY_KEY)
    cells = [nbformat.v4.new_code_cell("import os\nsaved_key = os.environ['XAI_API_KEY']")]
    cells += [nbformat.v4.new_code_cell(src) for src in LEAK_CELLS]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb = execute(nb, tmp_path, allow_errors=True)
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text()
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert [e["ename"] for e in errors] == ["ZeroDivisionError"]
    stderr = "".join(o["text"] for c in nb.cells for o in c.outputs if o.get("name") == "stderr")
    assert stderr.count("UsageError:") == 3  # failed after retries, cut off, rejected key
    assert "XAI_API_KEY was rejected" in stderr or "XAI_API_KEY" in stderr
    assert "local_result" in saved  # the Verbose traceback did print locals
    for form in (
        CANARY_KEY,
        CANARY_KEY[4:20],
        base64.b64encode(CANARY_KEY.encode()).decode()[:24],
        urllib.parse.quote(CANARY_KEY),
        json.dumps(CANARY_KEY)[1:-1],
    ):
        assert form not in saved, form
    assert all(CANARY_KEY not in json.dumps(r) for r in emu.control.log())
