"""``python -m xai_magics.emulator`` and the package's import cost."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from xai_magics.emulator import EmulatorControl


def test_cli_prints_its_url_and_serves_with_the_given_knobs() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "xai_magics.emulator", "--port", "0", "--ttft-ms", "7"],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            match = re.fullmatch(
                r"xAI emulator \(simulated answers\) listening on (http://127\.0\.0\.1:\d+/v1)",
                line,
            )
            assert match, line
            base_url = match.group(1)
            models = httpx.get(f"{base_url}/models", headers={"Authorization": "Bearer xai-k"})
            assert models.status_code == 200
            assert EmulatorControl(base_url).knobs()["ttft_ms"] == 7
        finally:
            process.terminate()
            process.wait(10)


def test_importing_the_package_loads_no_audio_or_http_client_code() -> None:
    code = (
        "import sys, xai_magics.emulator as e; e.Emulator; "
        "print(sorted(m for m in ('lameenc', 'httpx', 'xai_magics.client') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_help_explains_every_knob() -> None:
    from dataclasses import fields

    from xai_magics.emulator.knobs import Knobs

    out = subprocess.run(
        [sys.executable, "-m", "xai_magics.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(out.split())
    for knob in fields(Knobs):
        assert "--" + knob.name.replace("_", "-") in out
        assert " ".join(knob.metadata["help"].replace("``", "").split()) in flat
