"""Speech: text to audio through the xAI TTS API, played while it streams, kept as a clip.

Two entry points, both free of IPython so they work from plain Python:

* ``speak(text, ...)`` speaks one text. WAV/PCM/G.711 go over the TTS WebSocket so the player starts
  with the first piece; MP3 comes whole from ``POST /v1/tts`` (MP3 cannot be cut anywhere).
* ``Speaker`` speaks text that is still being written (a streamed model answer): ``feed`` deltas,
  then ``finish``. Sentences go out over one WebSocket from a background thread, so the caller's
  loop never waits on audio.

Both return a ``SpeechResult`` (bytes, format, duration, cost). A stream that breaks keeps the audio
that arrived and says so in ``note``; an interrupt sends ``text.clear`` and stops the player.
"""

from xai_magics.speech.request import (
    LANGUAGES,
    MAX_CHARS,
    PRICE_PER_MILLION_CHARS_USD,
    VOICES,
    SpeechInputError,
    check_request,
    speech_cost_usd,
    wire_codec,
)
from xai_magics.speech.result import SpeechResult
from xai_magics.speech.sentences import SentenceChunker, speakable
from xai_magics.speech.speaker import Speaker
from xai_magics.speech.stream import speak

__all__ = [
    "LANGUAGES",
    "MAX_CHARS",
    "PRICE_PER_MILLION_CHARS_USD",
    "VOICES",
    "SentenceChunker",
    "Speaker",
    "SpeechInputError",
    "SpeechResult",
    "check_request",
    "speak",
    "speakable",
    "speech_cost_usd",
    "wire_codec",
]
