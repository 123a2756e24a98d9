"""The cassette file on its own: what a damaged, foreign or future file says, and the
``XAI_MAGICS_REPLAY`` setting's forms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from xai_magics import replay
from xai_magics.replay.cassette import FORMAT, Exchange, Writer, read
from xai_magics.replay.fingerprint import Canonical, canonical
from xai_magics.replay.switch import ENV_VAR, from_env

HEADER = json.dumps({"format": FORMAT, "version": 1}) + "\n"


@pytest.fixture(autouse=True)
def replay_off() -> Iterator[None]:
    yield
    replay.off()


def an_exchange(text: str = "hello") -> Exchange:
    asked = Canonical("POST", "/v1/responses", {}, {"model": "grok-4.3", "input": text})
    return Exchange(asked, 200, {"content-type": "application/json"}, 0.01, [(0.0, b"{}")])


def good_line() -> str:
    return an_exchange().to_line() + "\n"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "is not an xai-magics cassette"),
        ("not json at all\n", "is not an xai-magics cassette"),
        ('{"format": "vcr", "version": 1}\n', "is not an xai-magics cassette"),
        ('{"interactions": []}\n', "is not an xai-magics cassette"),
        (json.dumps({"format": FORMAT, "version": 9}) + "\n", "version 9 cassette"),
        (HEADER + "{truncated", "line 2 is not a recorded exchange"),
        (HEADER + good_line() + '{"status": 200}\n', "line 3 is not a recorded exchange"),
        (HEADER + good_line().replace('"text"', '"rot13"'), "unknown encoding 'rot13'"),
        (
            HEADER + good_line().replace('"encoding":"text"', '"encoding":"base64"'),
            "line 2 is not a recorded exchange",
        ),
        (HEADER + "[1, 2, 3]\n", "line 2 is not a recorded exchange"),
    ],
    ids=[
        "empty",
        "not-json",
        "other-format",
        "vcrpy-like",
        "future-version",
        "truncated-line",
        "missing-fields",
        "unknown-encoding",
        "bad-base64",
        "not-an-object",
    ],
)
def test_damaged_or_foreign_cassette_is_one_clear_error(
    tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "bad.grok.jsonl"
    path.write_text(content)
    with pytest.raises(replay.CassetteError) as caught:
        replay.play(path)
    message = str(caught.value)
    assert says in message
    assert "\n" not in message
    assert replay.state().mode == "off"  # a cassette that cannot be read is not half-played


def test_missing_cassette_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(replay.CassetteError, match="record one first with %grok_replay record"):
        read(tmp_path / "absent.grok.jsonl")


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "audio.grok.jsonl"
    path.write_bytes(b"\xff\xfe\x00RIFF")
    with pytest.raises(replay.CassetteError, match="cannot read the cassette"):
        read(path)


def test_appending_refuses_a_foreign_file_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text('{"mine": true}\n')
    with pytest.raises(replay.CassetteError, match="not an xai-magics cassette"):
        Writer(path, append=True)
    assert path.read_text() == '{"mine": true}\n'


def test_written_exchanges_read_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "round.grok.jsonl"
    writer = Writer(path)
    audio = Exchange(
        Canonical("POST", "/v1/tts", {}, {"text": "hi"}),
        200,
        {"content-type": "audio/mpeg"},
        0.2,
        [(0.0, bytes(range(256))), (0.05, b"\x00\xff")],
    )
    split_char = Exchange(
        an_exchange().request,
        200,
        {"content-type": "text/event-stream"},
        0.1,
        [(0.0, "é".encode()[:1]), (0.01, "é".encode()[1:])],
    )
    for exchange in (an_exchange(), audio, split_char):
        writer.write(exchange)
    assert read(path) == [an_exchange(), audio, split_char]
    lines = path.read_text().splitlines()
    assert [json.loads(line)["encoding"] for line in lines[1:]] == ["text", "base64", "base64"]


def test_fingerprint_ignores_what_changes_between_runs() -> None:
    def request(**extra: object) -> httpx.Request:
        body = {"model": "grok-4.3", "input": "Hi", **extra}
        return httpx.Request(
            "POST",
            "http://x/v1/responses",
            json=body,
            headers={"x-grok-conv-id": str(extra), "Authorization": "Bearer xai-whatever123"},
        )

    base = canonical(request()).digest
    assert canonical(request(prompt_cache_key="a", previous_response_id="r1")).digest == base
    assert canonical(request(temperature=0.5)).digest != base


def test_multipart_boundary_does_not_change_the_fingerprint() -> None:
    def upload() -> httpx.Request:
        return httpx.Request("POST", "http://x/v1/files", files={"file": ("a.txt", b"data")})

    assert canonical(upload()).digest == canonical(upload()).digest


@pytest.mark.parametrize(
    ("value", "mode", "pace"),
    [
        ("play:{p}", "play", "recorded"),
        ("play-instant:{p}", "play", "instant"),
        ("record:{p}", "record", "recorded"),
    ],
    ids=["play", "play-instant", "record"],
)
def test_environment_turns_a_mode_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, mode: str, pace: str
) -> None:
    path = tmp_path / "env.grok.jsonl"
    Writer(path)
    monkeypatch.setenv(ENV_VAR, value.format(p=path))
    started = from_env()
    assert started is not None
    assert (started.mode, started.pace, started.path) == (mode, pace, path)


@pytest.mark.parametrize(
    "value", ["play", "replay:x.jsonl", ":x"], ids=["no-path", "bad-mode", "no-mode"]
)
def test_environment_value_not_understood_says_the_forms(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(replay.CassetteError, match="use play:PATH, play-instant:PATH or record"):
        from_env()


def test_profile_setting_applies_when_the_environment_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "profile.grok.jsonl"
    Writer(path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    started = from_env(f"play-instant:{path}")
    assert started is not None
    assert (started.mode, started.pace) == ("play", "instant")
    monkeypatch.setenv(ENV_VAR, f"record:{tmp_path / 'env.grok.jsonl'}")
    started = from_env(f"play-instant:{path}")
    assert started is not None
    assert started.mode == "record"  # the environment wins


@pytest.mark.parametrize(
    "secret",
    ["xai-echoed0123456789abcdef", "proxy-token-not-key-shaped-42"],
    ids=["key-shaped", "registered"],
)
def test_a_key_echoed_by_a_server_is_scrubbed_from_the_cassette(secret: str) -> None:
    from pydantic import SecretStr

    from xai_magics.client.redact import register_secret

    register_secret(SecretStr(secret))
    body = json.dumps({"error": f"bad key {secret}", "hint": f"Bearer {secret}"}).encode()
    exchange = Exchange(
        an_exchange().request, 400, {"content-type": "application/json"}, 0.0, [(0.0, body)]
    )
    line = exchange.to_line()
    assert secret not in line
    assert "[redacted]" in line


def test_play_mode_neither_asks_for_nor_needs_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xai_magics.client import MissingAPIKeyError, XAIClient
    from xai_magics.magics import key_prompt

    def no_prompt(prompt: str) -> str:
        raise AssertionError("asked for a key in play mode")

    path = tmp_path / "keyless.grok.jsonl"
    Writer(path)
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    monkeypatch.setattr(key_prompt.getpass, "getpass", no_prompt)
    replay.play(path)
    key_prompt.ask_for_missing_key()
    client = XAIClient()
    assert "from replay" in repr(client)
    replay.play(path, fallback="live")  # a miss may go to the service: that needs the key
    with pytest.raises(MissingAPIKeyError):
        XAIClient()
    replay.off()
    # a client made for replay never sends its stand-in to the service
    with pytest.raises(MissingAPIKeyError):
        client.responses.create(model="grok-4.3", input="Hi")
