"""The JupyterLab extension as shipped: committed assets, the wheel, and what JupyterLab sees."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xai_magics import templates

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "labextension"
BUILT = ROOT / "xai_magics" / "labextension"
SHARE = "share/jupyter/labextensions/xai-magics"


def test_jupyterlab_lists_the_extension_enabled_and_ok() -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    version = json.loads((SOURCE / "package.json").read_text())["version"]
    assert re.search(rf"xai-magics v{re.escape(version)} enabled\s+OK", plain), plain


def test_extension_version_is_the_package_version() -> None:
    """`jupyter labextension list` shows the npm version: it must name the Python release."""
    from xai_magics import __version__

    for package_json in (SOURCE / "package.json", BUILT / "package.json"):
        assert json.loads(package_json.read_text())["version"] == __version__, package_json


def test_committed_build_loads_an_existing_entry_point() -> None:
    package = json.loads((BUILT / "package.json").read_text())
    entry = BUILT / package["jupyterlab"]["_build"]["load"]
    assert entry.is_file()
    # Every chunk is one the entry point loads: nothing left over from an older build.
    entry_text = entry.read_text()
    for path in (BUILT / "static").iterdir():
        if path.name in {entry.name, "style.js", "third-party-licenses.json"}:
            continue
        chunk, digest, _ = path.name.rsplit(".", 2)
        assert chunk in entry_text, f"{path.name} is stale"
        assert digest in entry_text, f"{path.name} is stale"


def test_committed_settings_schema_is_the_source_schema() -> None:
    built = BUILT / "schemas" / "xai-magics" / "plugin.json"
    assert json.loads(built.read_text()) == json.loads(
        (SOURCE / "schema" / "plugin.json").read_text()
    )


def test_placeholder_pattern_is_the_template_engines() -> None:
    """The editor marks exactly what the kernel will fill in."""
    source = (SOURCE / "src" / "templateSyntax.ts").read_text()
    match = re.search(r"TEMPLATE_TOKEN_SOURCE =\s*'((?:[^'\\]|\\.)*)'", source)
    assert match is not None
    typescript_pattern = match.group(1).replace("\\\\", "\\")
    assert typescript_pattern == templates._TOKEN.pattern


def test_wheel_builds_without_node_and_installs_the_extension(tmp_path: Path) -> None:
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": str(empty_path)},  # no node, no jlpm: nothing to build with
    )
    (wheel,) = tmp_path.glob("xai_magics-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/", 1)[0] for n in names if ".data/" in n)
    expected = {
        f"{data}/data/{SHARE}/{path.relative_to(BUILT).as_posix()}"
        for path in BUILT.rglob("*")
        if path.is_file()
    } | {f"{data}/data/{SHARE}/install.json"}
    assert expected <= names


@pytest.mark.skipif(
    not (SOURCE / "node_modules").is_dir() or shutil.which("node") is None,
    reason="needs node and labextension/node_modules (CI runs scripts/build-labextension --check)",
)
def test_committed_assets_match_a_fresh_build() -> None:
    check = subprocess.run(
        [str(ROOT / "scripts" / "build-labextension"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
