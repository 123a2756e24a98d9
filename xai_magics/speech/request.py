"""What a speech request may hold, checked before sending: speech is billed per character."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from xai_magics.audio import CODECS, SAMPLE_RATES, Codec

__all__ = [
    "LANGUAGES",
    "MAX_CHARS",
    "PRICE_PER_MILLION_CHARS_USD",
    "SPEED_RANGE",
    "VOICES",
    "SpeechInputError",
    "check_request",
    "speech_cost_usd",
    "wire_codec",
]

MAX_CHARS = 15_000
PRICE_PER_MILLION_CHARS_USD = 4.20
VOICES = ("eve", "ara", "rex", "sal", "leo")
# A custom voice id (xAI accepts them in place of a built-in name) is told from a typo or a stray
# prompt word by its shape: it has a digit or one of "_.:-" (a plain word such as "evee" or "Hello"
# is refused before anything is billed).
_CUSTOM_VOICE_ID = re.compile(r"(?=.*[0-9_.:-])[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
LANGUAGES = (
    "auto",
    "en",
    "ar-EG",
    "ar-SA",
    "ar-AE",
    "bn",
    "zh",
    "fr",
    "de",
    "hi",
    "id",
    "it",
    "ja",
    "ko",
    "pt-BR",
    "pt-PT",
    "ru",
    "es-MX",
    "es-ES",
    "tr",
    "vi",
)
SPEED_RANGE = (0.7, 1.5)


class SpeechInputError(ValueError):
    """The request cannot be sent as written; the message says how to fix it."""


def speech_cost_usd(characters: int) -> float:
    """What speaking ``characters`` characters costs at $4.20 per million."""
    return characters * PRICE_PER_MILLION_CHARS_USD / 1_000_000


def _closest(value: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    return f" Did you mean {match[0]!r}?" if match else ""


def check_request(
    text: str,
    *,
    voice: str = "eve",
    language: str = "en",
    codec: str = "wav",
    sample_rate: int = 24000,
    speed: float | None = None,
) -> tuple[str, str, Codec]:
    """Validate before any request; returns the normalised ``(voice, language, codec)``."""
    if not text.strip():
        raise SpeechInputError("There is no text to speak.")
    if len(text) > MAX_CHARS:
        raise SpeechInputError(
            f"The text has {len(text):,} characters; the TTS API takes at most {MAX_CHARS:,} "
            "per request. Split it into shorter parts."
        )
    custom = voice.lower() not in VOICES and _CUSTOM_VOICE_ID.fullmatch(voice) is not None
    if voice.lower() not in VOICES and not custom:
        raise SpeechInputError(
            f"Unknown voice {voice!r}.{_closest(voice.lower(), VOICES)} "
            f"Voices: {', '.join(VOICES)}, or a custom voice id from the xAI console."
        )
    by_lower = {lang.lower(): lang for lang in LANGUAGES}
    if language.lower() not in by_lower:
        raise SpeechInputError(
            f"Unknown language {language!r}.{_closest(language, LANGUAGES)} "
            f"Use 'auto' or one of: {', '.join(LANGUAGES[1:])}."
        )
    normalised_codec = "mulaw" if codec.lower() == "ulaw" else codec.lower()
    if normalised_codec not in CODECS:
        raise SpeechInputError(f"Unknown codec {codec!r}. Codecs: {', '.join(CODECS)}.")
    if sample_rate not in SAMPLE_RATES:
        raise SpeechInputError(
            f"Sample rate {sample_rate} is not offered. Rates: {', '.join(map(str, SAMPLE_RATES))}."
        )
    if speed is not None and not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
        raise SpeechInputError(
            f"Speed {speed} is out of range: use {SPEED_RANGE[0]} to {SPEED_RANGE[1]}."
        )
    return (voice if custom else voice.lower()), by_lower[language.lower()], normalised_codec


def wire_codec(codec: Codec) -> Codec:
    """The codec audio travels in (and the player decodes) when the clip is wanted as ``codec``."""
    return "pcm" if codec == "wav" else codec
