"""Tab for the image options (issue 14): image files for --image and --edit, the frame's columns
for --image-column, image models for %grok_image, the --detail choices; asked of a real kernel."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kernels import Kernel


@pytest.fixture
def folder(kernel: Kernel, tmp_path: Path) -> Path:
    (tmp_path / "charts").mkdir()
    for name in ("chart.png", "cover.jpg", "notes.txt", "charts/q1.png"):
        (tmp_path / name).write_bytes(b"x")
    kernel.ok(
        f"import os, pandas as pd\nos.chdir({str(tmp_path)!r})\n"
        "photos = pd.DataFrame({'name': ['a'], 'img_path': ['chart.png'], 'image': ['x']})"
    )
    return tmp_path


def test_image_offers_image_files_and_folders(kernel: Kernel, folder: Path) -> None:
    assert kernel.complete("%%grok --image c") == (["chart.png", "charts/", "cover.jpg"], "c")
    assert kernel.complete("%%grok --image charts/") == (["charts/q1.png"], "charts/")
    absolute = f"{folder}/co"
    assert kernel.complete(f"%grok_image --edit {absolute}") == ([f"{folder}/cover.jpg"], absolute)


def test_detail_and_image_models(kernel: Kernel, folder: Path) -> None:
    assert kernel.complete("%%grok --detail h") == (["high"], "h")
    assert kernel.complete("%grok_image -m grok-imagine-image-") == (
        ["grok-imagine-image-quality"],
        "grok-imagine-image-",
    )
    assert "--edit" in kernel.complete("%grok_image --e")[0]


def test_image_column_offers_the_frames_columns(kernel: Kernel, folder: Path) -> None:
    line = '%grok_batch photos --prompt "Describe {name}" --image-column im'
    assert kernel.complete(line) == (["image", "img_path"], "im")
