"""``Emulator``: the server on 127.0.0.1, run by a tornado IOLoop in a daemon thread."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

from xai_magics.emulator.control import EmulatorControl
from xai_magics.emulator.knobs import Knobs


class Emulator:
    """A real HTTP + WebSocket server that plays api.x.ai; every answer is simulated.

    ``Emulator(port=0).start()`` binds a free port; ``base_url`` is what a client uses as its
    API base, ``control`` drives the admin routes. Knobs (see ``Knobs``) are keyword arguments.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", **knobs: Any) -> None:
        self.host = host
        self.port = port
        self.initial_knobs = Knobs().updated(knobs)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._control: EmulatorControl | None = None

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def control(self) -> EmulatorControl:
        if self._control is None:
            self._control = EmulatorControl(self.base_url)
        return self._control

    def start(self) -> Emulator:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="xai-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"the emulator could not start: {self._error}") from self._error
        return self

    def _run(self) -> None:
        from tornado.httpserver import HTTPServer
        from tornado.netutil import bind_sockets

        from xai_magics.emulator.app import MAX_BODY_BYTES, make_app
        from xai_magics.emulator.state import State

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            sockets = bind_sockets(self.port, self.host)
            self.port = sockets[0].getsockname()[1]
            server: HTTPServer | None = None

            def open_connections() -> int:
                return len(getattr(server, "_connections", ()))

            app = make_app(State(self.initial_knobs), open_connections)
            server = HTTPServer(app, max_body_size=MAX_BODY_BYTES, idle_connection_timeout=60)
            server.add_sockets(sockets)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.stop()
            loop.run_until_complete(_close_connections(server))
            loop.close()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None
        if self._control is not None:
            self._control.close()
            self._control = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"<Emulator {self.base_url} {state}>"


async def _close_connections(server: Any) -> None:
    try:
        await asyncio.wait_for(server.close_all_connections(), 2)
    except Exception:  # shutting down regardless
        return
