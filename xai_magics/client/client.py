"""``XAIClient``: one transport shared by every API group of the xAI REST API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import httpx
from pydantic import SecretStr

from xai_magics.client._closing import Closing
from xai_magics.client._transport import MAX_CONNECTIONS, Transport
from xai_magics.client.chat import ChatAPI
from xai_magics.client.config import ClientConfig, Timeouts
from xai_magics.client.models import ModelsAPI
from xai_magics.client.responses import ResponsesAPI

if TYPE_CHECKING:
    from xai_magics.client.batches import BatchesAPI
    from xai_magics.client.files import FilesAPI
    from xai_magics.client.tts import TTSAPI

__all__ = ["XAIClient"]

_T = TypeVar("_T")
_R = TypeVar("_R")


class XAIClient(Closing):
    """Synchronous client for the xAI API.

    ``api_key`` defaults to ``XAI_API_KEY`` and ``base_url`` to ``XAI_BASE_URL`` (else
    ``https://api.x.ai/v1``). Pass ``http_client`` to supply your own ``httpx.Client``.
    """

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        api_key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self.config = ClientConfig.resolve(api_key, base_url, timeouts, max_retries)
        self.transport = Transport(self.config, http_client=http_client)
        self.responses = ResponsesAPI(self.transport)
        self.chat = ChatAPI(self.transport)
        self.models = ModelsAPI(self.transport)

    @cached_property
    def files(self) -> FilesAPI:
        from xai_magics.client.files import FilesAPI

        return FilesAPI(self.transport)

    @cached_property
    def batches(self) -> BatchesAPI:
        from xai_magics.client.batches import BatchesAPI

        return BatchesAPI(self.transport)

    @cached_property
    def tts(self) -> TTSAPI:
        from xai_magics.client.tts import TTSAPI

        return TTSAPI(self.transport)

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def map(
        self, fn: Callable[[_T], _R], items: Iterable[_T], *, concurrency: int = 8
    ) -> Iterator[_R]:
        """``fn`` over ``items`` on up to ``concurrency`` threads, results in input order.

        The calls share this client's connection pool, so keep ``concurrency`` at most 32.
        """
        if not 1 <= concurrency <= MAX_CONNECTIONS:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONNECTIONS}")
        return _pool_map(fn, items, concurrency)

    def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        self.transport.close()

    def __repr__(self) -> str:
        return f"XAIClient(base_url={self.base_url!r}, api_key=set (from {self.config.key_source}))"


def _pool_map(fn: Callable[[_T], _R], items: Iterable[_T], concurrency: int) -> Iterator[_R]:
    with ThreadPoolExecutor(concurrency, thread_name_prefix="xai-map") as pool:
        yield from pool.map(fn, items)
