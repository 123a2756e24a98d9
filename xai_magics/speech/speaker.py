"""``Speaker``: speaks an answer while it is still being written."""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import TYPE_CHECKING, Any, cast

from xai_magics.speech.request import check_request
from xai_magics.speech.result import SpeechResult
from xai_magics.speech.sentences import SentenceChunker
from xai_magics.speech.stream import (
    Recorder,
    broken_note,
    check_player,
    run_utterance,
    stopped_note,
)

if TYPE_CHECKING:
    from xai_magics.client import XAIClient
    from xai_magics.schemas.tts import SampleRate
    from xai_magics.widgets.audio_player import AudioPlayer

__all__ = ["Speaker"]

_END = object()


class Speaker:
    """Speaks text while it is being written: ``feed`` deltas, then ``finish`` (or ``cancel``).

    Sentences queue up for one background thread that owns one TTS WebSocket; sentences that
    arrive while an utterance is being synthesised are sent together as the next one.
    """

    def __init__(
        self,
        *,
        client: XAIClient | None = None,
        voice: str = "eve",
        language: str = "en",
        sample_rate: int = 24000,
        speed: float | None = None,
        player: AudioPlayer | None = None,
    ) -> None:
        self.voice, self.language, _ = check_request(
            "-", voice=voice, language=language, sample_rate=sample_rate, speed=speed
        )
        check_player(player, "pcm", sample_rate)
        self.sample_rate = sample_rate
        self.speed = speed
        self.player = player
        self._client = client
        self._chunker = SentenceChunker()
        self._queue: queue.Queue[object] = queue.Queue()
        self._spoken: list[str] = []
        self._recorder = Recorder("pcm", sample_rate, player)
        self._session: Any = None
        self._cancelled = threading.Event()
        self._note = ""
        self._server_cleared = False
        self._thread = threading.Thread(target=self._run, name="xai-magics-speaker", daemon=True)
        self._thread.start()

    def feed(self, delta: str) -> None:
        """Add answer text; complete sentences are sent at once, never blocking the caller."""
        for piece in self._chunker.feed(delta):
            self._queue.put(piece)

    def finish(self, timeout_s: float = 120.0) -> SpeechResult:
        """Send what is left, wait until its audio has arrived, and return the whole clip."""
        rest = self._chunker.flush()
        if rest:
            self._queue.put(rest)
        self._queue.put(_END)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._note = self._note or f"Speech did not finish within {timeout_s:.0f} s."
            self._close()
        complete = not self._note
        if self.player is not None:
            self.player.finish("complete" if complete else "incomplete", self._note)
        return self._result(complete)

    def cancel(self) -> SpeechResult:
        """Stop now: ``text.clear`` to the server, playback stopped, the socket closed."""
        self._cancelled.set()
        if self.player is not None:
            self.player.clear("Stopped.")
        session = self._session
        if session is not None and self._thread.is_alive():
            # Only sent here; the worker thread, which reads the socket, sees the confirmation.
            with contextlib.suppress(Exception):
                session.clear()
        self._queue.put(_END)
        self._thread.join(1.0)
        if self._thread.is_alive():
            self._close()
            self._thread.join(1.0)
        self._note = stopped_note(self._recorder.assembler.duration_s, self._server_cleared)
        return self._result(False)

    def _result(self, complete: bool) -> SpeechResult:
        text = " ".join(self._spoken)
        result = self._recorder.result(text, self.voice, complete=complete, note=self._note)
        clip, _ = result.clip()
        return SpeechResult(
            clip, "wav", self.sample_rate, text, self.voice, complete, result.note, result.marks
        )

    def _close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            # Closing a broken socket has nothing left to report.
            with contextlib.suppress(Exception):
                session.close()

    def _next_utterance(self) -> tuple[str, bool]:
        """All queued pieces joined, and whether the end marker was among them."""
        pieces: list[str] = []
        item = self._queue.get()
        while True:
            if item is _END:
                return " ".join(pieces), True
            pieces.append(str(item))
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return " ".join(pieces), False

    def _run(self) -> None:
        from xai_magics.client import XAIClient

        own = self._client is None
        client: XAIClient | None = self._client
        try:
            ended = False
            while not ended and not self._cancelled.is_set():
                text, ended = self._next_utterance()
                if not text or self._cancelled.is_set():
                    continue
                if self._session is None:
                    client = client or XAIClient()
                    self._session = client.tts.stream(
                        voice=self.voice,
                        language=self.language,
                        codec="pcm",
                        sample_rate=cast("SampleRate", self.sample_rate),
                        speed=self.speed,
                        with_timestamps=True,
                    )
                self._spoken.append(text)
                if self.player is not None:
                    # Timestamps of consecutive sentences carry no spaces between them: the
                    # player shows the whole text spoken so far, spaced as it was written.
                    self.player.text = " ".join(self._spoken)
                outcome, note = run_utterance(self._session, text, self._recorder)
                if outcome == "cleared":
                    self._server_cleared = True
                    return
                if outcome == "broken":
                    if not self._cancelled.is_set():
                        self._note = note
                    return
        except Exception as exc:
            if not self._cancelled.is_set():
                self._note = broken_note(exc, self._recorder.assembler.duration_s)
        finally:
            self._close()
            if own and client is not None:
                client.close()
