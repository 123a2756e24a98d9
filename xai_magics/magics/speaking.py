"""``%%grok --speak``: the answer is spoken while it streams, and never lost to a speech failure.

The text answer comes first: speech runs on its own thread (``Speaker``) and everything it can do
wrong (a broken socket, a refused request, a missing key) ends as a note under the answer, never as
an exception that would take the answer with it. The cell keeps an ordinary audio output of the
clip so a saved notebook still plays it.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xai_magics.speech import Speaker, SpeechResult

__all__ = ["SpeechPlan", "SpokenAnswer", "plan_speech"]


@dataclass(frozen=True)
class SpeechPlan:
    """A checked voice and language: made before any request, so a typo costs nothing."""

    voice: str
    language: str


def plan_speech(voice: str, language: str) -> SpeechPlan:
    """Raises ``SpeechInputError`` (a ``ValueError``) for an unknown voice or language."""
    from xai_magics.speech import check_request

    # check_request wants text; the answer's text is not known yet, any placeholder will do.
    voice, language, _ = check_request("-", voice=voice, language=language)
    return SpeechPlan(voice, language)


class SpokenAnswer:
    """Feeds an answer to a ``Speaker`` and shows the player (with widgets) and the final clip."""

    def __init__(self, plan: SpeechPlan, *, show_player: bool) -> None:
        from IPython.display import display

        from xai_magics.speech import Speaker

        player = None
        if show_player:
            from xai_magics.widgets.audio_player import AudioPlayer

            player = AudioPlayer(codec="pcm")
            player.filename = f"grok-{plan.voice}"
            display(player)  # type: ignore[no-untyped-call]
        self._started = time.monotonic()
        self._player = player
        self.speaker: Speaker = Speaker(voice=plan.voice, language=plan.language, player=player)
        self.result: SpeechResult | None = None

    def feed(self, text: str) -> None:
        self.speaker.feed(text)

    def cancel(self) -> None:
        """The cell was interrupted: stop playback and the socket at once."""
        if self.result is None:
            self.result = _quietly(self.speaker.cancel)
            self._report()

    def finish(self) -> None:
        """Wait for the rest of the audio (an interrupt stops it), then keep the clip."""
        if self.result is not None:
            return
        try:
            self.result = _quietly(self.speaker.finish)
        except KeyboardInterrupt:
            self.result = _quietly(self.speaker.cancel)
        self._report()

    def _report(self) -> None:
        from IPython.display import display

        from xai_magics.magics.tts import audio_output, record_speech_spend

        result = self.result
        if result is None:
            print("The answer could not be spoken.", file=sys.stderr)
            return
        if result.audio:
            record_speech_spend(result, time.monotonic() - self._started)
            display(audio_output(result, player=self._player))  # type: ignore[no-untyped-call]
        if not result.complete and result.note:
            print(result.note, file=sys.stderr)


def _quietly(step: Any) -> SpeechResult | None:
    """Run a speaker step; a failure of speech must not cost the cell its text answer."""
    try:
        result: SpeechResult = step()
    except Exception as exc:
        print(f"The answer could not be spoken: {exc}", file=sys.stderr)
        return None
    return result
