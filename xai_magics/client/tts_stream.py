"""Streaming text to speech over the ``/v1/tts`` WebSocket (sync client).

Text goes up as ``text.delta`` frames, ``text.done`` ends an utterance, ``text.clear`` drops
it; audio comes back as base64 ``audio.delta`` frames, then ``audio.done``. The socket stays
open for further utterances. Iterating a session yields one utterance's events.

The key travels only in the handshake: the ``websockets`` logger we hand over redacts the
Authorization header it logs at DEBUG, and the header is dropped from the connection's copy of
the request once the socket is open.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from xai_magics.client import interpose
from xai_magics.client._closing import Closing
from xai_magics.client.errors import APIConnectionError, APITimeoutError, XAIError, status_error
from xai_magics.client.network_errors import unreachable_hint
from xai_magics.client.redact import redact
from xai_magics.schemas.tts import (
    MAX_TEXT_CHARS,
    AudioClearWire,
    AudioDeltaWire,
    AudioDoneWire,
    AudioTimestamps,
    StreamErrorWire,
    VoiceSettings,
)

if TYPE_CHECKING:
    from xai_magics.client._transport import Transport

__all__ = [
    "AudioCleared",
    "AudioDelta",
    "AudioDone",
    "TTSEvent",
    "TTSSession",
    "TTSStreamClosedError",
    "TTSStreamError",
    "parse_server_event",
]

# A second of 48 kHz PCM is ~128 kB of base64; the library's 1 MiB default is too tight.
_MAX_FRAME_BYTES = 16 * 2**20


class _RedactSecrets(logging.Filter):
    """Scrubs bearer values from log records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


_CLOSED_BY_US = "the speech session is closed: open a new one with tts.stream()"

_WS_LOGGER = logging.getLogger("xai_magics.client.tts_stream.websocket")
_WS_LOGGER.addFilter(_RedactSecrets())


class TTSStreamError(XAIError):
    """The speech stream failed; ``audio`` holds what arrived of the current utterance."""

    def __init__(self, message: str, *, audio: bytes = b"") -> None:
        self.audio = audio
        super().__init__(message)


class TTSStreamClosedError(TTSStreamError):
    """The socket closed (``code``/``reason`` from the close frame, if one came)."""

    def __init__(
        self, message: str, *, audio: bytes = b"", code: int | None = None, reason: str = ""
    ) -> None:
        self.code = code
        self.reason = reason
        super().__init__(message, audio=audio)


@dataclass(frozen=True, repr=False)
class AudioDelta:
    """A piece of audio in the session's codec, with character timings when asked for."""

    audio: bytes
    timestamps: AudioTimestamps | None = None
    duration_s: float | None = None

    def __repr__(self) -> str:
        chars = "".join(self.timestamps.graph_chars) if self.timestamps else None
        return f"AudioDelta(bytes={len(self.audio)}, duration_s={self.duration_s}, chars={chars!r})"


@dataclass(frozen=True)
class AudioDone:
    """The utterance is complete; ``trace_id`` identifies it to xAI support."""

    trace_id: str | None = None


@dataclass(frozen=True)
class AudioCleared:
    """The server dropped the current utterance after ``clear()``."""


TTSEvent = AudioDelta | AudioDone | AudioCleared


def parse_server_event(frame: str | bytes) -> TTSEvent | None:
    """One server frame as an event; ``None`` for event types this client does not know.

    Raises ``TTSStreamError`` for a server ``error`` event and for frames that cannot be read.
    """
    try:
        doc = json.loads(frame)
    except ValueError:
        raise TTSStreamError(
            f"the speech stream sent a frame that is not JSON: {frame[:80]!r}"
        ) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    try:
        if kind == "audio.delta":
            wire = AudioDeltaWire.model_validate(doc)
            audio = base64.b64decode(wire.delta, validate=True)
            return AudioDelta(audio, wire.audio_timestamps, wire.audio_duration)
        if kind == "audio.done":
            return AudioDone(AudioDoneWire.model_validate(doc).trace_id)
        if kind == "audio.clear":
            AudioClearWire.model_validate(doc)
            return AudioCleared()
        if kind == "error":
            message = StreamErrorWire.model_validate(doc).message or "no message"
            raise TTSStreamError(f"the speech service reported an error: {message}")
    except (ValidationError, binascii.Error) as exc:
        problem = "bad base64 audio" if isinstance(exc, binascii.Error) else "missing fields"
        raise TTSStreamError(
            f"the speech stream sent a malformed {kind} event ({problem})"
        ) from None
    return None


def _describe_close(exc: ConnectionClosed) -> tuple[int | None, str]:
    frame = exc.rcvd or exc.sent
    return (frame.code, frame.reason) if frame is not None else (None, "")


class TTSSession(Closing):
    """A live speech stream. Use as a context manager; ``close()`` may be called any time."""

    def __init__(self, connection: ClientConnection, settings: VoiceSettings) -> None:
        self._connection = connection
        self._settings = settings
        self._chunks: list[bytes] = []
        self._in_utterance = False
        self._closed = False

    @classmethod
    def open(
        cls, transport: Transport, settings: VoiceSettings, *, open_timeout: float
    ) -> TTSSession:
        url = transport.ws_url("/tts", settings.query_params())
        where = urlsplit(url)._replace(query="").geturl()
        try:
            connection = interpose.open_socket(
                url,
                lambda: connect(
                    url,
                    additional_headers=transport.auth_header(),
                    open_timeout=open_timeout,
                    max_size=_MAX_FRAME_BYTES,
                    logger=_WS_LOGGER,
                ),
            )
        except InvalidStatus as exc:
            response = exc.response
            failure: XAIError = status_error(
                response.status_code,
                bytes(response.body or b""),
                url=where,
                request_id=response.headers.get("x-request-id"),
                attempts=1,
            )
        except TimeoutError:
            failure = APITimeoutError(
                f"cannot reach {where}: the WebSocket handshake took over {open_timeout:g} s; "
                "check the network and run it again",
                phase="connect",
            )
        except (OSError, InvalidHandshake, InvalidURI) as exc:
            failure = APIConnectionError(
                f"cannot reach {where} ({exc}) — {unreachable_hint(where)}"
            )
        else:
            # websockets >= 17.1 warns on first use unless the connection was entered as a
            # context manager, as ``with connect(...)`` does; ``close()`` still ends it.
            connection.__enter__()
            # The connection keeps its handshake request; the key has no business staying there.
            if connection.request is not None:
                del connection.request.headers["Authorization"]
            return cls(connection, settings)
        # Raised outside the except blocks: the library's frames hold the handshake headers.
        raise failure

    @property
    def settings(self) -> VoiceSettings:
        return self._settings

    @property
    def utterance_audio(self) -> bytes:
        """Audio received so far for the utterance in progress."""
        return b"".join(self._chunks)

    def send_text(self, text: str) -> None:
        """Add text to the current utterance (long text is split into frames the server takes)."""
        for start in range(0, len(text), MAX_TEXT_CHARS):
            self._send({"type": "text.delta", "delta": text[start : start + MAX_TEXT_CHARS]})
            self._in_utterance = True

    def done(self) -> None:
        """Mark the end of the utterance: the server finishes its audio, then ``AudioDone``."""
        self._send({"type": "text.done"})

    def clear(self) -> None:
        """Drop the utterance in progress; the server answers with ``AudioCleared``."""
        self._send({"type": "text.clear"})

    def receive(self, timeout: float | None = None) -> TTSEvent | None:
        """The next event, or ``None`` if none came within ``timeout`` seconds."""
        if self._closed:
            raise TTSStreamClosedError(_CLOSED_BY_US)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = self._connection.recv(timeout=remaining)
            except TimeoutError:
                return None
            except ConnectionClosed as exc:
                failure = self._closed_error(exc)
            else:
                event = self._parse(frame)
                if event is not None:
                    return event
                continue
            raise failure

    def __iter__(self) -> Iterator[TTSEvent]:
        """Events of the current utterance, ending with ``AudioDone`` or ``AudioCleared``."""
        while True:
            event = self.receive()
            if event is None:
                continue
            yield event
            if isinstance(event, (AudioDone, AudioCleared)):
                return

    def close(self) -> None:
        """Close the socket; safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._connection.close()

    def __repr__(self) -> str:
        fmt = self._settings.output_format
        state = "closed" if self._closed else "open"
        return (
            f"TTSSession(voice={self._settings.voice_id!r}, codec={fmt.codec!r}, "
            f"sample_rate={fmt.sample_rate}, {state})"
        )

    def _send(self, message: dict[str, str]) -> None:
        if self._closed:
            raise TTSStreamClosedError(_CLOSED_BY_US)
        try:
            self._connection.send(json.dumps(message))
        except ConnectionClosed as exc:
            failure = self._closed_error(exc)
        else:
            return
        raise failure

    def _parse(self, frame: str | bytes) -> TTSEvent | None:
        try:
            event = parse_server_event(frame)
        except TTSStreamError as exc:
            failure = TTSStreamError(exc.message, audio=self._end_utterance())
        else:
            if isinstance(event, AudioDelta):
                self._chunks.append(event.audio)
            elif isinstance(event, (AudioDone, AudioCleared)):
                self._end_utterance()
            return event
        raise failure

    def _end_utterance(self) -> bytes:
        audio = b"".join(self._chunks)
        self._chunks.clear()
        self._in_utterance = False
        return audio

    def _closed_error(self, exc: ConnectionClosed) -> TTSStreamClosedError:
        code, reason = _describe_close(exc)
        how = (
            f"code {code}" + (f": {reason}" if reason else "")
            if code is not None
            else "no close frame"
        )
        if self._in_utterance or self._chunks:
            audio = self._end_utterance()
            return TTSStreamClosedError(
                f"the speech stream closed before the utterance ended ({how}); "
                f"{len(audio):,} bytes of audio arrived and are in .audio. Open a new session "
                "and send the rest of the text again",
                audio=audio,
                code=code,
                reason=reason,
            )
        return TTSStreamClosedError(
            f"the speech session was closed by the server ({how}): "
            "open a new one with tts.stream()",
            code=code,
            reason=reason,
        )
