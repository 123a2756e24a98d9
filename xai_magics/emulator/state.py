"""Everything one emulator remembers; owned by its IOLoop thread, so no locks are needed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xai_magics.emulator.batch_store import BatchStore
from xai_magics.emulator.connections import ConnectionTally
from xai_magics.emulator.faults import FaultBook
from xai_magics.emulator.file_store import FileStore
from xai_magics.emulator.knobs import Knobs
from xai_magics.emulator.prompt_cache import PromptCache
from xai_magics.emulator.rate_limits import RateLimits
from xai_magics.emulator.request_log import RequestLog

if TYPE_CHECKING:
    from xai_magics.emulator.deferred import Deferred


@dataclass
class StoredResponse:
    """A response kept for GET and ``previous_response_id``: its body and the full conversation."""

    body: dict[str, Any]
    turns: list[tuple[str, str]]


@dataclass
class State:
    initial_knobs: Knobs
    knobs: Knobs = field(init=False)
    faults: FaultBook = field(default_factory=FaultBook)
    log: RequestLog = field(default_factory=RequestLog)
    connections: ConnectionTally = field(default_factory=ConnectionTally)
    cache: PromptCache = field(default_factory=PromptCache)
    responses: dict[str, StoredResponse] = field(default_factory=dict)
    deferred: dict[str, Deferred] = field(default_factory=dict)
    files: FileStore = field(default_factory=FileStore)
    batches: BatchStore = field(default_factory=BatchStore)
    #: arrival times of add-requests calls per key hash, for the rolling rate limit
    add_calls: dict[str, deque[float]] = field(default_factory=dict)
    #: requests and tokens of inference calls per key hash, for the x-ratelimit-* headers
    rate_limits: RateLimits = field(default_factory=RateLimits)

    def __post_init__(self) -> None:
        self.knobs = self.initial_knobs

    def reset(self) -> None:
        self.knobs = self.initial_knobs
        self.faults.clear()
        self.log.clear()
        self.connections.clear()
        self.cache.clear()
        self.responses.clear()
        self.deferred.clear()
        self.files.clear()
        self.batches.clear()
        self.add_calls.clear()
        self.rate_limits.clear()
