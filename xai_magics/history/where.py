"""Where a call was made: the notebook's path and the cell's id, when the front end says.

JupyterLab and Notebook 7 put the cell's id in the metadata of each ``execute_request``
(``cellId``); jupyter_server starts a notebook's kernel with ``JPY_SESSION_NAME`` set to the
notebook's path (ipykernel copies it to ``__session__``), and VS Code sets
``__vsc_ipynb_file__``. nbclient and terminals send neither: those calls have no notebook.
A notebook renamed after its kernel started keeps its old path here until the kernel restarts.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["cell_id", "notebook_path"]


def _shell() -> Any:
    # Not imported here: plain Python that never loaded IPython has no shell to ask.
    ipython: Any = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def cell_id(shell: Any = None) -> str | None:
    """The front end's id of the cell being run (also from worker threads of that cell)."""
    shell = shell if shell is not None else _shell()
    header: Any = getattr(shell, "parent_header", None)
    if not header:
        kernel = getattr(shell, "kernel", None)
        get_parent = getattr(kernel, "get_parent", None)
        header = get_parent() if callable(get_parent) else None
    metadata = header.get("metadata") if isinstance(header, dict) else None
    found = metadata.get("cellId") if isinstance(metadata, dict) else None
    return found if isinstance(found, str) and found else None


def notebook_path(shell: Any = None) -> str | None:
    """The notebook's path as the front end gave it, or None outside a notebook."""
    shell = shell if shell is not None else _shell()
    namespace = getattr(shell, "user_ns", None) or {}
    for name in ("__vsc_ipynb_file__", "__session__"):
        value = namespace.get(name)
        if isinstance(value, str) and value.endswith(".ipynb"):
            return value
    # Older servers put a session id here rather than a path: only a notebook's name counts.
    value = os.environ.get("JPY_SESSION_NAME", "")
    return value if value.endswith(".ipynb") else None
