"""What JupyterLab really tells a kernel, as the history records it: the notebook's path (from
the session, ``JPY_SESSION_NAME``) and the cell's id (``cellId`` in each request's metadata)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from lab_harness import LabPage, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


def test_history_records_the_notebook_path_and_the_cell_id_lab_sends(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    write_notebook(
        notebook_dir / "remember.ipynb",
        ["%load_ext xai_magics", "%%grok --thread lab\nMy name is Ada."],
    )
    lab.open_notebook("remember.ipynb")
    lab.run_all()
    lab.kernel_run("get_ipython().run_line_magic('grok_history', '--notebook -o _h')")
    recorded = lab.kernel_value("[_h.notebook[0], _h.cell_id[0], _h.thread[0], len(_h)]")
    saved_id = nbformat.read(notebook_dir / "remember.ipynb", as_version=4).cells[1].id
    assert recorded == [str(notebook_dir / "remember.ipynb"), saved_id, "lab", 1]
