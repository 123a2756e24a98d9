"""Checking TTS options (voice, language, codec, rate, speed), shared by REST and WebSocket."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xai_magics.emulator.audio_codecs import BIT_RATES, CODEC_ALIASES, SAMPLE_RATES
from xai_magics.emulator.audio_synth import VOICES
from xai_magics.emulator.errors import APIError, unprocessable

MAX_TEXT_CHARS = 15_000
LANGUAGES = (
    *("auto", "en", "ar-EG", "ar-SA", "ar-AE", "bn", "zh", "fr", "de", "hi", "id", "it"),
    *("ja", "ko", "pt-BR", "pt-PT", "ru", "es-MX", "es-ES", "tr", "vi"),
)


@dataclass(frozen=True)
class TTSOptions:
    voice: str
    language: str
    codec: str
    sample_rate: int
    bit_rate: int
    speed: float
    with_timestamps: bool


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise unprocessable("text")
    if not text.strip():
        raise APIError(400, "Text must not be empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise APIError(400, f"Text is too long: {len(text)} characters (limit {MAX_TEXT_CHARS}).")
    return text


def _number(value: object, name: str) -> float:
    if isinstance(value, bool):
        raise APIError(400, f"Invalid {name}: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise APIError(400, f"Invalid {name}: {value!r}")


#: A custom voice id: the real API accepts ids beyond the built-in voices ("custom voice ids
#: also accepted", xai-api.md §6); their exact form is not documented, so any short id is taken.
_CUSTOM_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def voice_of(voice: object) -> str:
    """A built-in voice (case-insensitive), or a well-formed custom voice id kept as given."""
    if voice is None:
        return "eve"
    if isinstance(voice, str) and voice.lower() in VOICES:
        return voice.lower()
    if isinstance(voice, str) and _CUSTOM_VOICE.fullmatch(voice):
        return voice
    raise APIError(
        400, f"Invalid voice_id {voice!r}: use one of {', '.join(VOICES)} or a custom voice id."
    )


def tts_options(
    *,
    voice: object,
    language: object,
    codec: object,
    sample_rate: object,
    bit_rate: object,
    speed: object,
    with_timestamps: object,
) -> TTSOptions:
    """Validated options; 400 with the reason for anything the service would refuse."""
    if language is None or language == "":
        raise APIError(400, "Missing required field `language` (a BCP-47 code or 'auto').")
    if not isinstance(language, str) or language.lower() not in {x.lower() for x in LANGUAGES}:
        raise APIError(400, f"Unsupported language {language!r}.")
    voice_id = voice_of(voice)
    codec_name = CODEC_ALIASES.get(str(codec or "mp3").lower())
    if codec_name is None:
        raise APIError(400, f"Unsupported codec {codec!r}.")
    rate = int(_number(sample_rate, "sample_rate")) if sample_rate is not None else 24000
    if rate not in SAMPLE_RATES:
        raise APIError(400, f"Unsupported sample_rate {rate}.")
    bits = int(_number(bit_rate, "bit_rate")) if bit_rate is not None else 128000
    if bits not in BIT_RATES:
        raise APIError(400, f"Unsupported bit_rate {bits}.")
    pace = _number(speed, "speed") if speed is not None else 1.0
    if not 0.7 <= pace <= 1.5:
        raise APIError(400, f"speed must be between 0.7 and 1.5, got {pace:g}.")
    stamps = with_timestamps in (True, "true", "1", "True")
    return TTSOptions(voice_id, language, codec_name, rate, bits, pace, stamps)


def timestamps(marks: list[tuple[str, float, float]]) -> dict[str, list[object]]:
    return {
        "graph_chars": [c for c, _, _ in marks],
        "graph_times": [[start, end] for _, start, end in marks],
    }
