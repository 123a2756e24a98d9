"""A canary key never shows: not in reprs, errors, tracebacks with frame locals, or DEBUG logs."""

from __future__ import annotations

import _thread
import logging
import secrets
import string
import threading
import traceback
from collections.abc import Callable, Iterator
from types import TracebackType

import pytest

from tests.client.emulated import CHAT, HELLO, MODEL, fast_timeouts
from xai_magics.client import XAIClient, XAIError
from xai_magics.emulator import Emulator

ALPHABET = string.ascii_lowercase + string.digits


@pytest.fixture
def canary(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    key = "xai-" + "".join(secrets.choice(ALPHABET) for _ in range(60))
    monkeypatch.setenv("XAI_API_KEY", key)
    monkeypatch.setenv("XAI_BASE_URL", emu.base_url)
    return key


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "xai_magics"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def frames(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__]


def verbose_tb(exc: BaseException) -> str:
    """The traceback as IPython prints it under ``%xmode Verbose`` (with every frame's locals)."""
    from IPython.core.ultratb import VerboseTB

    return str(VerboseTB().text(type(exc), exc, exc.__traceback__))


def texts_of(exc: BaseException) -> Iterator[str]:
    """Everything a user or a verbose traceback could print about ``exc``."""
    yield "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    yield verbose_tb(exc)
    for item in exception_chain(exc):
        yield str(item)
        yield repr(item)
        yield repr(vars(item))
        yield from frame_locals(item.__traceback__)


def frame_locals(tb: TracebackType | None) -> Iterator[str]:
    """``name=repr(value)`` for every local of every frame from ``tb`` down."""
    for frame_tb in frames(tb):
        for name, value in frame_tb.tb_frame.f_locals.items():
            try:
                yield f"{name}={value!r}"
            except Exception as err:  # a broken repr is not a leak
                yield f"{name}=<repr failed: {type(err).__name__}>"


def raised(call: Callable[[], object]) -> BaseException:
    try:
        call()
    except XAIError as exc:
        return exc
    raise AssertionError("the call did not fail")


def assert_absent(canary: str, texts: Iterator[str] | list[str]) -> None:
    for text in texts:
        assert canary not in text
        assert canary[4:24] not in text


def test_reprs_never_show_the_key(canary: str) -> None:
    with XAIClient() as client:
        objects = [client, client.config, client.transport, client.transport._auth]
        assert_absent(canary, [repr(o) for o in objects] + [str(o) for o in objects])
        assert "set (from XAI_API_KEY)" in repr(client.config)


def test_errors_tracebacks_and_debug_logs_never_show_the_key(
    canary: str, emu: Emulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    failures: list[BaseException] = []
    with XAIClient(max_retries=0, timeouts=fast_timeouts(read=0.5)) as client:
        client.chat.stream(model=MODEL, messages=HELLO).until_done()

        emu.control.inject("status", CHAT, status=500)
        failures.append(raised(lambda: client.chat.create(model=MODEL, messages=HELLO)))

        emu.control.inject("status", CHAT, status=401, body={"code": "x", "error": f"no {canary}"})
        failures.append(raised(lambda: client.chat.create(model=MODEL, messages=HELLO)))

        emu.control.inject("status", CHAT, status=500, body={"code": "x", "error": f"k={canary}"})
        failures.append(raised(lambda: client.chat.create(model=MODEL, messages=HELLO)))

        emu.control.inject("reset_mid_stream", CHAT, after_events=3)
        failures.append(
            raised(lambda: client.chat.stream(model=MODEL, messages=HELLO).until_done())
        )

        emu.control.inject("stall_mid_stream", CHAT, after_events=3, seconds=2)
        failures.append(
            raised(lambda: client.chat.stream(model=MODEL, messages=HELLO).until_done())
        )

        emu.control.configure(bad_key=canary)
        failures.append(raised(lambda: client.chat.create(model=MODEL, messages=HELLO)))

    with XAIClient(base_url="http://127.0.0.1:9/v1", max_retries=1) as unreachable:
        failures.append(raised(unreachable.models.list))

    assert [type(f).__name__ for f in failures] == [
        "InternalServerError",
        "AuthenticationError",
        "InternalServerError",
        "IncompleteStreamError",
        "APITimeoutError",
        "AuthenticationError",
        "APIConnectionError",
    ]
    for failure in failures:
        assert_absent(canary, texts_of(failure))
    # The verbose rendering really does show our frames' locals (so the check above has teeth).
    assert "Transport(base_url=" in verbose_tb(failures[0])
    records = debug_logs.records
    assert any(r.name.startswith("httpcore") for r in records), "DEBUG logging was not captured"
    assert_absent(canary, [debug_logs.text])
    assert_absent(canary, [repr(r.args) + str(r.exc_info) for r in records])


def test_a_request_interrupted_in_flight_leaves_no_key_in_library_frames(
    canary: str, emu: Emulator
) -> None:
    emu.control.inject("stall", CHAT, seconds=3)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    with XAIClient() as client:
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt) as caught:
                client.chat.create(model=MODEL, messages=HELLO)
        finally:
            timer.cancel()
            timer.join()
    # Skip this test's own frame, whose ``canary`` local is the key by construction.
    inner = caught.value.__traceback__
    assert inner is not None
    inner = inner.tb_next
    names = [tb.tb_frame.f_code.co_filename for tb in frames(inner)]
    assert any("httpcore" in name for name in names), "the interrupt did not land in flight"
    from IPython.core.ultratb import VerboseTB

    verbose = str(VerboseTB().text(KeyboardInterrupt, caught.value, inner))
    assert_absent(canary, [verbose, *frame_locals(inner)])
