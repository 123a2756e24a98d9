"""``speak``: one text to audio, streamed over the TTS WebSocket (or whole, for MP3)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

from xai_magics.audio import ClipAssembler, Codec
from xai_magics.speech.request import SpeechInputError, check_request, wire_codec
from xai_magics.speech.result import Mark, SpeechResult

if TYPE_CHECKING:
    from xai_magics.client import XAIClient
    from xai_magics.schemas.tts import SampleRate
    from xai_magics.widgets.audio_player import AudioPlayer

__all__ = ["speak"]


def _marks(timestamps: Any, offset_s: float) -> list[Mark]:
    """(characters, start second in the clip) from a server ``audio_timestamps`` object."""
    if timestamps is None:
        return []
    chars = _field(timestamps, "graph_chars") or []
    times = _field(timestamps, "graph_times") or []
    return [(str(c), offset_s + float(t[0])) for c, t in zip(chars, times, strict=False) if t]


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class Recorder:
    """Collects what one utterance stream produced and forwards it to the player."""

    def __init__(self, codec: Codec, sample_rate: int, player: AudioPlayer | None) -> None:
        self.assembler = ClipAssembler(codec, sample_rate)
        self.player = player
        self.marks: list[Mark] = []
        self._utterance_start_s = 0.0

    def start_utterance(self) -> None:
        self._utterance_start_s = self.assembler.duration_s

    def add(self, audio: bytes, timestamps: Any) -> None:
        marks = _marks(timestamps, self._utterance_start_s)
        self.assembler.add(audio)
        self.marks.extend(marks)
        if self.player is not None:
            self.player.push(audio, marks)

    def result(self, text: str, voice: str, *, complete: bool, note: str = "") -> SpeechResult:
        return SpeechResult(
            audio=self.assembler.audio,
            codec=self.assembler.codec,
            sample_rate=self.assembler.sample_rate,
            text=text,
            voice=voice,
            complete=complete,
            note=note,
            marks=tuple(self.marks),
        )


def broken_note(exc: BaseException, seconds: float) -> str:
    return (
        f"The audio stream broke after {seconds:.1f} s of audio ({exc}); the audio that arrived "
        "is kept. Run the cell again for the rest."
    )


def check_player(player: AudioPlayer | None, codec: Codec, sample_rate: int) -> None:
    """The player decodes one codec at one rate, fixed when it is shown: they must match."""
    if player is not None and (player.codec, player.sample_rate) != (codec, sample_rate):
        raise SpeechInputError(
            f"The player expects {player.codec} at {player.sample_rate} Hz but this speech comes "
            f"as {codec} at {sample_rate} Hz: create it with "
            f"AudioPlayer(codec={codec!r}, sample_rate={sample_rate})."
        )


def speak(
    text: str,
    *,
    client: XAIClient | None = None,
    voice: str = "eve",
    language: str = "en",
    codec: str = "wav",
    sample_rate: int = 24000,
    speed: float | None = None,
    player: AudioPlayer | None = None,
) -> SpeechResult:
    """Speak ``text``, pushing audio to ``player`` as it arrives, and return the whole clip."""
    voice, language, fmt = check_request(
        text, voice=voice, language=language, codec=codec, sample_rate=sample_rate, speed=speed
    )
    check_player(player, wire_codec(fmt), sample_rate)
    from xai_magics.client import XAIClient

    own = client is None
    api = XAIClient() if client is None else client
    try:
        if fmt == "mp3":
            return _speak_whole(api, text, voice, language, sample_rate, speed, player)
        return _speak_streamed(api, text, voice, language, fmt, sample_rate, speed, player)
    finally:
        if own:
            api.close()


def _speak_whole(
    api: XAIClient,
    text: str,
    voice: str,
    language: str,
    sample_rate: int,
    speed: float | None,
    player: AudioPlayer | None,
) -> SpeechResult:
    speech = api.tts.speak(
        text,
        voice=voice,
        language=language,
        codec="mp3",
        sample_rate=cast("SampleRate", sample_rate),
        speed=speed,
        with_timestamps=True,
    )
    recorder = Recorder("mp3", sample_rate, player)
    recorder.add(speech.audio, speech.timestamps)
    if player is not None:
        player.finish("complete")
    return recorder.result(text, voice, complete=True)


def _speak_streamed(
    api: XAIClient,
    text: str,
    voice: str,
    language: str,
    fmt: Codec,
    sample_rate: int,
    speed: float | None,
    player: AudioPlayer | None,
) -> SpeechResult:
    # WAV is streamed as raw PCM and given its header at the end: a streamed WAV header cannot
    # know the final size.
    wire = wire_codec(fmt)
    recorder = Recorder(wire, sample_rate, player)
    session = api.tts.stream(
        voice=voice,
        language=language,
        codec=wire,
        sample_rate=cast("SampleRate", sample_rate),
        speed=speed,
        with_timestamps=True,
    )
    try:
        outcome, note = run_utterance(session, text, recorder)
    except KeyboardInterrupt:
        if player is not None:
            player.clear("Stopped.")
        _clear_and_wait(session)
        raise
    finally:
        session.close()
    complete = outcome == "done"
    if player is not None:
        player.finish("complete" if complete else "incomplete", note)
    result = recorder.result(text, voice, complete=complete, note=note)
    if fmt == "wav":
        clip, _ = result.clip()
        result = SpeechResult(clip, "wav", sample_rate, text, voice, complete, note, result.marks)
    return result


def run_utterance(session: Any, text: str, recorder: Recorder) -> tuple[str, str]:
    """Send one utterance and collect its audio: ``("done"|"cleared"|"broken", note)``."""
    from xai_magics.client import XAIError
    from xai_magics.client.tts_stream import AudioCleared, AudioDelta, AudioDone

    recorder.start_utterance()
    try:
        session.send_text(text)
        session.done()
        for event in session:
            if isinstance(event, AudioDelta):
                recorder.add(event.audio, event.timestamps)
            elif isinstance(event, AudioDone):
                return "done", ""
            elif isinstance(event, AudioCleared):
                return "cleared", ""
    except (XAIError, OSError) as exc:
        return "broken", broken_note(exc, recorder.assembler.duration_s)
    closed = ConnectionError("closed before audio.done")
    return "broken", broken_note(closed, recorder.assembler.duration_s)


def stopped_note(seconds: float, acknowledged: bool) -> str:
    dropped = " and the service dropped the rest of the text" if acknowledged else ""
    return f"Stopped after {seconds:.1f} s of audio{dropped}."


def _clear_and_wait(session: Any, wait_s: float = 0.5) -> bool:
    """Send ``text.clear`` and wait briefly for ``audio.clear``; whether the server confirmed."""
    from xai_magics.client.tts_stream import AudioCleared

    # The socket may already be broken: stopping is what the caller wants either way.
    with contextlib.suppress(Exception):
        session.clear()
        while (event := session.receive(timeout=wait_s)) is not None:
            if isinstance(event, AudioCleared):
                return True
    return False
