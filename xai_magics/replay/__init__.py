"""Record every exchange with the xAI API into a cassette, and answer from it later (issue 13).

``%grok_replay record`` writes each request's canonical form and its answer (status, headers,
body chunks with their timings) as JSON lines next to the notebook; ``%grok_replay play``
answers from that file with no network and no key, at the recorded pace or at once. The
cassette sits in front of the network (``xai_magics.client.interpose``), so a replayed answer
goes through the same retries, parsing, rendering and receipts as a live one.
"""

from __future__ import annotations

from xai_magics.replay.errors import CassetteError, ReplayError, ReplayMiss
from xai_magics.replay.switch import Pace, ReplayState, off, play, record, state

__all__ = [
    "CassetteError",
    "Pace",
    "ReplayError",
    "ReplayMiss",
    "ReplayState",
    "off",
    "play",
    "record",
    "state",
]
