"""Executing notebooks in a real kernel, and reading what their cells printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbclient import NotebookClient


def execute(nb: Any, folder: Path, timeout: int = 180, *, allow_errors: bool = False) -> Any:
    """Run every cell of ``nb`` (in place, and returned) with ``folder`` as the working
    directory; a cell that raises stops the run unless ``allow_errors``."""
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return nb


def cell_text(cell: Any) -> str:
    """What a code cell printed and showed as plain text, in order."""
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


def run_example(path: Path, folder: Path) -> list[Any]:
    """Run an example notebook end to end; its code cells, each checked to have no error."""
    import nbformat

    nb = execute(nbformat.read(path, as_version=4), folder)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    return code
