"""``/v1/tts``: the streaming WebSocket (GET with Upgrade) and the REST synthesis (POST).

Both share one path, so one handler serves both. Over the socket the client sends ``text.delta``,
``text.done`` and ``text.clear``; the server answers ``audio.delta`` chunks (base64, about
``tts_chunk_ms`` of audio each, paced by ``tts_realtime_factor``), ``audio.done`` with a trace id,
``audio.clear``, or ``error``. The socket stays open for more utterances.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import Awaitable
from typing import Any

import tornado.websocket

from xai_magics.emulator.audio_codecs import encode_chunks
from xai_magics.emulator.audio_synth import synthesize
from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.faults import STREAM_KINDS
from xai_magics.emulator.sockets import abort, drain
from xai_magics.emulator.tts_options import MAX_TEXT_CHARS, TTSOptions, timestamps, tts_options
from xai_magics.emulator.tts_rest import speak


class TTSHandler(tornado.websocket.WebSocketHandler, BaseHandler):
    #: recorded (2026-08): POST /v1/tts answers with x-trace-id and no retention headers
    service_headers = frozenset({"x-trace-id"})

    def initialize(self, state: Any) -> None:
        BaseHandler.initialize(self, state)
        self.tts: TTSOptions | None = None
        self.pending_text: list[str] = []
        self.utterances: asyncio.Queue[str | None] = asyncio.Queue()
        self.generation = 0
        self.deltas_sent = 0
        self.worker: asyncio.Task[None] | None = None

    def post(self) -> None:
        speak(self)

    async def get(self, *args: Any, **kwargs: Any) -> None:
        arg = self.get_query_argument
        self.tts = tts_options(
            voice=arg("voice", None),
            language=arg("language", None),
            codec=arg("codec", None),
            sample_rate=arg("sample_rate", None),
            bit_rate=arg("bit_rate", None),
            speed=arg("speed", None),
            with_timestamps=arg("with_timestamps", None),
        )
        await super().get(*args, **kwargs)

    def check_origin(self, origin: str) -> bool:
        return True

    def open(self, *args: str, **kwargs: str) -> None:
        self.worker = asyncio.ensure_future(self._work())

    def on_close(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    # --- client messages -------------------------------------------------------------------

    def on_message(self, message: str | bytes) -> None:
        try:
            event = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            self._send({"type": "error", "message": "Messages must be JSON text frames."})
            return
        kind = event.get("type") if isinstance(event, dict) else None
        if kind == "text.delta":
            delta = event.get("delta")
            if not isinstance(delta, str):
                self._send({"type": "error", "message": "text.delta needs a string 'delta'."})
            elif len(delta) > MAX_TEXT_CHARS:
                self._send(
                    {"type": "error", "message": f"text.delta exceeds {MAX_TEXT_CHARS} characters."}
                )
            else:
                self.pending_text.append(delta)
        elif kind == "text.done":
            text, self.pending_text = "".join(self.pending_text), []
            self.utterances.put_nowait(text)
        elif kind == "text.clear":
            self.pending_text = []
            self.generation += 1
            while not self.utterances.empty():
                self.utterances.get_nowait()
            self._send({"type": "audio.clear"})
        else:
            self._send({"type": "error", "message": f"Unknown message type {kind!r}."})

    # --- audio out --------------------------------------------------------------------------

    def _send(self, event: dict[str, Any]) -> Awaitable[None] | None:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return None
        return self.write_message(json.dumps(event))

    async def _deliver(self, event: dict[str, Any]) -> None:
        """Send and wait until the frame reached the socket, so faults cut at a known point."""
        sent = self._send(event)
        if sent is not None:
            with contextlib.suppress(tornado.websocket.WebSocketClosedError):
                await sent

    async def _work(self) -> None:
        while True:
            text = await self.utterances.get()
            if text is None:
                return
            await self._speak(text, self.generation)

    async def _speak(self, text: str, generation: int) -> None:
        options = self.tts
        assert options is not None
        if not text.strip():
            self._send({"type": "audio.done", "trace_id": str(uuid.uuid4())})
            return
        speech = synthesize(text, options.voice, options.sample_rate, options.speed)
        knobs = self.state.knobs
        samples_per_chunk = max(1, int(options.sample_rate * knobs.tts_chunk_ms / 1000))
        chunks = encode_chunks(
            speech.pcm, options.codec, options.sample_rate, options.bit_rate, samples_per_chunk * 2
        )
        chunk_seconds = knobs.tts_chunk_ms / 1000
        for n, chunk in enumerate(chunks):
            if generation != self.generation:
                return
            if await self._fault_before_delta():
                return
            event: dict[str, Any] = {
                "type": "audio.delta",
                "delta": base64.b64encode(chunk).decode(),
            }
            if self.fault is not None and self.fault.kind == "corrupt_event" and self._fault_due():
                event["delta"] = "!!not base64!!"
                self.fault = None
            if options.with_timestamps:
                start, end = n * chunk_seconds, (n + 1) * chunk_seconds
                marks = [m for m in speech.marks if start <= m[1] < end]
                event["audio_timestamps"] = timestamps(marks)
                event["audio_duration"] = round(min(end, speech.duration) - start, 4)
            await self._deliver(event)
            self.deltas_sent += 1
            if knobs.tts_realtime_factor > 0:
                await asyncio.sleep(chunk_seconds * knobs.tts_realtime_factor)
            else:
                await asyncio.sleep(0)
        if generation == self.generation:
            await self._deliver({"type": "audio.done", "trace_id": str(uuid.uuid4())})

    def _fault_due(self) -> bool:
        return self.fault is not None and self.deltas_sent >= self.fault.int_param(
            "after_events", 0
        )

    async def _fault_before_delta(self) -> bool:
        """Act out a stream fault once its delta count is reached; True when audio must stop."""
        fault = self.fault
        if fault is None or fault.kind not in STREAM_KINDS or not self._fault_due():
            return False
        if fault.kind == "corrupt_event":
            return False
        self.fault = None
        if fault.kind == "stall_mid_stream":
            await asyncio.sleep(fault.float_param("seconds", 1.0))
            return False
        if fault.kind == "error_event":
            message = fault.params.get("message")
            text = message if isinstance(message, str) else "Synthesis failed (simulated)."
            self._send({"type": "error", "message": text})
            return True
        if fault.kind == "eof_mid_stream":
            self.close(1000)
            return True
        close_code = fault.params.get("close_code")
        if isinstance(close_code, int):
            self.close(close_code, "simulated failure")
            return True
        stream = getattr(self.ws_connection, "stream", None)
        sock = getattr(stream, "socket", None)
        if sock is not None:
            await drain(sock)
            abort(sock)
        if stream is not None:
            stream.close()
        return True
