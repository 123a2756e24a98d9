"""``%grok_batch DF --prompt ... --image-column COL`` in a real kernel: each row's picture (a
path, a URL or bytes) goes with its request, byte for byte, and a row whose picture is missing
or unreadable is skipped with the reason, never sent (issue 14)."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import committed_adds
from tests.batch.kernel import Kernel, kernel_with

pytestmark = pytest.mark.kernel


def png(width: int, height: int) -> bytes:
    """A real PNG (one grey row repeated), made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = (b"\x00" + b"\x80" * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, Path]:
    files = {"a": tmp_path / "a.png", "b": tmp_path / "b.png", "text": tmp_path / "notes.png"}
    files["a"].write_bytes(png(20, 10))
    files["b"].write_bytes(png(7, 5))
    files["text"].write_text("not a picture")
    return files


@pytest.fixture
def kernel(api_env: dict[str, str], tmp_path: Path, pictures: dict[str, Path]) -> Any:
    setup = (
        "%load_ext xai_magics\nimport pandas as pd\n"
        f"A, B, TEXT = {str(pictures['a'])!r}, {str(pictures['b'])!r}, {str(pictures['text'])!r}"
    )
    with kernel_with(api_env, tmp_path / "store", setup) as started:
        yield started


def sent_images(emu: Any) -> dict[str, bytes | str]:
    """Row id -> the picture its request carried (decoded bytes, or the remote URL)."""
    found: dict[str, bytes | str] = {}
    for entry in emu.control.log():
        if entry["method"] != "POST" or not entry["path"].endswith("/requests"):
            continue
        for item in (entry["body"] or {}).get("batch_requests", []):
            body = item["batch_request"]["chat_get_completion"]
            content = body["messages"][-1]["content"]
            assert content[0]["type"] == "text"
            url = content[1]["image_url"]["url"]
            row = item["batch_request_id"].rsplit("-", 1)[1]
            found[row] = base64.b64decode(url.split(",", 1)[1]) if url.startswith("data:") else url
    return found


def test_each_rows_image_goes_with_it_and_bad_rows_are_skipped(
    emu: Any, kernel: Kernel, pictures: dict[str, Path]
) -> None:
    out = kernel.run(
        "import pathlib\n"
        "photos = pd.DataFrame({\n"
        "    'name': ['a', 'b', 'bytes', 'url', 'missing', 'none', 'text'],\n"
        "    'img': [A, pathlib.Path(B), pathlib.Path(A).read_bytes(),\n"
        "            'https://example.com/cat.jpg', '/no/such/file.png', None, TEXT],\n"
        "})\n"
        'done = %grok_batch photos --prompt "Describe {name}" --image-column img --wait\n'
        "print(done['answer_status'].tolist())\n"
        "for e in done['answer_error'][4:]: print(e)\n"
        "print(done['answer'][0])"
    )["stdout"].splitlines()
    status_line = next(line for line in out if line.startswith("['"))
    assert status_line == "['ok', 'ok', 'ok', 'ok', 'skipped', 'skipped', 'skipped']"
    joined = "\n".join(out)
    assert "No image file at '/no/such/file.png'" in joined
    assert "no image in column 'img'" in joined
    assert "not an image xAI can read" in joined
    # the emulator decoded row 0's picture and said what it was
    assert "a PNG of 20×10 pixels" in joined
    sent = sent_images(emu)
    assert sorted(sent) == ["0", "1", "2", "3"]
    assert sent["0"] == pictures["a"].read_bytes()
    assert sent["1"] == pictures["b"].read_bytes()
    assert sent["2"] == pictures["a"].read_bytes()
    assert sent["3"] == "https://example.com/cat.jpg"
    assert set(committed_adds(emu).values()) == {1}


def test_dry_run_shows_the_image_column_not_base64(emu: Any, kernel: Kernel) -> None:
    messages = kernel.messages(
        "photos = pd.DataFrame({'name': ['a'], 'img': [A]})\n"
        '%grok_batch photos --prompt "Describe {name}" --image-column img --dry-run'
    )
    # shown once: no "<DryRun ...>" value after it, nothing printed
    assert not [m for m in messages if m["msg_type"] in ("execute_result", "stream")]
    (shown,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    assert "<image from column 'img'>" in shown["text/plain"]
    assert "&lt;image from column &#x27;img&#x27;&gt;" in shown["text/html"]
    assert "iVBOR" not in str(shown)
    assert not [e for e in emu.control.log() if e["path"].startswith("/v1/batches")]


def test_an_unknown_image_column_is_one_line(emu: Any, kernel: Kernel) -> None:
    out = kernel.run(
        "photos = pd.DataFrame({'name': ['a'], 'img': [A]})\n"
        'try:\n    %grok_batch photos --prompt "Describe {name}" --image-column imgs\n'
        "except Exception as exc:\n    print(type(exc).__name__, exc)"
    )["stdout"]
    assert out.startswith("UsageError {imgs} is not defined in the frame's columns.")
    assert "Did you mean {img}?" in out
