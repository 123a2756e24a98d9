"""The Files API: multipart upload, paged listing, content, delete and the 50 MB limit."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.wire import recorded_json
from xai_magics.emulator import Emulator


def upload(http: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    return http.post("/files", files={"file": (name, data)}, data=fields)


def test_upload_has_the_recorded_shape_and_round_trips(http: httpx.Client) -> None:
    recorded = recorded_json(
        "rubyllm/2026-08_responses-api-era/"
        "files__uploadedfile_live_uploads__uploads_a_pdf_through_the_files_api.yml"
    )
    data = bytes(range(256)) * 10
    created = upload(http, "sample.bin", data).json()
    assert set(created) == set(recorded)
    assert created["id"].startswith("file_")
    assert created["bytes"] == len(data)
    assert created["expires_at"] is None
    assert created["purpose"] == ""
    assert http.get(f"/files/{created['id']}").json() == created
    content = http.get(f"/files/{created['id']}/content")
    assert content.headers["content-type"] == "application/octet-stream"
    assert content.content == data


def test_expires_after_sets_expires_at(http: httpx.Client) -> None:
    created = upload(http, "a.jsonl", b"{}", expires_after="3600").json()
    assert created["expires_at"] == created["created_at"] + 3600
    assert upload(http, "a.jsonl", b"{}", expires_after="5").status_code == 400


def test_list_pages_with_limit_and_token(http: httpx.Client) -> None:
    names = [f"f{i}.txt" for i in range(5)]
    for name in names:
        upload(http, name, name.encode())
    seen: list[str] = []
    token = None
    while True:
        params = {"limit": "2", "order": "asc", "sort_by": "filename"}
        if token:
            params["pagination_token"] = token
        page = http.get("/files", params=params).json()
        seen += [f["filename"] for f in page["data"]]
        token = page["pagination_token"]
        if len(page["data"]) < 2:
            break
    assert seen == names


def test_delete_removes_the_file(http: httpx.Client) -> None:
    created = upload(http, "gone.txt", b"x").json()
    assert http.delete(f"/files/{created['id']}").json() == {
        "id": created["id"],
        "deleted": True,
        "object": "file",
    }
    assert http.get(f"/files/{created['id']}").status_code == 404
    assert http.get(f"/files/{created['id']}/content").status_code == 404


@pytest.mark.parametrize("size", [50 * 1024 * 1024 + 1], ids=["50MB-plus-one"])
def test_upload_over_50_mb_is_413(http: httpx.Client, size: int) -> None:
    response = upload(http, "big.bin", b"\0" * size)
    assert response.status_code == 413
    assert set(response.json()) == {"code", "error"}


def test_file_size_limit_is_a_knob(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(file_max_bytes=1000)
    assert upload(http, "ok.bin", b"x" * 900).status_code == 200
    assert upload(http, "big.bin", b"x" * 1001).status_code == 413


def test_upload_without_file_part_is_422(http: httpx.Client) -> None:
    response = http.post("/files", files={"other": ("a", b"b")})
    assert response.status_code == 422
