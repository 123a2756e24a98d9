"""The files client against the emulator over real sockets: upload, list, download, delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from xai_magics.client import NotFoundError, XAIClient

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

EVERY_BYTE = bytes(range(256)) * 4


@pytest.fixture
def client(api_env: dict[str, str]) -> Iterator[XAIClient]:
    with XAIClient() as c:
        yield c


def test_upload_download_delete_round_trip(client: XAIClient) -> None:
    uploaded = client.files.upload("rows.jsonl", EVERY_BYTE)
    assert uploaded.id.startswith("file_")
    assert (uploaded.filename, uploaded.bytes, uploaded.expires_at) == ("rows.jsonl", 1024, None)

    fetched = client.files.get(uploaded.id)
    assert fetched.model_dump() == uploaded.model_dump()
    assert client.files.content(uploaded.id) == EVERY_BYTE

    assert client.files.delete(uploaded.id) is True
    with pytest.raises(NotFoundError):
        client.files.get(uploaded.id)


def test_expiry_is_sent_before_the_file_part(api_env: dict[str, str]) -> None:
    bodies: list[bytes] = []

    def capture(request: httpx.Request) -> None:
        if request.url.path.endswith("/files"):
            bodies.append(request.read())

    with httpx.Client(event_hooks={"request": [capture]}) as http, XAIClient(http_client=http) as c:
        uploaded = c.files.upload("doc.txt", b"hello", expires_after=7200)
    assert uploaded.created_at is not None
    assert uploaded.expires_at == uploaded.created_at + 7200
    (body,) = bodies
    assert b'name="expires_after"' in body
    assert body.index(b'name="expires_after"') < body.index(b'name="file"; filename="doc.txt"')


@pytest.mark.parametrize("seconds", [59, 2_592_001], ids=["under-an-hour", "over-30-days"])
def test_expiry_out_of_range_fails_before_upload(
    client: XAIClient, emu: Emulator, seconds: int
) -> None:
    with pytest.raises(ValueError, match="between 3600 s"):
        client.files.upload("x.txt", b"x", expires_after=seconds)
    assert emu.control.log() == []


def test_listing_pages_through_every_file(client: XAIClient, emu: Emulator) -> None:
    uploaded = {client.files.upload(f"f{i}.txt", b"%d" % i).id for i in range(5)}
    first = client.files.list(limit=2)
    assert len(first.data) == 2
    listed = [f.id for f in client.files.iter_files(limit=2)]
    assert sorted(listed) == sorted(uploaded)
    # Pages of 2, 2 and 1: the short page ends the listing without a fourth request.
    lists = [e for e in emu.control.log() if e["method"] == "GET" and e["path"] == "/v1/files"]
    assert len(lists) == 1 + 3


def test_content_of_a_missing_file_is_not_found(client: XAIClient) -> None:
    with pytest.raises(NotFoundError):
        client.files.content("file_00000000-0000-0000-0000-000000000000")
