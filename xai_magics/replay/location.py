"""Where a notebook's cassette goes by default: next to it, ``lesson.ipynb`` ->
``lesson.grok.jsonl``.

A kernel is not told which notebook it runs. What it can learn: VS Code puts the path in
``__vsc_ipynb_file__``, Jupyter Server (2.0 and later) in ``JPY_SESSION_NAME`` (relative to
the server's root, which is often the kernel's working directory) and ipykernel copies it into
``__session__``. Without any of them the cassette is ``notebook.grok.jsonl`` in the working
directory, and the magic says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["FALLBACK", "SUFFIX", "default_cassette", "notebook_path"]

SUFFIX = ".grok.jsonl"
FALLBACK = "notebook" + SUFFIX


def notebook_path(user_ns: Mapping[str, Any]) -> Path | None:
    """The running notebook's path, where the front end made it known."""
    for found in (
        user_ns.get("__vsc_ipynb_file__"),
        os.environ.get("JPY_SESSION_NAME"),
        user_ns.get("__session__"),
    ):
        if isinstance(found, str) and found.endswith(".ipynb"):
            path = Path(found).expanduser()
            if path.is_absolute() or path.exists():
                return path
            # relative to the server's root: the notebook's own directory is the usual cwd
            return Path(path.name)
    return None


def default_cassette(user_ns: Mapping[str, Any]) -> tuple[Path, bool]:
    """The cassette next to the notebook, and whether the notebook's path was known."""
    notebook = notebook_path(user_ns)
    if notebook is None:
        return Path(FALLBACK), False
    return notebook.with_name(notebook.stem + SUFFIX), True
