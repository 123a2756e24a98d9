"""Variants from --models and --prompts: names, tiers, order, and one clear error per mistake."""

from __future__ import annotations

import pytest

from xai_magics.evals.tasks import tasks
from xai_magics.evals.variants import parse_models, resolve_prompts, variants


def test_models_and_prompts_cross_into_named_variants() -> None:
    pairs = parse_models("grok-4.3, grok-4.20-0309-non-reasoning@priority,grok-4.3", "x")
    assert pairs == [("grok-4.3", "default"), ("grok-4.20-0309-non-reasoning", "priority")]
    templates = resolve_prompts(None, "terse,stepwise", {"terse": "{q}", "stepwise": "Think: {q}"})
    names = [v.name for v in variants(pairs, templates)]
    assert names == [
        "grok-4.3 · terse",
        "grok-4.3 · stepwise",
        "grok-4.20-0309-non-reasoning@priority · terse",
        "grok-4.20-0309-non-reasoning@priority · stepwise",
    ]


def test_without_models_the_default_model_runs_the_prompt_named_default() -> None:
    [only] = variants(parse_models(None, "grok-4.3"), resolve_prompts("Q: {q}", None, {}))
    assert (only.model, only.tier, only.prompt, only.template) == (
        "grok-4.3",
        "default",
        "default",
        "Q: {q}",
    )


@pytest.mark.parametrize(
    "models", ["grok-4.3@fast", "@priority", "grok 4.3", "grok-4.3,,x"], ids=str
)
def test_a_model_not_written_model_or_model_at_priority_is_refused(models: str) -> None:
    with pytest.raises(ValueError, match=r"is not MODEL or MODEL@priority"):
        parse_models(models, "grok-4.3")


@pytest.mark.parametrize(
    ("prompt", "prompts", "namespace", "message"),
    [
        (None, None, {}, "Give the prompt"),
        (None, "terse", {}, "no variable 'terse'"),
        (None, "terse", {"terse": 3}, "must hold a template string"),
    ],
    ids=["none", "unknown-variable", "not-a-string"],
)
def test_prompt_mistakes_say_what_to_do(
    prompt: str | None, prompts: str | None, namespace: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_prompts(prompt, prompts, namespace)


def test_repeats_carry_seeds_and_priority_variants_run_in_real_time() -> None:
    chosen = variants(parse_models("a,b@priority", "a"), {"default": "{q}"})
    todo = tasks(chosen, 3, "batch")
    assert [(t.variant.model, t.repeat, t.seed, t.path) for t in todo] == [
        ("a", 0, None, "batch"),
        ("a", 1, 1, "batch"),
        ("a", 2, 2, "batch"),
        ("b", 0, None, "priority"),
        ("b", 1, 1, "priority"),
        ("b", 2, 2, "priority"),
    ]


def test_job_names_change_with_the_requests_and_the_path_only() -> None:
    [task] = tasks(variants(parse_models("a", "a"), {"p": "{q}"}), 1, "batch")
    [now] = tasks(variants(parse_models("a", "a"), {"p": "{q}"}), 1, "now")
    assert task.job_name("quiz", "d1") == task.job_name("quiz", "d1")
    assert (
        len({task.job_name("quiz", "d1"), task.job_name("quiz", "d2"), now.job_name("quiz", "d1")})
        == 3
    )
    assert task.job_name("quiz", "d1").startswith("eval quiz · a · p · r0 · ")
