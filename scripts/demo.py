"""`make demo`: the quickstart notebook in JupyterLab, on the emulator when XAI_API_KEY is unset.

With a real key in the environment the notebook talks to api.x.ai; without one, a local emulator
(simulated answers, clearly labelled) is started on 127.0.0.1 and JupyterLab is pointed at it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "examples/quickstart.ipynb"


def main() -> int:
    env = dict(os.environ)
    emulator = None
    if not env.get("XAI_API_KEY"):
        from xai_magics.emulator import Emulator

        # Paced like the service: text at a reading pace, speech four times faster than it
        # plays (as the speech example's own emulator), so a clip is heard while it arrives.
        emulator = Emulator(
            port=0, ttft_ms=300, tokens_per_second=60, tts_realtime_factor=0.25
        ).start()
        env["XAI_BASE_URL"] = emulator.base_url
        env["XAI_API_KEY"] = "xai-emulator-demo-key"  # the emulator accepts any non-empty key
        print(f"No XAI_API_KEY: using the emulator at {emulator.base_url} (simulated answers).")
    token = secrets.token_hex(16)
    # Defaults for this run only (a user's own settings still win): no "Jupyter news?" popup.
    config_path = [str(ROOT / "scripts" / "demo_config"), env.get("JUPYTER_CONFIG_PATH", "")]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in config_path if p)
    port = env.get("DEMO_PORT", "8888")
    url = f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={token}"
    print(f"Open JupyterLab at: {url}", flush=True)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.news_url=",
        "--ServerApp.port_retries=0",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    try:
        return subprocess.call(cmd, env=env, cwd=ROOT)
    except KeyboardInterrupt:
        return 0
    finally:
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
