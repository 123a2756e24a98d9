"""``%grok_image``: generated and edited pictures show as ordinary image outputs (kept when the
notebook is saved), with a receipt priced from the cost xAI reports (issue 14)."""

from __future__ import annotations

import base64
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.kernels import Kernel

from .kernel_harness import requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def images_of(outputs: list[dict[str, Any]]) -> list[bytes]:
    return [base64.b64decode(o["data"]["image/png"]) for o in outputs if "image/png" in o["data"]]


def test_generates_n_images_with_a_receipt(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.ok("%grok_image -n 2 -o g a red fox in snow")
    shown = run.displays
    pictures = images_of(shown)
    assert len(pictures) == 2
    assert [png_size(p) for p in pictures] == [(256, 256), (256, 256)]
    assert pictures[0] != pictures[1]
    receipt = shown[-1]["data"]["text/plain"]
    assert receipt == "grok-imagine-image · 2 images · $0.0400"
    assert grok_kernel.value("g.cost_usd") == pytest.approx(0.04)
    assert grok_kernel.value("[len(i.data) for i in g.images]") == [len(p) for p in pictures]
    (call,) = requests_to(emu, "/images/generations")
    assert call["body"] == {"model": "grok-imagine-image", "prompt": "a red fox in snow", "n": 2}
    downloads = [r for r in emu.control.log() if r["path"].startswith("/xai-imgen/")]
    assert len(downloads) == 2
    assert all(r["key_sha256"] is None for r in downloads)  # the key stays with the API host
    usage = grok_kernel.ok("%grok_usage").only_display()["data"]["text/plain"]
    assert "grok-imagine-image" in usage


def test_edit_sends_the_image_and_keeps_its_size(
    grok_kernel: Kernel, emu: Emulator, tmp_path: Path
) -> None:
    pytest.importorskip("PIL")
    source = tmp_path / "logo.png"
    grok_kernel.ok(
        f"from PIL import Image as _I\n_I.new('RGB', (40, 24), (0, 0, 200)).save({str(source)!r})"
    )
    run = grok_kernel.ok(
        f"%grok_image --edit {source} -m grok-imagine-image-quality turn the logo green"
    )
    (picture,) = images_of(run.displays)
    assert png_size(picture) == (40, 24)
    assert run.displays[-1]["data"]["text/plain"] == (
        "grok-imagine-image-quality · 1 image from 1 edited · $0.0700"
    )
    (call,) = requests_to(emu, "/images/edits")
    (image,) = call["body"]["images"]
    assert image["type"] == "image_url"
    assert base64.b64decode(image["url"].split(",", 1)[1]) == source.read_bytes()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%grok_image -n 11 cats", "ask for 1 to 10 images"),
        ("%grok_image -m grok-nope cats", "Model not found: grok-nope"),
        ("%grok_image --edit /no/such.png cats", "No image file at '/no/such.png'"),
        ("%grok_image", "Nothing to draw"),
    ],
    ids=["too-many", "unknown-model", "missing-edit-file", "no-prompt"],
)
def test_mistakes_are_one_line(grok_kernel: Kernel, emu: Emulator, line: str, message: str) -> None:
    run = grok_kernel.run(line)
    assert run.reply["ename"] == "UsageError"
    assert message in run.error_text
    assert "Traceback" not in run.error_text


def test_images_are_kept_in_the_saved_notebook(
    api_env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext xai_magics"),
        nbformat.v4.new_code_cell("%grok_image a lighthouse at dusk"),
    ]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    reread = nbformat.read(saved, as_version=4)
    outputs = reread.cells[1].outputs
    (picture,) = images_of(outputs)
    assert png_size(picture) == (256, 256)
    assert outputs[-1]["data"]["text/plain"] == "grok-imagine-image · 1 image · $0.0200"
