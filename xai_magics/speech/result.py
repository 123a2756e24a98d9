"""The outcome of speaking: audio bytes, their format, duration and cost."""

from __future__ import annotations

from dataclasses import dataclass, field

from xai_magics.audio import Codec, duration_s, playable
from xai_magics.speech.request import speech_cost_usd

__all__ = ["Mark", "SpeechResult"]

#: (characters, second in the clip at which they are spoken)
Mark = tuple[str, float]


@dataclass(frozen=True)
class SpeechResult:
    """Spoken audio and what it cost. ``complete`` is False when the stream broke or was stopped."""

    audio: bytes
    codec: Codec
    sample_rate: int
    text: str
    voice: str
    complete: bool = True
    note: str = ""
    marks: tuple[Mark, ...] = field(default=(), repr=False)

    @property
    def format(self) -> Codec:
        return self.codec

    @property
    def duration_s(self) -> float:
        return duration_s(self.audio, self.codec, self.sample_rate)

    @property
    def characters(self) -> int:
        return len(self.text)

    @property
    def cost_usd(self) -> float:
        return speech_cost_usd(self.characters)

    def clip(self) -> tuple[bytes, str]:
        """``(bytes, mime)`` of a file any ``<audio>`` element plays (PCM gets a WAV header)."""
        return playable(self.audio, self.codec, self.sample_rate)

    def save(self, path: str) -> None:
        """Write the playable clip (WAV for PCM/G.711) to ``path``."""
        with open(path, "wb") as out:
            out.write(self.clip()[0])

    def __repr__(self) -> str:
        state = "" if self.complete else ", incomplete"
        return (
            f"SpeechResult(voice={self.voice!r}, format={self.codec!r}, "
            f"duration={self.duration_s:.2f}s, characters={self.characters}, "
            f"cost=${self.cost_usd:.6f}{state})"
        )
