"""What ``xai_magics.client`` exports, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import xai_magics.client as client_pkg


def test_every_exported_name_resolves() -> None:
    missing = [name for name in client_pkg.__all__ if getattr(client_pkg, name, None) is None]
    assert missing == []


def test_importing_the_package_loads_no_http_stack_pandas_or_openai() -> None:
    code = (
        "import sys, xai_magics.client\n"
        "print(sorted(m for m in ('httpx', 'pydantic', 'pandas', 'openai') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
