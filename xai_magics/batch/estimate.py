"""A token and dollar estimate for a batch, made before anything is sent.

Prices are xAI's published per-token list prices in ticks (1 USD = 1e10 ticks), the same unit
``/v1/language-models`` reports; the dry run must not call the network, so they are kept here and
can be overridden with live ones (``prices=``). Batch requests are billed at
``BATCH_PRICE_FACTOR`` (0.8) of the list price, as measured on recorded traffic
(``xai_magics.facts``). Once results arrive, the costs shown are those the server reported.
Input tokens are estimated at about four bytes per token; output tokens at ``max_tokens`` when
given (an upper bound), else at a typical answer length, and the estimate says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xai_magics.batch.prompts import BYTES_PER_TOKEN
from xai_magics.facts import BATCH_PRICE_FACTOR
from xai_magics.usage import format_usd

TICKS_PER_USD = 10_000_000_000
TYPICAL_OUTPUT_TOKENS = 200


@dataclass(frozen=True)
class Price:
    """Ticks per token."""

    input: int
    output: int


# Published list prices (ticks per token) of the models the Batch API accepts.
LIST_PRICES: dict[str, Price] = {
    "grok-4.3": Price(12_500, 25_000),
    "grok-4.20-0309-reasoning": Price(12_500, 25_000),
    "grok-4.20-0309-non-reasoning": Price(12_500, 25_000),
}


@dataclass(frozen=True)
class Estimate:
    """What a batch would use and cost."""

    n_requests: int
    input_tokens: int
    output_tokens: int
    output_is_upper_bound: bool
    sync_usd: float | None
    batch_usd: float | None

    def summary(self) -> str:
        return f"{self.n_requests:,} requests, {self.usage()}"

    def usage(self) -> str:
        """Tokens and price, without the number of requests (said elsewhere)."""
        out = "at most" if self.output_is_upper_bound else "about"
        text = (
            f"about {self.input_tokens:,} input tokens and {out} {self.output_tokens:,} "
            "output tokens"
        )
        if self.batch_usd is None or self.sync_usd is None:
            return text + "; no price known for this model"
        batch, sync = format_usd(self.batch_usd), format_usd(self.sync_usd)
        return text + f"; ≈ {batch} as a batch ({sync} one by one)"


def estimate(
    model: str,
    n_requests: int,
    prompt_bytes: int,
    system: str | None,
    max_tokens: int | None,
    prices: Mapping[str, Price] | None = None,
) -> Estimate:
    """Estimate tokens and dollars for ``n_requests`` prompts totalling ``prompt_bytes``."""
    system_tokens = len((system or "").encode("utf-8")) // BYTES_PER_TOKEN
    input_tokens = prompt_bytes // BYTES_PER_TOKEN + n_requests * (system_tokens + 8)
    per_answer = max_tokens if max_tokens is not None else TYPICAL_OUTPUT_TOKENS
    output_tokens = n_requests * per_answer
    price = (prices or LIST_PRICES).get(model)
    if price is None:
        return Estimate(n_requests, input_tokens, output_tokens, max_tokens is not None, None, None)
    sync_usd = (input_tokens * price.input + output_tokens * price.output) / TICKS_PER_USD
    return Estimate(
        n_requests,
        input_tokens,
        output_tokens,
        max_tokens is not None,
        sync_usd,
        sync_usd * BATCH_PRICE_FACTOR,
    )
