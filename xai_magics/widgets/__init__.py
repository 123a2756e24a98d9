"""anywidget widgets: the streaming answer view, batch progress, the audio player.

Imported on first use only: anywidget and ipywidgets cost import time that ``%load_ext`` should
not pay.
"""

from __future__ import annotations

from typing import Any

__all__ = ["StreamView"]


def __getattr__(name: str) -> Any:
    if name == "StreamView":
        from xai_magics.widgets.stream_view import StreamView

        return StreamView
    raise AttributeError(f"module 'xai_magics.widgets' has no attribute {name!r}")
