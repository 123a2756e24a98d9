"""What the stores in the data dir share: where the folder is, whose key, whether a process lives.

The batch job store, the history, deferred answers and the day's spend each keep one SQLite file
in this folder. They tell accounts apart by a salted one-way tag of the key (never the key), and
take over a claim or lease whose process is gone. This module imports nothing heavy, so a store
can be opened without importing the batch package.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import sys
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "account_tag", "default_data_dir", "process_alive"]

DATA_DIR_ENV = "XAI_MAGICS_DATA_DIR"


def default_data_dir() -> Path:
    """``$XAI_MAGICS_DATA_DIR`` if set, else the platform's user data dir for xai-magics."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs  # only when no folder is set: it costs an import at %load_ext otherwise

    return Path(platformdirs.user_data_dir("xai-magics"))


def account_tag(salt: bytes, api_key: str) -> str:
    """A one-way tag for an API key: HMAC-SHA256 under a store's own salt, 16 hex digits."""
    return hmac.new(salt, api_key.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def process_alive(pid: int, host: str | None = None) -> bool:
    """Whether process ``pid`` (on ``host``, this machine by default) may still be running.

    A process on another host, or any process on Windows (where signal 0 would end it), is
    trusted: the caller's heartbeat or lease time decides. Here, a process that is gone or a
    zombie is dead at once.
    """
    if host is not None and host != socket.gethostname():
        return True
    if sys.platform == "win32" or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): signal 0 said it exists
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]
