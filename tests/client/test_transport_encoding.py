"""Compressed answers decode, plain and streamed (api.x.ai may gzip; the emulator never does)."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xai_magics.client import XAIClient

MODELS = json.dumps({"object": "list", "data": [{"id": "grok-4.3"}, {"id": "grok-4.5"}]}).encode()
STREAM = (
    b"".join(
        b'data: {"choices":[{"index":0,"delta":{"content":"t%d "}}]}\n\n' % i for i in range(40)
    )
    + b"data: [DONE]\n\n"
)


class GzipHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, payload: bytes, content_type: str) -> None:
        packed = gzip.compress(payload)
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(packed)))
        self.end_headers()
        self.wfile.write(packed)

    def do_GET(self) -> None:
        self._send(MODELS, "application/json")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self._send(STREAM, "text/event-stream")


@pytest.fixture
def gzip_base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), GzipHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_gzip_bodies_and_streams_decode(gzip_base_url: str) -> None:
    with XAIClient(api_key="xai-gzip-encoding-test", base_url=gzip_base_url) as client:
        ids = [m.id for m in client.models.list()]
        streamed = client.chat.stream(model="grok-4.3", messages=[]).until_done()
    assert ids == ["grok-4.3", "grok-4.5"]
    assert streamed.text == "".join(f"t{i} " for i in range(40))
    assert streamed.status == "completed"
