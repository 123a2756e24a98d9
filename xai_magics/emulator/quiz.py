"""Arithmetic quiz answers: real, different accuracies per model, for evals (issue 16).

A prompt asking "What is A + B?" (also ``-``, ``*``, ``×``) is answered with a number that is
right with a model-specific probability, decided by a hash of (model, question, seed): the same
request always gets the same answer, another ``seed`` is another independent draw. Asking to
"think step by step" raises the rate a little (and the answer shows working); asking for "just
the number" gives the bare number, otherwise a sentence around it. A wrong answer is off by 1-9.
"""

from __future__ import annotations

import hashlib
import re

_QUESTION = re.compile(r"what\s+is\s+(-?\d{1,9})\s*([-+*×x])\s*(-?\d{1,9})\s*\?", re.IGNORECASE)

#: how often each model answers right; other models get ``DEFAULT_RATE``
RATES: dict[str, float] = {
    "grok-4.3": 0.9,
    "grok-4.20-0309-reasoning": 0.8,
    "grok-4.20-0309-non-reasoning": 0.6,
    "grok-3-mini": 0.5,
}
DEFAULT_RATE = 0.7
#: added to the rate when the prompt asks to think step by step (capped at ``MAX_RATE``)
STEP_BY_STEP_BONUS = 0.08
MAX_RATE = 0.98


def quiz_answer(prompt: str, model: str, seed: int | None) -> str | None:
    """The answer to an arithmetic question in ``prompt``, or None when it asks none."""
    match = _QUESTION.search(prompt)
    if match is None:
        return None
    a, op, b = int(match.group(1)), match.group(2), int(match.group(3))
    right = a + b if op == "+" else a - b if op == "-" else a * b
    stepwise = "step by step" in prompt.lower()
    rate = min(RATES.get(model, DEFAULT_RATE) + (STEP_BY_STEP_BONUS if stepwise else 0.0), MAX_RATE)
    question = f"{a} {op} {b}"
    draw = _uniform(model, question, "" if seed is None else str(seed))
    given = right if draw < rate else right + _offset(model, question, seed)
    if "just the number" in prompt.lower():
        return str(given)
    if stepwise:
        return f"Working it out step by step: {question} gives {given}.\n\nThe answer is {given}."
    return f"The answer is {given}."


def _uniform(*parts: str) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    digest = hashlib.sha256("\x1f".join(("quiz", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _offset(model: str, question: str, seed: int | None) -> int:
    """How far off a wrong answer is: 1 to 9, either way."""
    value = int(_uniform(model, question, str(seed), "offset") * 18)
    return value - 9 if value < 9 else value - 8
