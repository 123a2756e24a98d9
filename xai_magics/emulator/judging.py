"""A judge's verdict, simulated: structured output ``{score, reason}`` for a grading request.

An LLM judge (``%grok_eval --grader judge``) sends the expected answer and the answer to grade
in fenced sections (``<expected>…</expected>``, ``<answer>…</answer>``) and asks for JSON with
exactly ``score`` and ``reason``. Instead of schema-shaped filler, the emulator then grades like
a careful judge would, deterministically: score 1 when the answer states the expected value
(case and spacing aside), else 0, so evals graded by a judge get real, checkable grades.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SECTION = r"<{0}>\n(?P<body>.*?)\n</{0}>"


def _section(prompt: str, tag: str) -> str | None:
    # The judge escapes section tags inside the texts it fences, so the first close is real.
    match = re.search(_SECTION.format(tag), prompt, flags=re.DOTALL)
    return match.group("body") if match else None


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[*_`\"'“”]", "", text).lower().split()).rstrip(".!?")


def verdict(prompt: str, schema: Any) -> str | None:
    """The JSON verdict, or None when the request is not a judge's."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or set(properties) != {"score", "reason"}:
        return None
    expected, answer = _section(prompt, "expected"), _section(prompt, "answer")
    if expected is None or answer is None:
        return None
    want = _plain(expected)
    if want and re.search(rf"(?<![\w.]){re.escape(want)}(?![\w]|\.\d)", _plain(answer)):
        score, reason = 1.0, f"The answer states the expected value {expected.strip()!r}."
    else:
        score, reason = 0.0, f"The answer does not state the expected value {expected.strip()!r}."
    return json.dumps({"score": score, "reason": reason + " (simulated judge)"})
