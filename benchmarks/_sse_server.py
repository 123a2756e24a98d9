"""A nearly free local SSE server for client benchmarks (run as its own process).

It pre-builds one chat-completions stream of N chunks, each SSE event in its own HTTP/1.1
chunk as live servers flush them, and writes it in 64 KiB slices for every POST. Its cost per
event is close to zero, so what a benchmark measures is the client.
Usage: ``python -m benchmarks._sse_server EVENTS``; prints the port, serves until killed.
"""

from __future__ import annotations

import json
import socket
import sys
import threading


def build_response(events: int) -> bytes:
    head = {
        "id": "5f1a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b",
        "object": "chat.completion.chunk",
        "created": 1770774058,
        "model": "grok-4.3",
        "system_fingerprint": "fp_3a7881249c",
        "service_tier": "default",
    }
    parts = [
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    ]

    def chunk(event: bytes) -> None:
        parts.append(b"%x\r\n%s\r\n" % (len(event), event))

    for i in range(events):
        delta = {"content": f" tok{i % 97}"}
        if i == 0:
            delta["role"] = "assistant"
        doc = {**head, "choices": [{"index": 0, "delta": delta}]}
        chunk(b"data: " + json.dumps(doc, separators=(",", ":")).encode() + b"\n\n")
    final = {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    chunk(b"data: " + json.dumps(final, separators=(",", ":")).encode() + b"\n\n")
    usage = {
        **head,
        "choices": [],
        "usage": {
            "prompt_tokens": 12,
            "completion_tokens": events,
            "total_tokens": 12 + events,
            "cost_in_usd_ticks": 25000 * events,
        },
    }
    chunk(b"data: " + json.dumps(usage, separators=(",", ":")).encode() + b"\n\n")
    chunk(b"data: [DONE]\n\n")
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def serve(conn: socket.socket, response: bytes) -> None:
    with conn:
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(buf) < length:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            buf = buf[length:]
            view = memoryview(response)
            for i in range(0, len(response), 65536):
                conn.sendall(view[i : i + 65536])


def main() -> None:
    response = build_response(int(sys.argv[1]))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, response), daemon=True).start()


if __name__ == "__main__":
    main()
