"""anywidget widgets: the streaming answer view, batch progress, the audio player.

Imported on first use only: anywidget and ipywidgets cost import time that ``%load_ext`` should
not pay.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AudioPlayer", "StreamView"]


def __getattr__(name: str) -> Any:
    if name == "StreamView":
        from xai_magics.widgets.stream_view import StreamView

        return StreamView
    if name == "AudioPlayer":
        from xai_magics.widgets.audio_player import AudioPlayer

        return AudioPlayer
    raise AttributeError(f"module 'xai_magics.widgets' has no attribute {name!r}")
