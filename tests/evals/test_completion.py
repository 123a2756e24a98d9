"""Tab in a ``%grok_eval`` line: options, frames, models with their tier, templates, graders."""

from __future__ import annotations

from collections.abc import Iterable

from xai_magics.magics.completion import complete_options, magic_line
from xai_magics.magics.eval import EvalMagics

PARSER = EvalMagics.grok_eval.parser  # type: ignore[attr-defined]
KNOWN = {
    "frame": ["quiz", "questions"],
    "model": ["grok-4.3", "grok-4.20-0309-non-reasoning"],
    "prompts": ["terse", "stepwise"],
    "grader": ["exact", "number", "python:within_one"],
}


def _values(magic: str, dest: str) -> Iterable[str]:
    assert magic == "grok_eval"
    return KNOWN.get(dest, [])


def _complete(line: str) -> tuple[list[str], str] | None:
    located = magic_line(line, line)
    assert located is not None
    found = complete_options(located[0], PARSER, located[1], _values)
    return None if found is None else (found.texts, found.fragment)


def test_options_and_the_frame() -> None:
    assert _complete("%grok_eval q") == (["questions", "quiz"], "q")
    texts, _ = _complete("%grok_eval quiz --ex") or ([], "")
    assert texts == ["--expected"]


def test_models_complete_after_the_comma_and_the_tier_after_at() -> None:
    assert _complete("%grok_eval quiz --models grok-4.3,grok-4.2") == (
        ["grok-4.20-0309-non-reasoning"],
        "grok-4.2",
    )
    assert _complete("%grok_eval quiz --models grok-4.3@p") == (["priority"], "p")


def test_prompts_and_graders_come_from_the_namespace() -> None:
    assert _complete("%grok_eval quiz --prompts terse,s") == (["stepwise"], "s")
    assert _complete("%grok_eval quiz --grader python:") == (["python:within_one"], "python:")
