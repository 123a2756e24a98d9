"""The README's option tables are generated from the magics' parsers; they must not fall behind."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> Any:
    """``scripts/`` is not a package: load the generator by path."""
    script = ROOT / "scripts" / "readme_options.py"
    spec = importlib.util.spec_from_file_location("readme_options", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_option_tables_match_the_magics() -> None:
    generator = _generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generator.current_section(readme) == generator.section(), (
        "README.md's option tables are out of date: run "
        "`.venv/bin/python scripts/readme_options.py --write`"
    )


def test_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line.split("#")[0].strip() for line in lines[:8] if line.startswith("make ")]
    assert commands == ["make demo", "make test"]
