"""The emulator's model list and price list (ticks per token; 1 USD = 1e10 ticks).

Prices follow xAI's pricing page of late 2026 (see ``xai-api.md`` §7). The priority multiplier is
not published; the emulator bills a granted priority request at ``PRIORITY_MULTIPLIER`` times the
standard rate so that clients can see and test the difference. Batch results are billed at
``BATCH_PRICE_FACTOR`` of the standard rate, the ratio measured on recorded batch results; it is
read from ``xai_magics.facts``, the one place the client reads it from too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from xai_magics.emulator.errors import APIError, model_not_found, unprocessable
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
    #: the effort a model reasons at when the request names none; None means it does not reason
    #: unless asked. Real grok-4.3 reasons on every call (recorded chat answers carry
    #: ``reasoning_content`` and ~110-200 reasoning tokens with no effort set, rubyllm 2026-06 and
    #: vercel-ai issue-17936/14932), about as much as at "low".
    default_effort: str | None = "low"
    #: (asked effort, effort served, model named in the answer) where they differ from the asked
    #: effort and ``id``
    effort_variants: tuple[tuple[str, str, str], ...] = ()
    #: the multi-agent variant: Responses only, no function tools, no output cap (xAI docs,
    #: SEED-001; xai-api.md §2)
    multi_agent: bool = False
    batchable: bool = False
    image_input: bool = True
    fingerprint: str = field(default="")

    @property
    def reasoning(self) -> bool:
        return bool(self.efforts) or self.default_effort is not None

    def effective_effort(self, asked: str | None) -> str | None:
        """The effort the model reasons at: the one asked, else its default; None: no reasoning."""
        effort = asked if asked is not None else self.default_effort
        for wanted, served, _ in self.effort_variants:
            if effort == wanted:
                effort = served
        return effort if effort not in (None, "none") else None

    def answer_name(self, asked: str | None) -> str:
        """The ``model`` an answer names: grok-3-mini asked "high" answers as grok-3-mini-high."""
        return next((name for wanted, _, name in self.effort_variants if asked == wanted), self.id)


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
        default_effort=None,
        batchable=True,
    ),
    Model(
        "grok-4.20-multi-agent-0309",
        1773014400,
        12500,
        2000,
        25000,
        ("grok-4.20-multi-agent", "grok-4.20-multi-agent-latest"),
        multi_agent=True,
    ),
    Model("grok-4.5", 1780272000, 20000, 3000, 60000, ("grok-4.5-latest",)),
    Model("grok-4.6", 1783728000, 20000, 5000, 60000, ("grok-4.6-latest",), efforts=_EXTENDED),
    Model("grok-4.7", 1786406400, 20000, 5000, 60000, ("grok-4.7-latest",), efforts=_EXTENDED),
    # Recorded (rubyllm 2026-01): reasoning_effort "medium" answered 200 as "grok-3-mini-high",
    # and the answers carry reasoning_content with no effort asked (vercel-ai xai-text); "low"
    # answers as "grok-3-mini" (req_llm reasoning_basic).
    Model(
        "grok-3-mini",
        1743724800,
        3000,
        750,
        5000,
        ("grok-3-mini-latest", "grok-3-mini-beta"),
        efforts=("low", "medium", "high"),
        effort_variants=(
            ("medium", "high", "grok-3-mini-high"),
            ("high", "high", "grok-3-mini-high"),
        ),
        image_input=False,
    ),
    Model("grok-build-0.1", 1784937600, 10000, 2000, 20000, ("grok-build-latest",)),
)

DEFAULT_MODEL = "grok-4.3"


def _retired(
    slug: str, aliases: tuple[str, ...], *, reasons: bool, takes_effort: bool = True
) -> Model:
    """A slug retired on 2026-05-15: it still resolves and grok-4.3 serves it at grok-4.3 rates,
    reasoning ones at "low" effort and non-reasoning ones at "none" (xAI's retirement notice,
    xai-api.md §7). The answer names the slug, as the recordings made before it do."""
    served = next(m for m in MODELS if m.id == DEFAULT_MODEL)
    return replace(
        served,
        id=slug,
        aliases=aliases,
        efforts=served.efforts if takes_effort and reasons else (),
        default_effort="low" if reasons else None,
        batchable=False,
    )


#: Retired slugs and their aliases (aliases from the recorded /v1/language-models of 2025-09;
#: "grok-4" answered as "grok-4-0709", "grok-3-latest" as "grok-3", "grok-4-fast" as
#: "grok-4-fast-reasoning" in the req_llm and misc recordings).
RETIRED: tuple[Model, ...] = (
    _retired("grok-3", ("grok-3-latest", "grok-3-beta"), reasons=False),
    # "grok-4-0709 errors if reasoning_effort is set" (xai-api.md §2)
    _retired("grok-4-0709", ("grok-4", "grok-4-latest"), reasons=True, takes_effort=False),
    _retired("grok-4-fast-reasoning", ("grok-4-fast",), reasons=True),
    _retired("grok-4-fast-non-reasoning", (), reasons=False),
    _retired("grok-4-1-fast-reasoning", ("grok-4-1-fast",), reasons=True),
    _retired("grok-4-1-fast-non-reasoning", (), reasons=False),
    # Recorded: 400 "Model grok-code-fast-1 does not support parameter reasoningEffort."
    # (req_llm grok-code-fast-1 reasoning_basic), yet it streams reasoning (vercel-ai
    # xai-text-streaming).
    _retired(
        "grok-code-fast-1",
        ("grok-code-fast", "grok-code-fast-1-0825"),
        reasons=True,
        takes_effort=False,
    ),
)

#: Names that answer 404 "deprecated ... Please use X instead": name -> (date, replacement).
#: grok-beta is recorded (req_llm grok-beta basic and streaming, 2025-10-02).
DEPRECATED: dict[str, tuple[str, str]] = {
    "grok-beta": ("2025-09-15", "grok-3"),
}

_BY_NAME: dict[str, Model] = {}
for _m in (*MODELS, *RETIRED):
    _BY_NAME[_m.id] = _m
    for _alias in _m.aliases:
        _BY_NAME[_alias] = _m


def fingerprint(model: Model) -> str:
    """A stable ``fp_`` + 16 hex per model, like the service's ``system_fingerprint``."""
    import hashlib

    return "fp_" + hashlib.sha256(model.id.encode()).hexdigest()[:16]


def resolve(name: object) -> Model:
    """The model a request names (id, alias or retired slug); 404 for a deprecated name (plain
    JSON even for a stream request, as recorded), 400 "Model not found" otherwise."""
    if not isinstance(name, str):
        raise unprocessable("model")
    key = name.strip().lower()
    if key in DEPRECATED:
        when, instead = DEPRECATED[key]
        raise APIError(
            404,
            f"The model {key} was deprecated on {when} and is no longer accessible via the API. "
            f"Please use {instead} instead.",
        )
    model = _BY_NAME.get(key)
    if model is None:
        raise model_not_found(name)
    return model


def lookup(name: str) -> Model | None:
    """The model for a path parameter, or None (the models routes answer 404, not 400).

    A retired slug looks up as grok-4.3, the model that serves it ("redirect to grok-4.3",
    xai-api.md §7).
    """
    model = _BY_NAME.get(name.strip().lower())
    if model is not None and model in RETIRED:
        return _BY_NAME[DEFAULT_MODEL]
    return model


def check_effort(model: Model, effort: object, *, param: str) -> str | None:
    """Validate a reasoning effort against what the model accepts; None when not given."""
    if effort is None:
        return None
    if not isinstance(effort, str):
        raise unprocessable(param)
    if not model.efforts:
        camel = "".join(w.capitalize() if i else w for i, w in enumerate(param.split("_")))
        raise APIError(400, f"Model {model.id} does not support parameter {camel}.")
    if effort not in model.efforts:
        allowed = ", ".join(model.efforts)
        raise APIError(
            400, f"Invalid {param} '{effort}' for {model.id}: expected one of {allowed}."
        )
    return effort


def check_multi_agent(model: Model, *, chat: bool, function_tools: bool, capped: bool) -> None:
    """Refuse what the multi-agent model does not take, in the documentation's words (no
    recording shows these refusals)."""
    if not model.multi_agent:
        return
    if chat:
        raise APIError(
            400,
            "The multi-agent model does not work with the OpenAI Chat Completions API. "
            "Use the xAI SDK or the Responses API instead.",
        )
    if function_tools:
        raise APIError(
            400,
            "Client-side tools (function calling) and custom tools are not currently supported "
            "by the multi-agent model variant.",
        )
    if capped:
        raise APIError(
            400, "The `max_tokens` parameter is not currently supported by the multi-agent model."
        )


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
