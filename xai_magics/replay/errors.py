"""What replaying can raise, under the client's error tree so the magics report it in one line.

```
XAIError
└── ReplayError
    ├── CassetteError   the cassette is missing, corrupted or not ours
    └── ReplayMiss      no recorded answer for this request (names the closest one)
```
"""

from __future__ import annotations

from xai_magics.client.errors import XAIError

__all__ = ["CassetteError", "ReplayError", "ReplayMiss"]


class ReplayError(XAIError):
    """Base of the record/replay errors."""


class CassetteError(ReplayError):
    """The cassette cannot be read or written as one."""


class ReplayMiss(ReplayError):
    """A request the cassette holds no answer for, in play mode without ``--fallback live``."""
