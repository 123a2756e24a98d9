"""Speech stand-in: a tone per character, pitched by voice, so TTS routes return real audio.

Each letter or digit sounds for ``CHAR_SECONDS / speed`` at a pitch derived from the character and
the voice; spaces and punctuation are silence. The audio is 16-bit mono PCM at the requested rate,
built by repeating one precomputed waveform period, so minutes of audio cost milliseconds.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from functools import lru_cache

CHAR_SECONDS = 0.06
AMPLITUDE = 9000

#: voice id -> (display name, base pitch in Hz, description)
VOICES: dict[str, tuple[str, float, str]] = {
    "eve": ("Eve", 220.0, "Energetic, upbeat (simulated)"),
    "ara": ("Ara", 196.0, "Warm, friendly (simulated)"),
    "rex": ("Rex", 110.0, "Confident, clear (simulated)"),
    "sal": ("Sal", 165.0, "Smooth, balanced (simulated)"),
    "leo": ("Leo", 131.0, "Authoritative, strong (simulated)"),
}


@dataclass(frozen=True)
class Speech:
    pcm: bytes
    sample_rate: int
    #: (character, start seconds, end seconds) for every character of the text
    marks: list[tuple[str, float, float]]

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


@lru_cache(maxsize=512)
def _period(samples: int) -> bytes:
    """One period of a voiced tone: fundamental plus two softer harmonics."""
    values = []
    for i in range(samples):
        phase = 2 * math.pi * i / samples
        value = math.sin(phase) + 0.4 * math.sin(2 * phase) + 0.2 * math.sin(3 * phase)
        values.append(int(AMPLITUDE * value / 1.6))
    return struct.pack(f"<{samples}h", *values)


def custom_pitch(voice: str) -> float:
    """A stable base pitch for a custom voice id, within the built-in voices' range."""
    return 110.0 + int(hashlib.sha256(voice.encode()).hexdigest()[:4], 16) % 111


def pitch(char: str, voice: str) -> float:
    """The tone for one character: the voice's base pitch moved up to an octave by the character."""
    base = VOICES[voice][1] if voice in VOICES else custom_pitch(voice)
    return base * 2 ** ((ord(char.lower()) % 12) / 12)


def synthesize(text: str, voice: str, sample_rate: int, speed: float = 1.0) -> Speech:
    per_char = CHAR_SECONDS / speed
    pieces: list[bytes] = []
    marks: list[tuple[str, float, float]] = []
    position = 0
    for i, char in enumerate(text):
        end = round((i + 1) * per_char * sample_rate)
        count = end - position
        if char.isalnum():
            period = max(2, round(sample_rate / pitch(char, voice)))
            cycle = _period(period)
            pieces.append(cycle * (count // period) + cycle[: (count % period) * 2])
        else:
            pieces.append(bytes(2 * count))
        marks.append((char, round(position / sample_rate, 4), round(end / sample_rate, 4)))
        position = end
    return Speech(b"".join(pieces), sample_rate, marks)
