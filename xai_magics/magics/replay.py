"""``%grok_replay``: record a notebook's calls into a cassette, and play them back offline.

Thin: the options go to ``xai_magics.replay``, which sits in front of the network for every
magic at once. ``XAI_MAGICS_REPLAY=play:PATH`` in the kernel's environment (or
``c.ReplayMagics.start = "play:PATH"`` in an IPython profile) turns play mode on when the
extension loads, for notebooks executed by nbclient or nbconvert.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from traitlets import Unicode

from xai_magics.magics._typing import argument, magic_arguments, parse_argstring

__all__ = ["ReplayMagics"]


@magics_class
class ReplayMagics(Magics):
    """Record and replay every call to xAI: reproducible, offline, free notebook runs."""

    start = Unicode(
        "",
        help="A mode to turn on when the extension loads, for notebooks run by nbclient or "
        "nbconvert: play:PATH, play-instant:PATH or record:PATH (XAI_MAGICS_REPLAY, when set, "
        "wins).",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        if not (os.environ.get("XAI_MAGICS_REPLAY") or self.start):  # switch.ENV_VAR
            return  # nothing to turn on: %load_ext does not load the replay package
        from xai_magics.replay import ReplayError
        from xai_magics.replay.switch import from_env

        try:
            started = from_env(self.start)
        except ReplayError as exc:
            print(f"%grok_replay: {exc}", file=sys.stderr)
        else:
            if started is not None:
                print(f"%grok_replay: {started.summary()}", file=sys.stderr)

    @no_var_expand
    @magic_arguments()
    @argument(
        "action",
        choices=["record", "play", "off", "status"],
        help="record: save every call's answer into the cassette (a fresh file unless "
        "--append); play: answer every call from it, with no network, key or cost; off: back "
        "to the service; status: mode, path, hits and misses.",
    )
    @argument(
        "path",
        nargs="?",
        help="The cassette (default: next to the notebook, lesson.ipynb -> lesson.grok.jsonl; "
        "notebook.grok.jsonl in the working directory when the notebook's path is unknown).",
    )
    @argument(
        "--pace",
        choices=["recorded", "instant"],
        default="recorded",
        help="play: stream answers at the pace they were recorded (a demo looks live), or "
        "at once (CI).",
    )
    @argument(
        "--fallback",
        choices=["error", "live"],
        default="error",
        help="play: a call the cassette has no answer to is an error naming the closest "
        "recorded call (error), or goes to the service (live).",
    )
    @argument("--append", action="store_true", help="record: add to the cassette, keep its calls.")
    @line_magic
    def grok_replay(self, line: str) -> None:
        """Record every call to xAI into a cassette file, or answer every call from one.

        Answers are matched by the request's model, input and options (not ids, cache keys or
        timestamps). A replayed receipt says "replayed" and shows what the recording cost; in
        %grok_usage it costs $0. The cassette never holds the API key.
        """
        from xai_magics import replay
        from xai_magics.replay.location import default_cassette

        args = parse_argstring(self.grok_replay, line)  # type: ignore[misc]
        if args.action in ("off", "status") and args.path:
            raise UsageError(f"%grok_replay {args.action} takes no path")
        if args.action == "status":
            print(replay.state().summary())
            return
        if args.action == "off":
            print(replay.off().summary())
            return
        path, known = (Path(args.path).expanduser(), True) if args.path else (None, False)
        if path is None:
            path, known = default_cassette(self.shell.user_ns if self.shell is not None else {})
        try:
            if args.action == "record":
                now = replay.record(path, append=args.append)
            else:
                now = replay.play(path, pace=args.pace, fallback=args.fallback)
        except replay.ReplayError as exc:
            raise UsageError(str(exc)) from None
        if not known:
            print(
                "The notebook's path is not known here: using "
                f"{path} in the working directory (give a PATH to choose).",
                file=sys.stderr,
            )
        print(now.summary())
