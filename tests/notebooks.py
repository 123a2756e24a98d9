"""Executing the example notebooks in a real kernel, and reading what their cells printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbclient import NotebookClient


def execute(nb: Any, folder: Path, timeout: int = 180) -> None:
    """Run every cell of ``nb`` (in place) with ``folder`` as the working directory."""
    NotebookClient(
        nb, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(folder)}}
    ).execute()


def cell_text(cell: Any) -> str:
    """What a code cell printed and showed as plain text, in order."""
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)
