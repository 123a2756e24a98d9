"""An unreachable server: the error names the URL and whether the emulator or the real API was
meant, and the same client works once the server is up (reliability R10)."""

from __future__ import annotations

import os
import socket

import httpx
import pytest

from xai_magics.client import APIConnectionError, XAIClient
from xai_magics.emulator import Emulator


def test_unreachable_server_names_the_url_and_the_emulator() -> None:
    assert os.environ["XAI_BASE_URL"] == "http://127.0.0.1:9/v1"
    client = XAIClient(api_key="xai-any-key-at-all", max_retries=0)
    with client, pytest.raises(APIConnectionError) as caught:
        client.models.list()
    assert str(caught.value).startswith(
        "cannot reach http://127.0.0.1:9/v1 (connection refused) — "
        "this local address is taken to be the emulator: is it running"
    )
    assert "XAI_BASE_URL" in str(caught.value)


def test_the_same_client_works_once_the_emulator_is_up() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    with XAIClient(api_key="xai-any-key-at-all", base_url=base_url, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="connection refused"):
            client.models.list()
        with Emulator(port=port) as emulator:
            assert [m.id for m in client.models.list()]
            assert emulator.control.open_connections() == 1
        assert emulator.port == port


@pytest.mark.parametrize(
    ("base_url", "says"),
    [
        ("https://api.x.ai/v1", "this is the real xAI API: check the network"),
        ("https://proxy.example.com/v1", "this XAI_BASE_URL is neither api.x.ai nor a local"),
    ],
    ids=["real-api", "other-host"],
)
def test_unreachable_remote_server_says_which_api_was_meant(base_url: str, says: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    client = XAIClient(
        api_key="xai-any-key-at-all", base_url=base_url, http_client=http, max_retries=0
    )
    with client, pytest.raises(APIConnectionError) as caught:
        client.models.list()
    assert str(caught.value).startswith(f"cannot reach {base_url} (connection refused) — {says}")


def test_unreachable_tts_socket_names_the_url_and_the_emulator() -> None:
    client = XAIClient(api_key="xai-any-key-at-all", max_retries=0)
    with client, pytest.raises(APIConnectionError) as caught:
        client.tts.stream().send_text("hello")
    text = str(caught.value)
    assert text.startswith("cannot reach ws://127.0.0.1:9/v1/tts (")
    assert "this local address is taken to be the emulator" in text
