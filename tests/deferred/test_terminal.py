"""``%%grok --deferred`` in terminal IPython: a line now, the answer on request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


def test_terminal_prints_the_waiting_line_then_the_answer_when_asked(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    emu.control.configure(deferred_seconds=0.5)
    emu.control.inject("answer", "/v1/chat/completions", text="Later **text** answer")
    script = (
        "ip = get_ipython()\n"
        "ip.run_line_magic('load_ext', 'xai_magics')\n"
        "ip.run_line_magic('config', 'DeferredMagics.poll_first = 0.1')\n"
        "ip.run_cell_magic('grok', '--deferred', 'Hello later')\n"
        "from xai_magics.deferred.store import open_store\n"
        "print('ID', open_store().records()[0].request_id)\n"
        "ip.run_line_magic('grok_deferred', open_store().records()[0].request_id + ' --wait')\n"
    )
    env = {**os.environ, **api_env, "XAI_MAGICS_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", script],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    waiting, _, rest = done.stdout.partition("\nID ")
    assert "appears here when ready" in waiting
    assert "Later **text** answer" not in waiting
    assert "Later **text** answer" in rest
    assert "[grok-4.3 · default tier ·" in rest
    assert "<" not in done.stdout  # no HTML in a terminal
