"""`make demo`'s emulator is paced like the service, so the speech example plays while the audio
is still arriving rather than after it all came at once."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEXT = "The sky is blue because air scatters short blue waves of sunlight more than red ones. " * 3


def demo_pace() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pace: dict[str, Any] = module.EMULATOR_PACE
    return pace


def test_the_demo_emulator_streams_speech_slower_than_at_once() -> None:
    from xai_magics.client import XAIClient
    from xai_magics.emulator import Emulator
    from xai_magics.speech import speak

    pace = demo_pace()
    assert 0 < pace["tts_realtime_factor"] < 1  # faster than it plays, but not all at once
    emulator = Emulator(port=0, **pace).start()
    try:
        client = XAIClient(api_key="xai-demo-pace-test", base_url=emulator.base_url)
        started = time.monotonic()
        clip = speak(TEXT, client=client, codec="pcm")
        took = time.monotonic() - started
        client.close()
    finally:
        emulator.stop()
    # audio of several seconds arrives spread over about a quarter of its length
    assert clip.duration_s > 4
    assert took > 0.8 * pace["tts_realtime_factor"] * clip.duration_s
