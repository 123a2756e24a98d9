"""Fault injection, the request log and the admin routes, observed over real sockets."""

from __future__ import annotations

import hashlib
import json
import time

import httpx
import pytest

from tests.emulator.conftest import KEY
from tests.emulator.wire import chat_chunks, response_events
from xai_magics.emulator import Emulator
from xai_magics.emulator.control import EmulatorControlError

CHAT = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hello there"}]}
STREAM = {**CHAT, "stream": True}


def events_until_failure(http: httpx.Client, body: dict) -> tuple[list[bytes], Exception | None]:
    """Raw SSE events read before the stream ended or broke."""
    events: list[bytes] = []
    buffer = b""
    try:
        with http.stream("POST", "/chat/completions", json=body) as response:
            for chunk in response.iter_raw():
                buffer += chunk
                while b"\n\n" in buffer:
                    event, buffer = buffer.split(b"\n\n", 1)
                    events.append(event)
    except httpx.HTTPError as exc:
        return events, exc
    return events, None


def test_status_fault_sends_headers_and_flat_body_once(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject(
        "status", "/v1/chat/completions", status=429, retry_after="2", retry_after_ms=300
    )
    failed = http.post("/chat/completions", json=CHAT)
    assert failed.status_code == 429
    assert failed.headers["retry-after"] == "2"
    assert failed.headers["retry-after-ms"] == "300"
    assert failed.json()["code"] == "Some resource has been exhausted"
    assert http.post("/chat/completions", json=CHAT).status_code == 200
    assert [e["fault"] for e in emu.control.log()] == ["status", None]


def test_fault_fires_times_then_is_removed(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("status", "/v1/chat/completions", status=503, times=2)
    statuses = [http.post("/chat/completions", json=CHAT).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert emu.control.faults() == []


def test_fault_matches_prefix_and_method(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("status", "/v1/models*", method="GET", status=500, body={"custom": True})
    assert http.post("/chat/completions", json=CHAT).status_code == 200
    failed = http.get("/models/grok-4.3")
    assert failed.status_code == 500
    assert failed.json() == {"custom": True}
    assert http.get("/models").status_code == 200


def test_reset_fault_drops_the_connection_before_any_byte(
    emu: Emulator, http: httpx.Client
) -> None:
    emu.control.inject("reset", "/v1/chat/completions")
    with pytest.raises(httpx.TransportError):
        http.post("/chat/completions", json=CHAT)
    entry = emu.control.log()[0]
    assert entry["fault"] == "reset"
    assert entry["status"] is None
    assert http.post("/chat/completions", json=CHAT).status_code == 200


def test_stall_fault_delays_the_headers(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("stall", "/v1/chat/completions", seconds=0.3)
    began = time.monotonic()
    assert http.post("/chat/completions", json=CHAT).status_code == 200
    assert time.monotonic() - began >= 0.3


def test_reset_mid_stream_sends_n_events_then_resets(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("reset_mid_stream", "/v1/chat/completions", after_events=4)
    events, error = events_until_failure(http, STREAM)
    assert isinstance(error, httpx.TransportError)
    assert len(events) == 4
    assert all(e.startswith(b"data: {") for e in events)


def test_eof_mid_stream_ends_cleanly_without_done(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("eof_mid_stream", "/v1/chat/completions", after_events=3)
    events, error = events_until_failure(http, STREAM)
    assert error is None
    assert len(events) == 3
    assert b"[DONE]" not in b"".join(events)


def test_stall_mid_stream_pauses_then_completes(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("stall_mid_stream", "/v1/chat/completions", after_events=2, seconds=0.8)
    arrivals: list[float] = []
    began = time.monotonic()
    with http.stream("POST", "/chat/completions", json=STREAM) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic() - began)
    # the first two events come at once; the third cannot leave before the stall is over
    assert arrivals[1] < 0.8 <= arrivals[2]
    assert len(arrivals) > 3


def test_corrupt_event_breaks_one_event_only(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("corrupt_event", "/v1/chat/completions", after_events=2)
    text = http.post("/chat/completions", json=STREAM).text
    payloads = [block[len("data: ") :] for block in text.split("\n\n") if block]
    broken = []
    for index, payload in enumerate(payloads):
        if payload == "[DONE]":
            continue
        try:
            json.loads(payload)
        except ValueError:
            broken.append(index)
    assert broken == [2]
    assert payloads[-1] == "[DONE]"


def test_error_event_on_chat_stream(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("error_event", "/v1/chat/completions", after_events=3, message="boom")
    chunks = chat_chunks(http.post("/chat/completions", json=STREAM).text)
    assert len(chunks) == 4
    assert chunks[-1] == {"code": "Internal error", "error": "boom"}


def test_error_event_on_responses_stream(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("error_event", "/v1/responses", after_events=5)
    body = {"model": "grok-4.3", "input": "hello", "stream": True}
    events = response_events(http.post("/responses", json=body).text)
    assert len(events) == 6
    name, payload = events[-1]
    assert name == "error"
    assert payload["type"] == "error"
    assert payload["sequence_number"] == 5
    assert "response.completed" not in [n for n, _ in events]


def test_commit_then_fail_keeps_the_effect(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("commit_then_fail", "/v1/files", status=502)
    failed = http.post("/files", files={"file": ("notes.txt", b"kept anyway")})
    assert failed.status_code == 502
    assert emu.control.log()[0]["fault"] == "commit_then_fail"
    listed = http.get("/files").json()["data"]
    assert [f["filename"] for f in listed] == ["notes.txt"]


def test_commit_then_reset(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("commit_then_fail", "/v1/chat/completions", then="reset")
    with pytest.raises(httpx.TransportError):
        http.post("/chat/completions", json=CHAT)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_answer_fault_sets_the_exact_text(emu: Emulator, http: httpx.Client, stream: bool) -> None:
    hostile = "<script>alert(1)</script> **bold** [x](javascript:alert(2))"
    emu.control.inject("answer", "/v1/chat/completions", text=hostile)
    response = http.post("/chat/completions", json={**CHAT, "stream": stream})
    if stream:
        chunks = chat_chunks(response.text)
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-2])
        assert len(chunks) > 4
    else:
        text = response.json()["choices"][0]["message"]["content"]
    assert text == hostile


def test_answer_fault_on_responses(emu: Emulator, http: httpx.Client) -> None:
    emu.control.inject("answer", "/v1/responses", text="exactly this")
    body = http.post("/responses", json={"model": "grok-4.3", "input": "x"}).json()
    assert body["output"][-1]["content"][0]["text"] == "exactly this"


def test_log_hashes_the_key_and_records_the_body(emu: Emulator, http: httpx.Client) -> None:
    http.post("/chat/completions", json=CHAT)
    http.get("/models", params={"limit": "3"})
    log = emu.control.log()
    assert [e["seq"] for e in log] == [1, 2]
    assert log[0]["key_sha256"] == hashlib.sha256(KEY.encode()).hexdigest()
    assert log[0]["body"] == CHAT
    assert log[0]["status"] == 200
    assert log[1]["query"] == "limit=3"
    assert log[1]["body"] is None
    raw = httpx.get(emu.control.admin_url + "/log").text
    assert KEY not in raw
    assert KEY[4:20] not in raw


def test_reset_restores_knobs_and_clears_state(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(ttft_ms=5, priority_granted=False)
    emu.control.inject("status", "/v1/models", method="GET", status=500)
    created = http.post("/responses", json={"model": "grok-4.3", "input": "x"}).json()
    emu.control.reset()
    assert emu.control.knobs()["ttft_ms"] == 0
    assert emu.control.knobs()["priority_granted"] is True
    assert emu.control.faults() == []
    assert emu.control.log() == []
    assert http.get(f"/responses/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    "knobs",
    [{"no_such_knob": 1}, {"ttft_ms": "fast"}, {"priority_granted": 1}, {"batch_error_shape": "x"}],
    ids=["unknown", "wrong-number", "wrong-bool", "bad-shape"],
)
def test_config_rejects_bad_knobs(emu: Emulator, knobs: dict) -> None:
    with pytest.raises(EmulatorControlError):
        emu.control.configure(**knobs)


def test_unknown_fault_kind_is_rejected(emu: Emulator) -> None:
    with pytest.raises(EmulatorControlError, match="unknown fault kind"):
        emu.control.inject("explode", "/v1/models")


def test_tokens_per_second_paces_the_stream(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(tokens_per_second=100, ttft_ms=200)
    body = {
        **STREAM,
        "messages": [{"role": "user", "content": "emulator:tokens=30"}],
        "reasoning_effort": "none",
    }
    began = time.monotonic()
    chunks = chat_chunks(http.post("/chat/completions", json=body).text)
    assert len(chunks) == 32
    assert time.monotonic() - began >= 0.2 + 29 / 100


def settled_connections(emu: Emulator) -> int:
    """The open-connection count once connections left by earlier tests have closed."""
    previous, deadline = -1, time.monotonic() + 5
    while time.monotonic() < deadline:
        count = emu.control.open_connections()
        if count == previous:
            return count
        previous = count
        time.sleep(0.05)
    return previous


def test_open_connections_counts_client_connections(emu: Emulator) -> None:
    before = settled_connections(emu)
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as client:
        client.get(f"{emu.base_url}/models")
        assert emu.control.open_connections() == before + 1
    deadline = time.monotonic() + 5
    while emu.control.open_connections() != before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert emu.control.open_connections() == before


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses"])
def test_trickle_body_sends_a_plain_answer_in_slow_pieces(
    emu: Emulator, http: httpx.Client, path: str
) -> None:
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "Hi"}]}
    if path == "/v1/responses":
        body = {"model": "grok-4.3", "input": "Hi"}
    whole = http.post(path.removeprefix("/v1"), json=body).content
    emu.control.inject("trickle_body", path, chunk_bytes=200, interval=0.05)
    began = time.monotonic()
    with http.stream("POST", path.removeprefix("/v1"), json=body) as response:
        reads = [chunk for chunk in response.iter_raw() if chunk]
    elapsed = time.monotonic() - began
    pieces = -(-len(whole) // 200)
    assert len(reads) >= pieces // 2 > 1
    assert elapsed >= (pieces - 1) * 0.05
    assert json.loads(b"".join(reads)).keys() == json.loads(whole).keys()


def test_connections_opened_counts_new_api_connections_since_reset(emu: Emulator) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(headers=headers) as kept_alive:
        kept_alive.get(f"{emu.base_url}/models")
        emu.control.reset()
        for _ in range(5):
            kept_alive.get(f"{emu.base_url}/models")
        assert emu.control.connections_opened() == 0
    for _ in range(3):
        with httpx.Client(headers=headers) as fresh:
            fresh.get(f"{emu.base_url}/models")
    emu.control.log()
    stats = emu.control.stats()
    assert stats["connections_opened"] == 3
    emu.control.reset()
    assert emu.control.connections_opened() == 0


def test_stream_chunk_bytes_splits_the_stream_into_small_reads(
    emu: Emulator, http: httpx.Client
) -> None:
    emu.control.inject("answer", "/v1/chat/completions", text="héllo wörld ✓", times=2)
    whole = http.post("/chat/completions", json=STREAM).content
    emu.control.configure(stream_chunk_bytes=7)
    with http.stream("POST", "/chat/completions", json=STREAM) as response:
        reads = list(response.iter_raw())
    joined = b"".join(reads)
    chunks = chat_chunks(joined.decode())
    assert (
        "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-2]) == "héllo wörld ✓"
    )
    assert len(joined) == len(whole)
    assert max(len(r) for r in reads) < len(joined) // 4
