"""Wire check: the official ``openai`` SDK, unchanged, talks to the emulator like to api.x.ai.

If the emulator drifted from the OpenAI-compatible wire format that the real service speaks,
our client and the emulator could agree with each other and both be wrong; the SDK is the
independent third party.
"""

from __future__ import annotations

import pytest

from tests.client.emulated import HELLO, MODEL, make_client
from xai_magics.emulator import Emulator

openai = pytest.importorskip("openai", reason="the openai SDK is a test dependency")


@pytest.fixture
def sdk(emu: Emulator, api_env: dict[str, str]) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_env["XAI_API_KEY"], base_url=api_env["XAI_BASE_URL"])


def test_sdk_chat_plain_and_streamed_match_our_client(
    sdk: openai.OpenAI, api_env: dict[str, str]
) -> None:
    plain = sdk.chat.completions.create(model=MODEL, messages=HELLO)  # type: ignore[arg-type]
    chunks = list(
        sdk.chat.completions.create(
            model=MODEL,
            messages=HELLO,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    with make_client(api_env) as client:
        ours = client.chat.create(model=MODEL, messages=HELLO)
    assert plain.choices[0].message.content == streamed == ours.text
    assert plain.choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None
    assert plain.usage is not None
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens
    assert ours.usage is not None
    assert ours.usage.output_tokens == plain.usage.completion_tokens


def test_sdk_responses_plain_and_streamed_match_our_client(
    sdk: openai.OpenAI, api_env: dict[str, str]
) -> None:
    plain = sdk.responses.create(model=MODEL, input="Say hello")
    with sdk.responses.stream(model=MODEL, input="Say hello") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    with make_client(api_env) as client:
        ours = client.responses.create(model=MODEL, input="Say hello")
    assert plain.output_text == "".join(deltas) == final.output_text == ours.text
    assert plain.status == final.status == "completed"
    assert final.usage is not None
    assert ours.usage is not None
    assert ours.usage.output_tokens == final.usage.output_tokens - (
        final.usage.output_tokens_details.reasoning_tokens
    )
