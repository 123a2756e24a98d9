"""Text to speech: one-shot ``POST /v1/tts`` and the streaming ``/v1/tts`` WebSocket.

Inputs are checked before any request (text length, voice, codec, sample and bit rates), since
the service bills by the character. The WebSocket half lives in ``tts_stream``.
"""

from __future__ import annotations

import base64
import binascii
import io
import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from xai_magics.client.errors import XAIError
from xai_magics.schemas.tts import (
    CONTENT_TYPES,
    AudioTimestamps,
    BitRate,
    Codec,
    SampleRate,
    SpeechRequest,
    TimestampedSpeechBody,
    Voice,
    VoiceList,
    VoiceSettings,
)

if TYPE_CHECKING:
    from xai_magics.client._transport import Transport
    from xai_magics.client.tts_stream import TTSSession

__all__ = [
    "TTSAPI",
    "USD_PER_MILLION_CHARACTERS",
    "Speech",
    "TTSInputError",
    "audio_duration_s",
    "estimate_cost_usd",
]

USD_PER_MILLION_CHARACTERS = 4.20

_Options = TypeVar("_Options", bound=BaseModel)


class TTSInputError(XAIError, ValueError):
    """A speech option is out of range or unknown; raised before anything is sent."""


def estimate_cost_usd(characters: int) -> float:
    """What speaking ``characters`` characters costs at the list price."""
    return characters * USD_PER_MILLION_CHARACTERS / 1_000_000


def audio_duration_s(audio: bytes, codec: str, sample_rate: int) -> float | None:
    """Seconds of audio, where the bytes tell it without decoding (not for mp3)."""
    if codec == "pcm":
        return len(audio) / (2 * sample_rate)
    if codec in ("mulaw", "alaw"):
        return len(audio) / sample_rate
    if codec == "wav":
        try:
            with wave.open(io.BytesIO(audio)) as reader:
                frames: int = reader.getnframes()
                rate: int = reader.getframerate()
                return frames / rate
        except (wave.Error, EOFError):
            return None
    return None


@dataclass(frozen=True, repr=False)
class Speech:
    """Spoken audio and what it is: bytes in ``codec`` at ``sample_rate``."""

    audio: bytes
    codec: str
    sample_rate: int
    content_type: str
    characters: int
    timestamps: AudioTimestamps | None = None
    reported_duration_s: float | None = None

    @property
    def duration_s(self) -> float | None:
        if self.reported_duration_s is not None:
            return self.reported_duration_s
        return audio_duration_s(self.audio, self.codec, self.sample_rate)

    @property
    def cost_usd(self) -> float:
        """List-price estimate: the service does not report a receipt for speech."""
        return estimate_cost_usd(self.characters)

    def __repr__(self) -> str:
        # The audio itself is megabytes of noise in a repr; its size is what helps.
        duration = self.duration_s
        length = "" if duration is None else f", duration_s={duration:.2f}"
        return (
            f"Speech(codec={self.codec!r}, sample_rate={self.sample_rate}, "
            f"bytes={len(self.audio)}{length}, characters={self.characters})"
        )


def build_options(model: type[_Options], **values: Any) -> _Options:
    """Validate speech options, turning pydantic's report into one readable ``TTSInputError``."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "options"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        failure = TTSInputError("invalid speech options: " + "; ".join(problems))
    # Raised outside the except block so the traceback does not carry pydantic's internals.
    raise failure


class TTSAPI:
    """``/v1/tts``: speak a text in one request, or open a streaming session."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def speak(
        self,
        text: str,
        voice: str = "eve",
        language: str = "en",
        codec: Codec = "mp3",
        sample_rate: SampleRate = 24000,
        bit_rate: BitRate | None = None,
        speed: float | None = None,
        with_timestamps: bool = False,
    ) -> Speech:
        """Speak ``text`` (at most 15,000 characters) and return the whole audio."""
        request = build_options(
            SpeechRequest,
            text=text,
            voice_id=voice,
            language=language,
            output_format={"codec": codec, "sample_rate": sample_rate, "bit_rate": bit_rate},
            speed=speed,
            with_timestamps=with_timestamps or None,
        )
        body = request.model_dump(exclude_none=True)
        if not request.with_timestamps:
            del body["with_timestamps"]
        response = self._transport.request("POST", "/tts", json=body)
        fmt = request.output_format
        header_type = response.headers.get("content-type", "").split(";")[0].strip()
        if request.with_timestamps or header_type == "application/json":
            return _timestamped_speech(response.content, request)
        return Speech(
            audio=response.content,
            codec=fmt.codec,
            sample_rate=fmt.sample_rate,
            content_type=header_type or CONTENT_TYPES[fmt.codec],
            characters=len(text),
        )

    def voices(self) -> list[Voice]:
        """The voices this key can use: the built-ins and any custom ones."""
        return VoiceList.model_validate_json(
            self._transport.request("GET", "/tts/voices").content
        ).voices

    def stream(
        self,
        voice: str = "eve",
        language: str = "en",
        codec: Codec = "pcm",
        sample_rate: SampleRate = 24000,
        bit_rate: BitRate | None = None,
        speed: float | None = None,
        with_timestamps: bool = False,
        optimize_streaming_latency: int | None = None,
        text_normalization: bool | None = None,
        open_timeout: float = 10.0,
    ) -> TTSSession:
        """Open a WebSocket session: send text as it comes, receive audio as it is made."""
        from xai_magics.client.tts_stream import TTSSession

        settings = build_options(
            VoiceSettings,
            voice_id=voice,
            language=language,
            output_format={"codec": codec, "sample_rate": sample_rate, "bit_rate": bit_rate},
            speed=speed,
            with_timestamps=with_timestamps or None,
            optimize_streaming_latency=optimize_streaming_latency,
            text_normalization=text_normalization,
        )
        return TTSSession.open(self._transport, settings, open_timeout=open_timeout)


def _timestamped_speech(content: bytes, request: SpeechRequest) -> Speech:
    fmt = request.output_format
    try:
        body = TimestampedSpeechBody.model_validate_json(content)
        audio = base64.b64decode(body.audio, validate=True)
    except (ValidationError, binascii.Error):
        failure = XAIError(
            "the speech answer with timestamps was not the expected JSON with base64 audio; "
            "run it again without with_timestamps"
        )
    else:
        return Speech(
            audio=audio,
            codec=fmt.codec,
            sample_rate=fmt.sample_rate,
            content_type=body.content_type or CONTENT_TYPES[fmt.codec],
            characters=len(request.text),
            timestamps=body.audio_timestamps,
            reported_duration_s=body.duration,
        )
    # Raised outside the except block so the traceback does not carry the parser's internals.
    raise failure
