"""A streaming answer cut into finished Markdown blocks, each rendered once, as it completes.

The live view shows an answer rendered while it streams (issue 12) without rendering the whole
text again on every update, which would cost the kernel, iopub and the browser time that grows
with the square of the answer. So the text is split into *completed top-level blocks* and the
*open tail*: a block is rendered by :func:`xai_magics.render.render_markdown`, the same safe
renderer as the final output, exactly once; the tail is shown as plain text until its block
completes. A payload split across deltas (``[x](javascript:`` then ``alert(1))``) is rendered
only once its whole block is there, by the renderer that knows what to do with it.

A block is complete, judged line by line outside fenced code and outside display math
(``$$``, ``\\[``, ``\\begin{env}``), at:

* a blank line followed by a line that cannot continue the block: not indented (it would be a
  list item's paragraph or indented code), and not a list item when the block holds a list
  (CommonMark makes one loose list of items apart);
* an ATX heading (``## ...``) at the start of a line, which interrupts anything and is a block of
  its own, as is a fenced code block opened at the start of a line, once it is closed.

When unsure, it waits: the rest is rendered when the stream ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Code is found as the math protection finds it, so both agree on where math can be.
from xai_magics.rendering.math_spans import _CODE_SPAN, _FENCE

__all__ = ["LiveBlocks", "Rendered"]

_BLANK = re.compile(r"[ \t\r]*")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_LIST_ITEM = re.compile(r"[ ]{0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
# A fence at the start of a line (math_spans' _FENCE finds one in a list item or quote too).
_TOP_FENCE = re.compile(r"`{3,}|~{3,}")
_MATH_TOKEN = re.compile(r"\\begin\{([a-zA-Z]+\*?)\}|\\end\{([a-zA-Z]+\*?)\}|\\[\[\]]|\\.|\$\$")
_MATH_CLOSER = {"$$": "$$", "\\[": "\\]"}


@dataclass(frozen=True)
class Rendered:
    """Blocks completed by one piece of text: their HTML, and how much of the tail they took,
    in UTF-16 code units (the length a browser's string has)."""

    html: str
    consumed: int


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class LiveBlocks:
    """Fed the streamed text piece by piece; returns the blocks each piece completes.

    Each line is examined once and each block rendered once, so the work is linear in the
    answer. Not thread-safe: one view feeds it under its lock.
    """

    def __init__(self) -> None:
        self._tail = ""  # text not rendered yet: the open block, then a partial line
        self._scanned = 0  # characters of the tail read as whole lines
        self._fence = ""  # the open fence's marker
        self._top_fence = False  # ... opened at the start of a line
        self._math = ""  # the open display math's closer
        self._math_depth = 0  # environments of the same name nested in it
        self._content = False  # the open block has a non-blank line
        self._listed = False  # ... and a list item
        self._blank_at = -1  # where a blank line after its content starts

    def feed(self, text: str, *, last: bool = False) -> Rendered | None:
        """Take the next piece of the answer; the blocks it completes, if any. ``last``: the
        stream ended, everything left is rendered (as the final output will be)."""
        self._tail += text
        if last:
            return self._finish()
        done = 0  # end of the text rendered by this call
        pos = self._scanned
        while (end := self._tail.find("\n", pos)) >= 0:
            line = self._tail[pos:end]
            cut = self._read_line(line, pos, end + 1)
            if cut is not None:
                done = max(done, cut)
            pos = end + 1
        self._scanned = pos
        if self._blank_at >= 0 and self._cannot_continue(self._tail[pos : pos + 1]):
            # A model writes a paragraph as one long line: its first character is enough.
            done = pos
            self._restart()
        if not done:
            return None
        return self._take(done)

    def _finish(self) -> Rendered | None:
        rest = self._take(len(self._tail)) if self._tail else None
        self._tail, self._scanned, self._fence = "", 0, ""
        self._restart()
        return rest

    def _take(self, end: int) -> Rendered:
        from xai_magics.render import render_markdown

        block, self._tail = self._tail[:end], self._tail[end:]
        self._scanned -= end
        if self._blank_at >= 0:
            self._blank_at -= end
        return Rendered(render_markdown(block), _utf16_length(block))

    def _read_line(self, line: str, start: int, end: int) -> int | None:
        """Update the state with one whole line (``start``/``end``: where it is in the tail);
        where the text before it, or through it, is complete."""
        if self._fence:
            closing = _FENCE.match(line)
            if closing is None or not closing.group(1).startswith(self._fence):
                return None
            if line[closing.end() :].strip():
                return None  # text after it: not a closing fence
            self._fence = ""
            if not self._top_fence:
                return None
            self._restart()
            return end
        if _BLANK.fullmatch(line):
            if self._content and not self._math and self._blank_at < 0:
                self._blank_at = start
            return None
        cut = None
        if self._blank_at >= 0:
            if line[0] in " \t" or (self._listed and _LIST_ITEM.match(line)):
                self._blank_at = -1
            else:
                cut = start
                self._restart()
        if not self._math and (_HEADING.match(line) or self._opens_top_fence(line)):
            if self._content:  # an interruption: what came before is complete
                cut = start
                self._restart()
            if not self._fence:  # a heading is a block of its own
                self._restart()
                return end
        self._content = True
        if _LIST_ITEM.match(line):
            self._listed = True
        if not self._fence:
            self._note_fence_or_math(line)
        return cut

    def _cannot_continue(self, first: str) -> bool:
        """After a blank line, whether a line starting with ``first`` surely starts a new
        block (an indented line, or a list item after a list, may continue this one)."""
        if not first or first in " \t\r\n":
            return False
        return not (self._listed and first in "-*+0123456789")

    def _opens_top_fence(self, line: str) -> bool:
        opening = _TOP_FENCE.match(line)
        if opening is None or (line[0] == "`" and "`" in line[opening.end() :]):
            return False
        self._fence, self._top_fence = opening.group(), True
        return True

    def _note_fence_or_math(self, line: str) -> None:
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            self._fence, self._top_fence = opening.group(1), False
            return
        if "$$" not in line and "\\" not in line:
            return
        if "`" in line:
            line = _CODE_SPAN.sub("", line)
        for token in _MATH_TOKEN.finditer(line):
            kind, name = token.group(), token.group(1)
            if not self._math:
                if kind in _MATH_CLOSER:
                    self._math = _MATH_CLOSER[kind]
                elif name:
                    self._math = f"\\end{{{name}}}"
            elif name and self._math == f"\\end{{{name}}}":
                self._math_depth += 1
            elif kind == self._math:
                if self._math_depth:
                    self._math_depth -= 1
                else:
                    self._math = ""

    def _restart(self) -> None:
        """A new block starts: forget the one before (an open fence stays, just noted)."""
        self._math, self._math_depth = "", 0
        self._content = self._listed = False
        self._blank_at = -1
