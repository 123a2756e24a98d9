"""The ``%grok`` family of magics, registered by ``%load_ext xai_magics``."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["register"]


def register(ipython: Any) -> None:
    """Register every magic class that is installed; each is independent of the others."""
    from xai_magics.magics.deferred import DeferredMagics
    from xai_magics.magics.grok import GrokMagics
    from xai_magics.magics.session import SessionMagics

    grok = GrokMagics(shell=ipython)
    instances: list[Any] = [grok, SessionMagics(shell=ipython, sessions=grok.sessions)]
    instances.append(DeferredMagics(shell=ipython, sessions=grok.sessions))
    for module, name in (
        ("batch", "BatchMagics"),
        ("tts", "TTSMagics"),
        ("history", "HistoryMagics"),
        ("replay", "ReplayMagics"),
        ("images", "ImageMagics"),
        ("eval", "EvalMagics"),
    ):
        try:
            cls = getattr(importlib.import_module(f"xai_magics.magics.{module}"), name)
        except ImportError:
            continue  # an optional part that is not installed must not break %load_ext
        instances.append(cls(shell=ipython))
    names = {type(m).__name__ for m in instances}
    # %config finds configurables here; a %reload_ext must not leave the old instances behind.
    ipython.configurables[:] = [c for c in ipython.configurables if type(c).__name__ not in names]
    for magics in instances:
        ipython.register_magics(magics)
        ipython.configurables.append(magics)
    from xai_magics.magics.completion import install as complete_options
    from xai_magics.magics.questions import install as keep_question_marks

    keep_question_marks(ipython)
    complete_options(ipython)
