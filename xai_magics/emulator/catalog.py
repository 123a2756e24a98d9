"""The emulator's model list and price list (ticks per token; 1 USD = 1e10 ticks).

Prices follow xAI's pricing page of late 2026 (see ``xai-api.md`` §7). The priority multiplier is
not published; the emulator bills a granted priority request at ``PRIORITY_MULTIPLIER`` times the
standard rate so that clients can see and test the difference. Batch results are billed at
``BATCH_PRICE_FACTOR`` of the standard rate, the ratio measured on recorded batch results; it is
read from ``xai_magics.facts``, the one place the client reads it from too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xai_magics.emulator.errors import APIError, model_not_found
from xai_magics.facts import BATCH_PRICE_FACTOR

PRIORITY_MULTIPLIER = 2.0
TICKS_PER_USD = 10_000_000_000


@dataclass(frozen=True)
class Model:
    id: str
    created: int
    prompt_price: int
    cached_price: int
    completion_price: int
    aliases: tuple[str, ...] = ()
    #: efforts the model accepts; empty means the model rejects ``reasoning_effort``
    efforts: tuple[str, ...] = ("none", "low", "medium", "high")
    #: whether the model shows its raw reasoning even when no effort was asked for
    always_reasons: bool = False
    batchable: bool = False
    image_input: bool = True
    fingerprint: str = field(default="")

    @property
    def reasoning(self) -> bool:
        return bool(self.efforts)


_STANDARD = ("none", "low", "medium", "high")
_EXTENDED = (*_STANDARD, "xhigh")

MODELS: tuple[Model, ...] = (
    Model("grok-4.3", 1775001600, 12500, 2000, 25000, ("grok-4.3-latest",), batchable=True),
    Model(
        "grok-4.20-0309-reasoning",
        1773014400,
        12500,
        2000,
        25000,
        ("grok-4.20", "grok-4.20-reasoning", "grok-4.20-reasoning-latest"),
        batchable=True,
    ),
    Model(
        "grok-4.20-0309-non-reasoning",
        1773014400,
        12500,
        2000,
        25000,
        ("grok-4.20-non-reasoning", "grok-4.20-non-reasoning-latest"),
        efforts=(),
        batchable=True,
    ),
    Model("grok-4.5", 1780272000, 20000, 3000, 60000, ("grok-4.5-latest",)),
    Model("grok-4.6", 1783728000, 20000, 5000, 60000, ("grok-4.6-latest",), efforts=_EXTENDED),
    Model("grok-4.7", 1786406400, 20000, 5000, 60000, ("grok-4.7-latest",), efforts=_EXTENDED),
    Model(
        "grok-3-mini",
        1743724800,
        3000,
        750,
        5000,
        ("grok-3-mini-latest", "grok-3-mini-beta"),
        efforts=("low", "high"),
        always_reasons=True,
        image_input=False,
    ),
    Model("grok-build-0.1", 1784937600, 10000, 2000, 20000, ("grok-build-latest",)),
)

DEFAULT_MODEL = "grok-4.3"

#: Slugs retired on 2026-05-15: they still resolve, and grok-4.3 answers them.
RETIRED: tuple[str, ...] = (
    "grok-3",
    "grok-3-latest",
    "grok-4",
    "grok-4-0709",
    "grok-4-latest",
    "grok-4-fast-reasoning",
    "grok-4-fast-non-reasoning",
    "grok-4-1-fast-reasoning",
    "grok-4-1-fast-non-reasoning",
    "grok-code-fast-1",
)

_BY_NAME: dict[str, Model] = {}
for _m in MODELS:
    _BY_NAME[_m.id] = _m
    for _alias in _m.aliases:
        _BY_NAME[_alias] = _m
for _slug in RETIRED:
    _BY_NAME[_slug] = _BY_NAME[DEFAULT_MODEL]


def fingerprint(model: Model) -> str:
    """A stable ``fp_`` + 16 hex per model, like the service's ``system_fingerprint``."""
    import hashlib

    return "fp_" + hashlib.sha256(model.id.encode()).hexdigest()[:16]


def resolve(name: object) -> Model:
    """The model a request names (id, alias or retired slug); 400 "Model not found" otherwise."""
    if not isinstance(name, str):
        raise APIError(422, "Failed to deserialize the JSON body into the target type: model")
    model = _BY_NAME.get(name.strip().lower())
    if model is None:
        raise model_not_found(name)
    return model


def lookup(name: str) -> Model | None:
    """The model for a path parameter, or None (the models routes answer 404, not 400)."""
    return _BY_NAME.get(name.strip().lower())


def check_effort(model: Model, effort: object, *, param: str) -> str | None:
    """Validate a reasoning effort against what the model accepts; None when not given."""
    if effort is None:
        return None
    if not isinstance(effort, str):
        raise APIError(422, f"Failed to deserialize the JSON body into the target type: {param}")
    if not model.efforts:
        camel = "".join(w.capitalize() if i else w for i, w in enumerate(param.split("_")))
        raise APIError(400, f"Model {model.id} does not support parameter {camel}.")
    if effort not in model.efforts:
        allowed = ", ".join(model.efforts)
        raise APIError(
            400, f"Invalid {param} '{effort}' for {model.id}: expected one of {allowed}."
        )
    return effort


def model_entry(model: Model) -> dict[str, object]:
    """The ``/v1/models`` list entry."""
    return {"id": model.id, "created": model.created, "object": "model", "owned_by": "xai"}


def language_model_entry(model: Model) -> dict[str, object]:
    """The ``/v1/language-models`` entry, prices in ticks per token."""
    return {
        "id": model.id,
        "fingerprint": fingerprint(model),
        "created": model.created,
        "object": "model",
        "owned_by": "xai",
        "version": "1.0",
        "input_modalities": ["text", "image"] if model.image_input else ["text"],
        "output_modalities": ["text"],
        "prompt_text_token_price": model.prompt_price,
        "cached_prompt_text_token_price": model.cached_price,
        "prompt_image_token_price": model.prompt_price if model.image_input else 0,
        "completion_text_token_price": model.completion_price,
        "search_price": 250_000_000,
        "aliases": list(model.aliases),
    }


def cost_ticks(
    model: Model,
    *,
    prompt: int,
    cached: int,
    output: int,
    priority: bool = False,
    batch: bool = False,
) -> int:
    """Ticks billed: uncached input, cached input and output (visible + reasoning) at their rates.

    The cache discount applies before the priority multiplier, as xAI's priority page says.
    """
    base = (prompt - cached) * model.prompt_price + cached * model.cached_price
    base += output * model.completion_price
    factor = (PRIORITY_MULTIPLIER if priority else 1.0) * (BATCH_PRICE_FACTOR if batch else 1.0)
    return round(base * factor)
