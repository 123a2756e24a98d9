"""Let a one-line prompt end with a question mark.

IPython reads a line ending in ``?`` as a help request, so ``%grok What is a prime number?``
would look up an object called ``number`` instead of asking Grok. This input transform turns
such lines into the magic call IPython would have made without the ``?``. ``%grok?`` and
``%grok??`` alone still show the help.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["install", "keep_question_marks"]

_QUESTION_LINE = re.compile(r"^%(grok|grok_tts)[ \t]+(?P<rest>\S.*\?)[ \t]*$")


def keep_question_marks(lines: list[str]) -> list[str]:
    """Rewrite top-level ``%grok ...?`` lines as magic calls, ahead of IPython's help rule."""
    out: list[str] = []
    for line in lines:
        match = _QUESTION_LINE.match(line.rstrip("\r\n"))
        if match is None:
            out.append(line)
            continue
        call = f"get_ipython().run_line_magic({match.group(1)!r}, {match.group('rest')!r})"
        out.append(call + "\n")
    return out


def install(ipython: Any) -> None:
    """Add the transform once, also across ``%reload_ext``."""
    manager = getattr(ipython, "input_transformer_manager", None)
    if manager is None:
        return
    transforms = manager.line_transforms
    transforms[:] = [t for t in transforms if getattr(t, "__name__", "") != "keep_question_marks"]
    transforms.append(keep_question_marks)
