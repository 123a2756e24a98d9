"""What an eval compares: every model (with its tier) crossed with every prompt template.

``--models grok-4.3,grok-4.20-0309-non-reasoning@priority`` and ``--prompts concise,stepwise``
(names of notebook variables holding ``{column}`` templates) give four variants, each named
``MODEL[@priority] · PROMPT`` so a leaderboard row says what it measured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Tier = Literal["default", "priority"]

_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
_TIERS: tuple[Tier, ...] = ("default", "priority")
DEFAULT_PROMPT = "default"


@dataclass(frozen=True)
class Variant:
    """One model at one tier with one prompt template."""

    model: str
    tier: Tier
    prompt: str  # the template's name
    template: str

    @property
    def name(self) -> str:
        at = "@priority" if self.tier == "priority" else ""
        return f"{self.model}{at} · {self.prompt}"


def parse_models(models: str | Sequence[str] | None, default: str) -> list[tuple[str, Tier]]:
    """``"M1,M2@priority"`` (or a list of such) as (model, tier) pairs, in order, each once."""
    if models is None:
        return [(default, "default")]
    items = models.split(",") if isinstance(models, str) else list(models)
    pairs: list[tuple[str, Tier]] = []
    for item in (i.strip() for i in items):
        model, _, tier = item.partition("@")
        if not _MODEL.fullmatch(model) or (item.count("@") and tier not in _TIERS):
            raise ValueError(
                f"--models: {item!r} is not MODEL or MODEL@priority "
                "(e.g. --models grok-4.3,grok-4.20-0309-non-reasoning@priority)"
            )
        pair: tuple[str, Tier] = (model, "priority" if tier == "priority" else "default")
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def resolve_prompts(
    prompt: str | None,
    prompts: str | Sequence[str] | Mapping[str, str] | None,
    namespace: Mapping[str, Any],
) -> dict[str, str]:
    """Template by name: ``prompt`` as ``default``, then ``prompts`` (names looked up in
    ``namespace``, or a mapping of name to template)."""
    found: dict[str, str] = {}
    if prompt is not None:
        found[DEFAULT_PROMPT] = prompt
    if isinstance(prompts, Mapping):
        found.update({str(k): _template(str(k), v) for k, v in prompts.items()})
    elif prompts is not None:
        names = prompts.split(",") if isinstance(prompts, str) else list(prompts)
        for name in (n.strip() for n in names):
            if name not in namespace:
                raise ValueError(
                    f"--prompts: no variable {name!r} in the notebook; set it to a template "
                    f'first, e.g. {name} = "Answer briefly: {{question}}"'
                )
            found[name] = _template(name, namespace[name])
    if not found:
        raise ValueError(
            'Give the prompt: --prompt "...{column}..." or --prompts NAME1,NAME2 '
            "(variables holding templates)"
        )
    return found


def variants(pairs: Sequence[tuple[str, Tier]], templates: Mapping[str, str]) -> list[Variant]:
    """Every model pair with every template, models first."""
    return [
        Variant(model, tier, name, template)
        for model, tier in pairs
        for name, template in templates.items()
    ]


def _template(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"--prompts: {name} must hold a template string, got {type(value).__name__}"
        )
    return value
