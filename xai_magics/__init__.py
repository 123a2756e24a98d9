"""xai-magics: the xAI Grok API, native in Jupyter.

``%load_ext xai_magics`` registers the magics. Heavy modules (the HTTP client, pydantic
schemas, widgets, DataFrame libraries) load on first use, so loading the extension stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xai_magics._version import __version__

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register the ``%grok`` family of magics with IPython."""
    from xai_magics.magics import register

    register(ipython)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """Nothing to undo beyond what IPython does itself; present so ``%reload_ext`` works."""


def __getattr__(name: str) -> Any:
    # The public Python API, resolved lazily so that ``import xai_magics`` stays fast.
    if name == "Grok":
        from xai_magics.api import Grok

        return Grok
    raise AttributeError(f"module 'xai_magics' has no attribute {name!r}")
