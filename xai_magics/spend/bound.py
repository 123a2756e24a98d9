"""The most a call (or a batch) could cost, worked out before anything is sent.

An upper bound, not a forecast: input tokens are counted generously (three UTF-8 bytes a token,
where English runs nearer four), output at its cap. Where a figure is not known, the bound
assumes against spending and says so, because the refusal line repeats these assumptions:

* no ``--max-tokens``: ``ASSUMED_OUTPUT_TOKENS`` per answer (reasoning included);
* with ``--max-tokens``: ``REASONING_PAST_CAP`` more, since recorded grok-4.3 answers reasoned
  past ``max_output_tokens`` although xAI documents that the cap includes reasoning;
* no price known for the model: the dearest published price;
* priority tier: ``PRIORITY_FACTOR`` times the default rate (xAI does not publish it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xai_magics.usage import PUBLISHED_PRICES, Prices

__all__ = [
    "ASSUMED_OUTPUT_TOKENS",
    "PRIORITY_FACTOR",
    "REASONING_PAST_CAP",
    "Bound",
    "answer_bound",
    "batch_bound",
    "dearest_prices",
    "exact_bound",
    "input_tokens_at_most",
]

ASSUMED_OUTPUT_TOKENS = 4_096
REASONING_PAST_CAP = 1_024
PRIORITY_FACTOR = 2.0
_BYTES_PER_TOKEN = 3
#: per request, for the role and framing around a batch prompt
_FRAMING_TOKENS = 8


@dataclass(frozen=True)
class Bound:
    """What a call could cost at most, and what that rests on."""

    usd: float
    #: the part billed as soon as the request is read, however early the answer stops
    input_usd: float
    #: dollars per output token (reasoning included), to price an answer as it streams
    output_usd_per_token: float
    input_tokens: int
    output_tokens: int
    #: where the output figure comes from ("assumed 4,096: no --max-tokens")
    output_note: str = ""
    #: what else the bound assumes (an unknown price, the priority rate)
    assumptions: tuple[str, ...] = ()
    answers: int = 1
    #: what the figure is, for a call not priced by tokens ("1,200 characters to speak")
    basis: str = ""

    def describe(self) -> str:
        """What the bound rests on, for the refusal line: "≈120 input tokens and 4,096 output
        tokens (assumed 4,096: no --max-tokens)" and any other assumption."""
        if self.basis:
            return self.basis
        text = f"≈{self.input_tokens:,} input tokens and {self.output_tokens:,} output tokens"
        if self.output_note:
            text += f" ({self.output_note})"
        if self.assumptions:
            text += "; " + "; ".join(dict.fromkeys(self.assumptions))
        return text

    def __add__(self, other: Bound) -> Bound:
        """Two calls made together (``--compare``): their bounds and assumptions add up."""
        return Bound(
            self.usd + other.usd,
            self.input_usd + other.input_usd,
            max(self.output_usd_per_token, other.output_usd_per_token),
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            "; ".join(dict.fromkeys(n for n in (self.output_note, other.output_note) if n)),
            self.assumptions + other.assumptions,
            self.answers + other.answers,
        )


def dearest_prices() -> Prices:
    """The published price of the dearest model: what a model of unknown price is charged."""
    return max(PUBLISHED_PRICES.values(), key=lambda p: (p.output, p.input))


def output_tokens_seen(text: str) -> float:
    """Tokens in streamed text, counted against spending: four ASCII characters a token, as a
    receipt counts them, but about one per character for scripts such as Chinese."""
    size = len(text)
    return size / 4 + (len(text.encode("utf-8", "replace")) - size) / 2


def input_tokens_at_most(text: str) -> int:
    """A generous count of the tokens in ``text`` (never below the usual four characters each)."""
    return max(1, math.ceil(len(text.encode("utf-8", "replace")) / _BYTES_PER_TOKEN))


def answer_bound(
    input_text: str,
    *,
    model: str,
    max_tokens: int | None,
    prices: Prices | None,
    tier: str | None = None,
) -> Bound:
    """The bound of one answer whose request carries ``input_text`` (system, history, prompt)."""
    return _bound(input_tokens_at_most(input_text), 1, model, max_tokens, prices, tier, 1.0)


def batch_bound(
    n_requests: int,
    prompt_bytes: int,
    system: str | None,
    *,
    model: str,
    max_tokens: int | None,
    prices: Prices | None,
    rate: float,
    tier: str | None = None,
) -> Bound:
    """The bound of ``n_requests`` prompts (``prompt_bytes`` in all), billed at ``rate`` times
    the list price: a batch, or rows sent one by one (rate 1, maybe at ``tier`` priority)."""
    per_request = _FRAMING_TOKENS + (input_tokens_at_most(system) if system else 0)
    tokens = math.ceil(prompt_bytes / _BYTES_PER_TOKEN) + n_requests * per_request
    return _bound(tokens, n_requests, model, max_tokens, prices, tier, rate)


def exact_bound(usd: float, basis: str) -> Bound:
    """A call whose price is known before it is sent (speech: per character)."""
    return Bound(usd, usd, 0.0, 0, 0, basis=basis)


def _bound(
    input_tokens: int,
    answers: int,
    model: str,
    max_tokens: int | None,
    prices: Prices | None,
    tier: str | None,
    rate: float,
) -> Bound:
    assumptions: list[str] = []
    each = " an answer" if answers > 1 else ""
    if max_tokens is None:
        per_answer = ASSUMED_OUTPUT_TOKENS
        note = f"assumed {ASSUMED_OUTPUT_TOKENS:,}{each}: no --max-tokens"
    else:
        per_answer = max_tokens + REASONING_PAST_CAP
        note = f"--max-tokens {max_tokens:,}{each} plus {REASONING_PAST_CAP:,} of reasoning past it"
    if prices is None:
        prices = dearest_prices()
        assumptions.append(f"no price known for {model}: priced as the dearest listed model")
    if tier == "priority":
        rate *= PRIORITY_FACTOR
        assumptions.append(
            f"priority priced at {PRIORITY_FACTOR:g}x the default rate (xAI does not publish it)"
        )
    input_usd = input_tokens * prices.input * rate / 1e10
    per_token = prices.output * rate / 1e10
    output_tokens = answers * per_answer
    return Bound(
        input_usd + output_tokens * per_token,
        input_usd,
        per_token,
        input_tokens,
        output_tokens,
        note,
        tuple(assumptions),
        answers,
    )
