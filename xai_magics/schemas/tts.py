"""Wire models of text to speech: ``POST /v1/tts``, ``GET /v1/tts/voices`` and the ``/v1/tts``
WebSocket.

The option models forbid unknown fields and hold every vocabulary as a ``Literal``, so a typo
in a notebook fails before any request (and before any character is billed).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xai_magics.schemas.common import WireModel

__all__ = [
    "BUILTIN_VOICES",
    "CONTENT_TYPES",
    "MAX_TEXT_CHARS",
    "AudioClearWire",
    "AudioDeltaWire",
    "AudioDoneWire",
    "AudioTimestamps",
    "BitRate",
    "Codec",
    "OutputFormat",
    "SampleRate",
    "SpeechRequest",
    "StreamErrorWire",
    "TimestampedSpeechBody",
    "Voice",
    "VoiceList",
    "VoiceSettings",
]

Codec = Literal["mp3", "wav", "pcm", "mulaw", "ulaw", "alaw"]
SampleRate = Literal[8000, 16000, 22050, 24000, 44100, 48000]
BitRate = Literal[32000, 64000, 96000, 128000, 192000]

BUILTIN_VOICES = ("eve", "ara", "rex", "sal", "leo")
MAX_TEXT_CHARS = 15_000
CONTENT_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
    "mulaw": "audio/basic",
    "alaw": "audio/alaw",
}

# Custom voice ids are opaque to us; this only rules out what cannot be an id at all.
_VOICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
# BCP-47 tags such as "en", "pt-BR", "es-MX", or "auto".
_LANGUAGE = re.compile(r"auto|[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutputFormat(_Options):
    codec: Codec = "mp3"
    sample_rate: SampleRate = 24000
    bit_rate: BitRate | None = None

    @field_validator("codec", mode="before")
    @classmethod
    def _codec_spelling(cls, value: object) -> object:
        # "ulaw" is the server's own alias for mu-law; one spelling keeps content types simple.
        if isinstance(value, str):
            value = value.lower()
            return "mulaw" if value == "ulaw" else value
        return value

    @model_validator(mode="after")
    def _bit_rate_is_mp3_only(self) -> OutputFormat:
        if self.bit_rate is not None and self.codec != "mp3":
            raise ValueError(f"bit_rate applies to mp3 only, not {self.codec}: leave it unset")
        return self

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.codec]


class VoiceSettings(_Options):
    """How to speak: everything but the text. The WebSocket takes these as URL parameters."""

    voice_id: str = "eve"
    language: str = "en"
    output_format: OutputFormat = Field(default_factory=OutputFormat)
    speed: float | None = Field(default=None, ge=0.7, le=1.5)
    optimize_streaming_latency: int | None = Field(default=None, ge=0, le=2)
    text_normalization: bool | None = None
    with_timestamps: bool = False

    @field_validator("voice_id")
    @classmethod
    def _known_voice_or_custom_id(cls, value: str) -> str:
        if value.lower() in BUILTIN_VOICES:
            return value.lower()
        if not _VOICE_ID.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a voice: use one of {', '.join(BUILTIN_VOICES)} "
                "or a custom voice id (letters, digits, '_', '-', '.', ':')"
            )
        return value

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        if not _LANGUAGE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a language tag: use a BCP-47 tag such as 'en', 'fr', "
                "'pt-BR', or 'auto' to let the service detect it"
            )
        return value

    def query_params(self) -> dict[str, str]:
        """The settings as the WebSocket's query string wants them (no JSON: all strings)."""
        params = {
            "voice": self.voice_id,
            "language": self.language,
            "codec": self.output_format.codec,
            "sample_rate": str(self.output_format.sample_rate),
        }
        optional: dict[str, object] = {
            "bit_rate": self.output_format.bit_rate,
            "speed": self.speed,
            "optimize_streaming_latency": self.optimize_streaming_latency,
            "text_normalization": self.text_normalization,
            "with_timestamps": self.with_timestamps or None,
        }
        for name, value in optional.items():
            if value is not None:
                params[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return params


class SpeechRequest(VoiceSettings):
    """The body of ``POST /v1/tts``."""

    text: str

    @field_validator("text")
    @classmethod
    def _text_size(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty: there is nothing to say")
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(
                f"text is {len(value):,} characters and one request takes at most "
                f"{MAX_TEXT_CHARS:,}: split it, or use tts.stream(), which takes any length"
            )
        return value


class AudioTimestamps(WireModel):
    """When each character is spoken: ``graph_times[i]`` is (start, end) in seconds."""

    graph_chars: list[str] = Field(default_factory=list)
    graph_times: list[tuple[float, float]] = Field(default_factory=list)


class TimestampedSpeechBody(WireModel):
    """``POST /v1/tts`` with ``with_timestamps``: JSON around base64 audio instead of raw bytes."""

    audio: str
    content_type: str | None = None
    duration: float | None = None
    audio_timestamps: AudioTimestamps | None = None


class Voice(WireModel):
    voice_id: str
    name: str = ""


class VoiceList(WireModel):
    voices: list[Voice] = Field(default_factory=list)


class AudioDeltaWire(WireModel):
    type: Literal["audio.delta"]
    delta: str
    audio_timestamps: AudioTimestamps | None = None
    audio_duration: float | None = None


class AudioDoneWire(WireModel):
    type: Literal["audio.done"]
    trace_id: str | None = None


class AudioClearWire(WireModel):
    type: Literal["audio.clear"]


class StreamErrorWire(WireModel):
    type: Literal["error"]
    message: str = ""
