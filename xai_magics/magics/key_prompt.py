"""Ask for a missing API key with a hidden prompt, where the front end can ask.

Typing the key into a cell puts it on the projector, in the saved notebook and in IPython's
history. When ``XAI_API_KEY`` is unset, the magics ask for it as ``getpass`` does in Jupyter: a
password box whose text is not echoed, not saved with the notebook and not kept in the history;
the key then lives in this kernel's environment until it stops. Where nothing can be asked
(nbconvert, nbclient, a kernel started without stdin), nothing is asked and the request fails with
the usual message saying how to set the key.
"""

from __future__ import annotations

import getpass
import hashlib
import os

from IPython.core.error import StdinNotImplementedError

from xai_magics.client import interpose

__all__ = ["PROMPT", "ask_for_missing_key", "forget_rejected_key"]

PROMPT = (
    "XAI_API_KEY is not set. Paste your xAI API key (from https://console.x.ai; the text is "
    "hidden and kept for this kernel session only), or press Enter to skip: "
)


def ask_for_missing_key() -> None:
    """Prompt once for the key when the environment has none; a blank answer asks nothing more."""
    if os.environ.get("XAI_API_KEY", "").strip() or not interpose.key_needed():
        return
    try:
        key = getpass.getpass(PROMPT)
    except (StdinNotImplementedError, EOFError, OSError):
        return  # no way to ask here: the request says how to set the key
    key = key.strip().strip("'\"").strip()  # pasted with its quotes, or a stray space
    if key:
        os.environ["XAI_API_KEY"] = key
        global _asked_digest
        _asked_digest = _digest(key)


def forget_rejected_key() -> str:
    """After the service rejected the key: if it came from the prompt, drop it so that the next
    magic asks again (a mistyped paste must not need a restart). Returns a sentence to add to
    the error, empty when the key came from elsewhere."""
    global _asked_digest
    key = os.environ.get("XAI_API_KEY", "")
    if _asked_digest is None or _digest(key) != _asked_digest:
        return ""
    os.environ.pop("XAI_API_KEY", None)
    _asked_digest = None
    return " The key typed at the prompt was dropped: the next cell asks for it again."


#: a digest of the key this module set (never the key: the environment holds that)
_asked_digest: str | None = None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
