"""Exploratory evals in the notebook: prompt and model variants over a labelled frame,
graded, with honest statistics and the cost of each correct answer.

    from xai_magics.evals import run
    result = run(quiz, prompt="What is {question}?", expected="answer",
                 models="grok-4.3,grok-4.20-0309-non-reasoning", grader="number")
    result.leaderboard

``variants`` (models x prompt templates), ``tasks`` (one deterministically named job per
variant and repeat), ``runner`` (through ``%grok_batch``'s batch jobs or ``--now``), ``rows``
(the rows table), ``plan`` (``--dry-run``); ``graders`` (with ``normal_text`` and ``judge``)
grade; ``stats`` and ``compare`` test; ``result``, ``display`` and ``chart`` show. Nothing is
imported here until used: ``%load_ext`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["EvalResult", "run"]

_LAZY = {"run": "xai_magics.evals.runner", "EvalResult": "xai_magics.evals.result"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xai_magics.evals' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
