"""``%%grok`` with pictures: every image source reaches the emulator byte for byte (read back from
its request log), on both endpoints; the emulator decodes each and answers about it; a dry run
shows placeholders, never base64; an image over 20 MiB is refused in one line (issue 14)."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Kernel

from .kernel_harness import requests_to

if TYPE_CHECKING:
    from pathlib import Path

    from xai_magics.emulator import Emulator

pytest.importorskip("PIL")
pytest.importorskip("matplotlib")

# Each source and, computed in the kernel, the PNG/JPEG bytes that must arrive for it.
SETUP = """
import hashlib, io, pathlib
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from PIL import Image as PILImage
from IPython.display import Image as IPImage

fig = plt.figure(figsize=(3, 2), dpi=50)
plt.plot([1, 3, 2])
_buf = io.BytesIO(); fig.savefig(_buf, format="png"); fig_bytes = _buf.getvalue()

pil = PILImage.new("RGB", (33, 21), (200, 10, 10))
_buf = io.BytesIO(); pil.save(_buf, format="PNG"); pil_bytes = _buf.getvalue()

_buf = io.BytesIO(); PILImage.new("RGB", (17, 9), (0, 90, 0)).save(_buf, format="JPEG")
jpeg_bytes = _buf.getvalue()
ipimg = IPImage(data=jpeg_bytes)

path = pathlib.Path(TMP) / "chart.png"
path.write_bytes(pil_bytes)

_buf = io.BytesIO(); PILImage.new("RGB", (12, 8), (0, 0, 255)).save(_buf, format="GIF")
gif_bytes = _buf.getvalue()
_buf = io.BytesIO(); PILImage.open(io.BytesIO(gif_bytes)).save(_buf, format="PNG")
gif_as_png = _buf.getvalue()
"""


def sent_images(emu: Emulator, route: str) -> list[bytes | str]:
    """The images of the last request to ``route``: decoded bytes, or the remote URL."""
    (request,) = requests_to(emu, route)[-1:]
    body: dict[str, Any] = request["body"]
    if route == "/responses":
        parts = body["input"][-1]["content"]
        urls = [p["image_url"] for p in parts if p["type"] == "input_image"]
    else:
        parts = body["messages"][-1]["content"]
        urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    return [base64.b64decode(u.split(",", 1)[1]) if u.startswith("data:") else u for u in urls]


@pytest.fixture
def pictures(grok_kernel: Kernel, tmp_path: Path) -> Kernel:
    grok_kernel.ok(f"TMP = {str(tmp_path)!r}\n" + SETUP)
    return grok_kernel


def kernel_bytes(kernel: Kernel, name: str) -> bytes:
    return bytes.fromhex(kernel.value(f"{name}.hex()"))


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_each_source_arrives_intact(pictures: Kernel, emu: Emulator, api: str) -> None:
    cell = (
        f"%%grok --api {api} --no-stream -o r --image {{path}}\n"
        "Compare {fig}, {pil}, {ipimg} and {gif_bytes}."
    )
    # --image takes a literal path: put the real one in
    tmp = pictures.value("str(path)")
    pictures.ok(cell.replace("{path}", tmp, 1))
    route = "/responses" if api == "responses" else "/chat/completions"
    sent = sent_images(emu, route)
    expected = [
        kernel_bytes(pictures, n) for n in ("fig_bytes", "pil_bytes", "jpeg_bytes", "gif_as_png")
    ]
    expected.append(kernel_bytes(pictures, "pil_bytes"))  # the --image file comes last
    assert [hashlib.sha256(s).hexdigest() for s in sent] == [  # type: ignore[arg-type]
        hashlib.sha256(e).hexdigest() for e in expected
    ]
    # the text names each picture where it was interpolated
    text = requests_to(emu, route)[-1]["body"]
    assert "Compare [image 1], [image 2], [image 3] and [image 4]." in str(text)
    answer = pictures.value("r.text")
    assert "received 5 image(s)" in answer
    assert "Image 1: a PNG of 150×100 pixels" in answer
    assert "Image 2: a PNG of 33×21 pixels" in answer
    assert "Image 3: a JPEG of 17×9 pixels" in answer
    assert "Image 4: a PNG of 12×8 pixels" in answer  # GIF converted


def test_path_variable_url_and_detail_streamed(pictures: Kernel, emu: Emulator) -> None:
    pictures.ok("%%grok --detail low --image https://example.com/cat.jpg -o r\nWhat is in {path}?")
    body = requests_to(emu, "/responses")[-1]["body"]
    parts = body["input"][-1]["content"]
    assert parts[0] == {"type": "input_text", "text": "What is in [image 1]?"}
    assert parts[2] == {
        "type": "input_image",
        "image_url": "https://example.com/cat.jpg",
        "detail": "low",
    }
    assert parts[1]["detail"] == "low"
    assert sent_images(emu, "/responses")[0] == kernel_bytes(pictures, "pil_bytes")
    assert "remote image at https://example.com/cat.jpg" in pictures.value("r.text")


def test_dry_run_shows_placeholders_not_base64(pictures: Kernel, emu: Emulator) -> None:
    run = pictures.ok("%%grok --dry-run\nWhat is in {fig}?")
    shown = run.only_display()["data"]["text/plain"]
    assert "<image/png" in shown
    assert "150×100" in shown
    digest = hashlib.sha256(kernel_bytes(pictures, "fig_bytes")).hexdigest()[:12]
    assert f"sha256:{digest}" in shown
    assert "base64" not in shown
    assert "iVBOR" not in shown
    assert len(shown) < 4000
    assert requests_to(emu, "/responses") == []


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("%%grok --image {big}\nQ", "xAI accepts images up to 20 MiB"),
        ("%%grok --image /no/such/file.png\nQ", "No image file at '/no/such/file.png'"),
        ("%%grok --image {notimg}\nQ", "not an image xAI can read"),
    ],
    ids=["over-20-MiB", "missing", "not-an-image"],
)
def test_bad_images_are_one_line_and_nothing_is_sent(
    pictures: Kernel, emu: Emulator, tmp_path: Path, cell: str, message: str
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (21 * 1024 * 1024))
    notimg = tmp_path / "notes.png"
    notimg.write_text("just text")
    run = pictures.run(cell.replace("{big}", str(big)).replace("{notimg}", str(notimg)))
    assert run.reply["ename"] == "UsageError"
    assert message in run.error_text
    assert "Traceback" not in run.error_text
    assert requests_to(emu, "/responses") == []
