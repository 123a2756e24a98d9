"""``POST /v1/tts`` (audio bytes, or JSON with timestamps) and ``GET /v1/tts/voices``."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from xai_magics.emulator.audio_codecs import CONTENT_TYPES, encode
from xai_magics.emulator.audio_synth import VOICES, synthesize
from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import not_found
from xai_magics.emulator.tts_options import check_text, timestamps, tts_options


def voice_entry(voice_id: str) -> dict[str, Any]:
    name, _, description = VOICES[voice_id]
    return {"voice_id": voice_id, "name": name, "description": description, "language": "auto"}


def speak(handler: BaseHandler) -> None:
    """The REST synthesis, answered on ``handler``."""
    body = handler.json_object()
    text = check_text(body.get("text"))
    raw_format = body.get("output_format")
    fmt: dict[str, Any] = raw_format if isinstance(raw_format, dict) else {}
    options = tts_options(
        voice=body.get("voice_id", body.get("voice")),
        language=body.get("language"),
        codec=fmt.get("codec"),
        sample_rate=fmt.get("sample_rate"),
        bit_rate=fmt.get("bit_rate"),
        speed=body.get("speed"),
        with_timestamps=body.get("with_timestamps"),
    )
    speech = synthesize(text, options.voice, options.sample_rate, options.speed)
    audio = encode(speech.pcm, options.codec, options.sample_rate, options.bit_rate)
    content_type = CONTENT_TYPES[options.codec]
    if options.with_timestamps:
        handler.reply(
            {
                "audio": base64.b64encode(audio).decode(),
                "content_type": content_type,
                "duration": round(speech.duration, 4),
                "audio_timestamps": timestamps(speech.marks),
            }
        )
        return
    if handler.fault is not None and handler.fault.kind == "commit_then_fail":
        handler.reply(None)
        return
    handler.set_header("Content-Type", content_type)
    handler.set_header("x-trace-id", str(uuid.uuid4()))
    handler.finish(audio)


class VoicesHandler(BaseHandler):
    service_headers = frozenset({"x-trace-id"})

    def get(self) -> None:
        self.reply({"voices": [voice_entry(v) for v in VOICES]})


class VoiceHandler(BaseHandler):
    service_headers = frozenset({"x-trace-id"})

    def get(self, voice_id: str) -> None:
        if voice_id.lower() not in VOICES:
            raise not_found(f"Voice {voice_id} not found.")
        self.reply(voice_entry(voice_id.lower()))
