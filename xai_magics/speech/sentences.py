"""Streamed answer text cut into sentence-sized pieces that sound natural spoken one by one."""

from __future__ import annotations

import re

__all__ = ["SentenceChunker", "speakable"]

_SENTENCE_END = re.compile(r"""(?<=[.!?…])["')\]]*\s+|\n\s*\n""")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.")
_FENCE = "```"
_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`#>|]+")


def speakable(text: str) -> str:
    """Markdown reduced to what should be read aloud: link text kept, emphasis marks dropped."""
    return re.sub(r"[ \t]+", " ", _MARKUP.sub(lambda m: m.group(1) or "", text))


class SentenceChunker:
    """Cuts streamed text into sentence-sized pieces that sound natural when spoken one by one.

    A piece ends at a sentence end followed by space or at a blank line; past ``max_chars``
    without one, it ends at the last space. Fenced code blocks are skipped: code read aloud
    helps nobody.
    """

    def __init__(self, *, min_chars: int = 20, max_chars: int = 400) -> None:
        self.min_chars = min_chars
        self.max_chars = max_chars
        self._buffer = ""
        self._in_code = False

    def feed(self, delta: str) -> list[str]:
        """The pieces that ``delta`` completed, in order."""
        self._buffer += delta
        return [piece for piece in self._pieces() if piece]

    def _pieces(self) -> list[str]:
        pieces: list[str] = []
        while True:
            if self._in_code:
                end = self._buffer.find(_FENCE)
                if end < 0:
                    self._buffer = self._buffer[-(len(_FENCE) - 1) :]
                    return pieces
                line_end = self._buffer.find("\n", end + len(_FENCE))
                if line_end < 0:
                    return pieces
                self._buffer = self._buffer[line_end + 1 :]
                self._in_code = False
            fence = self._buffer.find(_FENCE)
            prose = self._buffer if fence < 0 else self._buffer[:fence]
            cut = self._cut(prose, final=fence >= 0)
            if cut:
                pieces.append(speakable(prose[:cut]).strip())
                self._buffer = self._buffer[cut:]
                continue
            if fence >= 0:
                self._buffer = self._buffer[fence + len(_FENCE) :]
                self._in_code = True
                continue
            return pieces

    def flush(self) -> str:
        """The text still held back, once no more will come."""
        rest = "" if self._in_code else speakable(self._buffer).strip()
        self._buffer = ""
        self._in_code = False
        return rest

    def _cut(self, prose: str, *, final: bool) -> int:
        for match in _SENTENCE_END.finditer(prose):
            end = match.end()
            if end > self.max_chars:
                break
            if prose[: match.start()].endswith(_ABBREVIATIONS) or end < self.min_chars:
                continue
            return end
        if len(prose) > self.max_chars:
            space = prose.rfind(" ", 0, self.max_chars)
            return space + 1 if space > 0 else self.max_chars
        return len(prose) if final and prose.strip() else 0
