"""Streaming throughput: our chat stream against raw httpx and the official openai SDK.

One local server process sends a 20,000-event chat stream, one event per HTTP chunk. Each
round runs every method once, in turn (interleaved, so noise hits them alike); the table
shows the median over rounds. Goals (research/perf-limits.md §6): ours ≥ 0.5× httpx
``iter_raw`` (the ceiling of any httpx client) and ≥ 7× the openai SDK.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

EVENTS = 20_000
ROUNDS = 5
BODY = {"model": "grok-4.3", "messages": [{"role": "user", "content": "count"}], "stream": True}


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "benchmarks._sse_server", str(EVENTS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    from xai_magics.client import TextDelta, XAIClient

    proc, base_url = start_server()
    try:
        raw = httpx.Client(timeout=60)
        ours = XAIClient(api_key="xai-benchmark-key", base_url=base_url)
        methods: dict[str, Callable[[], int]] = {}

        def httpx_iter_raw() -> int:
            # Counts event ends ("\n\n", also across reads); the last 3 are not tokens.
            ends, last = 0, b""
            with raw.stream("POST", base_url + "/chat/completions", json=BODY) as response:
                for chunk in response.iter_raw():
                    ends += chunk.count(b"\n\n") + (last == b"\n" and chunk[:1] == b"\n")
                    last = chunk[-1:]
            return ends - 3

        def our_chat_stream() -> int:
            stream = ours.chat.stream(model="grok-4.3", messages=BODY["messages"])
            return sum(1 for e in stream if isinstance(e, TextDelta))

        def pydantic_per_chunk() -> int:
            # The road not taken: validate every chunk with the wire model.
            from xai_magics.client.sse import SSEDecoder
            from xai_magics.schemas.chat import ChatCompletionChunk

            decoder, count = SSEDecoder(), 0
            with raw.stream("POST", base_url + "/chat/completions", json=BODY) as response:
                for chunk in response.iter_raw():
                    for event in decoder.feed(chunk):
                        if event.data == "[DONE]":
                            continue
                        parsed = ChatCompletionChunk.model_validate_json(event.data)
                        if parsed.choices and parsed.choices[0].delta:
                            count += bool(parsed.choices[0].delta.content)
            return count

        methods["httpx iter_raw (ceiling)"] = httpx_iter_raw
        methods["xai_magics chat.stream"] = our_chat_stream
        methods["SSE + pydantic per chunk"] = pydantic_per_chunk
        try:
            import openai

            sdk = openai.OpenAI(api_key="xai-benchmark-key", base_url=base_url)

            def openai_sdk() -> int:
                stream = sdk.chat.completions.create(
                    model="grok-4.3",
                    messages=BODY["messages"],  # type: ignore[arg-type]
                    stream=True,
                )
                return sum(1 for c in stream if c.choices and c.choices[0].delta.content)

            methods["openai SDK (sync)"] = openai_sdk
        except ImportError:
            print("openai is not installed: SDK comparison skipped")

        for method in methods.values():  # warm-up: connections, imports, caches
            method()
        rates: dict[str, list[float]] = {name: [] for name in methods}
        for _ in range(ROUNDS):
            for name, method in methods.items():
                started = time.perf_counter()
                count = method()
                elapsed = time.perf_counter() - started
                if count != EVENTS:
                    raise RuntimeError(f"{name} saw {count} events, expected {EVENTS}")
                rates[name].append(count / elapsed)
        medians = {name: statistics.median(values) for name, values in rates.items()}
        ceiling = medians["httpx iter_raw (ceiling)"]
        sdk_rate = medians.get("openai SDK (sync)")
        print(f"{EVENTS} events, one per HTTP chunk; median of {ROUNDS} interleaved rounds")
        print(f"{'method':<28}{'events/s':>12}{'µs/event':>10}{'× iter_raw':>12}{'× openai':>10}")
        for name, rate in medians.items():
            vs_sdk = f"{rate / sdk_rate:10.1f}" if sdk_rate else f"{'-':>10}"
            print(f"{name:<28}{rate:12,.0f}{1e6 / rate:10.1f}{rate / ceiling:12.2f}{vs_sdk}")
        print("goal: xai_magics ≥ 0.5× iter_raw and ≥ 7× openai")
        raw.close()
        ours.close()
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
