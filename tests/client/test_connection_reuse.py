"""The client keeps its connections: error answers and retries reuse them, only a broken one is
replaced, and closing the client leaves nothing open (reliability R7, R11)."""

from __future__ import annotations

import pytest

from tests.client.emulated import CHAT, HELLO, MODEL, make_client, open_connections_settle
from xai_magics.client import InternalServerError, NotFoundError
from xai_magics.emulator import Emulator


def test_many_calls_share_one_kept_alive_connection(emu: Emulator, api_env: dict[str, str]) -> None:
    with make_client(api_env) as client:
        for _ in range(20):
            client.chat.create(model=MODEL, messages=HELLO)
        client.models.list()
        assert emu.control.connections_opened() == 1
    assert open_connections_settle(emu.control) == 0


@pytest.mark.parametrize(
    ("status", "times", "error"),
    [(500, 5, InternalServerError), (429, 2, None), (404, 1, NotFoundError)],
    ids=["5xx-exhausted", "429-then-success", "404-final"],
)
def test_error_answers_and_their_retries_reuse_the_connection(
    emu: Emulator,
    api_env: dict[str, str],
    status: int,
    times: int,
    error: type[Exception] | None,
) -> None:
    emu.control.inject("status", CHAT, status=status, times=times, retry_after_ms=10)
    with make_client(api_env) as client:
        if error is None:
            client.chat.create(model=MODEL, messages=HELLO)
        else:
            with pytest.raises(error):
                client.chat.create(model=MODEL, messages=HELLO)
        client.chat.create(model=MODEL, messages=HELLO)
        assert emu.control.connections_opened() == 1
    assert open_connections_settle(emu.control) == 0


def test_a_reset_connection_is_replaced_once(emu: Emulator, api_env: dict[str, str]) -> None:
    emu.control.inject("reset", CHAT)
    with make_client(api_env) as client:
        assert client.chat.create(model=MODEL, messages=HELLO).retries == 1
        client.chat.create(model=MODEL, messages=HELLO)
        assert emu.control.connections_opened() == 2
    assert open_connections_settle(emu.control) == 0
