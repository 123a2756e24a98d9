"""Simulated model text: a deterministic function of the prompt, the conversation and the model.

Every answer says it is simulated and carries a short digest of the prompt, so a test can tell which
prompt produced which answer (batch rows are matched back this way). Answers vary with the prompt:
some have Markdown headings, lists, tables or a fenced code block, as real answers do.

Prompt markers drive special cases:
``emulator:tokens=N`` gives an answer of exactly N tokens (for benchmarks).
An arithmetic question ("What is 17 + 25?") gets a quiz answer instead (``quiz.py``): right with a
model-specific probability, drawn per (model, question, request ``seed``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from xai_magics.emulator import vision

#: A token is a run of non-space characters with the whitespace before it, so tokens join back
#: into the exact text.
_PIECE = re.compile(r"\s*\S+|\s+")
_TOKENS_MARKER = re.compile(r"emulator:tokens=(\d+)")
_MAX_MARKER_TOKENS = 1_000_000

_LONG_WORDS = (
    "simulated",
    "token",
    "from",
    "the",
    "xAI",
    "emulator,",
    "streaming",
    "steadily",
    "for",
    "a",
    "benchmark.",
)

_TOPICS_INTRO = (
    "Here is a simulated answer about",
    "A short, simulated take on",
    "Simulated notes on",
    "The emulator's simulated reply regarding",
)

_REASONING_WORDS = {"none": 0, "low": 14, "medium": 32, "high": 64, "xhigh": 96}

#: Reasoning tokens billed per effort: a base plus up to as much again, chosen by the prompt. The
#: summary the service shows is much shorter than what it bills: grok-4.3 billed 116 reasoning
#: tokens for a one-line summary of "What's 2+2?" (rubyllm 2026-06), 110-198 with no or "low"
#: effort (vercel-ai issue-17936, issue-14932); grok-3-mini at "high" billed 2848.
_REASONING_BUDGET = {"low": 96, "medium": 320, "high": 960, "xhigh": 2400}


def tokenize(text: str) -> list[str]:
    """Split text into word-ish tokens that concatenate back to ``text``."""
    return _PIECE.findall(text)


def count_tokens(text: str) -> int:
    return len(_PIECE.findall(text))


def digest(text: str) -> str:
    """Eight hex characters identifying a prompt; echoed in every answer."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]


def _seed(*parts: str) -> int:
    joined = "\x1f".join(parts).encode("utf-8", "replace")
    return int.from_bytes(hashlib.sha256(joined).digest()[:8], "big")


def _excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "could",
        "does",
        "from",
        "have",
        "hello",
        "here",
        "into",
        "just",
        "know",
        "like",
        "make",
        "more",
        "much",
        "please",
        "tell",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "would",
        "your",
        "explain",
        "describe",
        "write",
        "give",
        "show",
    ]
)


def _topic(text: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z0-9'-]*", text)
    content = [w for w in words if len(w) > 3 and w.lower() not in _COMMON]
    picked = content[:3] or words[:3] or ["your", "prompt"]
    return " ".join(picked).lower()


@dataclass(frozen=True)
class Conversation:
    """What the answer may depend on: the latest user turn, earlier user turns, the system text."""

    prompt: str
    earlier_prompts: tuple[str, ...] = ()
    system: str | None = None
    #: the output of the tool the model called last turn, if the conversation ends with one
    tool_result: str | None = None


def long_answer(n_tokens: int) -> str:
    """Exactly ``n_tokens`` tokens, cheap to build for very large N."""
    words = _LONG_WORDS
    pieces = ["Simulated"]
    pieces.extend(" " + words[i % len(words)] for i in range(1, n_tokens))
    return "".join(pieces[:n_tokens])


def marker_tokens(text: str) -> int | None:
    """The N of an ``emulator:tokens=N`` marker, if the prompt has one."""
    match = _TOKENS_MARKER.search(text)
    if match is None:
        return None
    return min(int(match.group(1)), _MAX_MARKER_TOKENS)


def answer_text(conv: Conversation, model: str) -> str:
    """The simulated answer for a conversation."""
    wanted = marker_tokens(conv.prompt)
    if wanted is not None:
        return long_answer(max(wanted, 1))
    seed = _seed(
        model, conv.system or "", *conv.earlier_prompts, conv.prompt, conv.tool_result or ""
    )
    topic = _topic(conv.prompt)
    intro = _TOPICS_INTRO[seed % len(_TOPICS_INTRO)]
    lines = [
        f"{intro} *{topic}* (model `{model}`, prompt digest `{digest(conv.prompt)}`).",
        "",
    ]
    if conv.earlier_prompts:
        turn = len(conv.earlier_prompts) + 1
        lines += [
            f"This is turn {turn} of our simulated conversation; earlier you asked "
            f"“{_excerpt(conv.earlier_prompts[-1])}”.",
            "",
        ]
    if conv.system:
        lines += [f"Following the simulated instructions “{_excerpt(conv.system, 40)}”.", ""]
    if conv.tool_result is not None:
        lines += [f"Using the tool result “{_excerpt(conv.tool_result)}”.", ""]
    lines += vision.image_lines(conv.prompt)
    first = (seed >> 8) % len(_BODIES)
    lines += _BODIES[first](conv.prompt, topic, seed)
    if (seed >> 16) % 3:
        second = (first + 1 + (seed >> 20) % (len(_BODIES) - 1)) % len(_BODIES)
        lines += ["", *_BODIES[second](conv.prompt, topic, seed >> 24)]
    lines += ["", "_This answer was simulated by the xAI emulator; no model was called._"]
    return "\n".join(lines)


def _body_list(prompt: str, topic: str, seed: int) -> list[str]:
    points = ("what it is", "why it matters", "how to try it", "what to watch for")
    count = 2 + seed % 3
    return [
        f"## Simulated overview of {topic}",
        "",
        *(f"- **Point {i + 1}:** {points[i]} (simulated)." for i in range(count)),
    ]


def _body_code(prompt: str, topic: str, seed: int) -> list[str]:
    name = re.sub(r"[^a-z0-9_]", "_", topic.replace(" ", "_")) or "example"
    return [
        "A simulated snippet, for illustration only:",
        "",
        "```python",
        f"def simulated_{name}() -> str:",
        f'    return "simulated answer {digest(prompt)}"',
        "```",
    ]


def _body_plain(prompt: str, topic: str, seed: int) -> list[str]:
    sentences = (
        f"The question “{_excerpt(prompt)}” gets a placeholder reply here.",
        "A real model would give details; this simulation only shows the shape of an answer.",
        "Numbers, names and facts in this text are not real.",
    )
    return [" ".join(sentences[: 2 + seed % 2])]


def _body_table(prompt: str, topic: str, seed: int) -> list[str]:
    return [
        "### Simulated comparison",
        "",
        "| aspect | simulated value |",
        "|---|---|",
        f"| topic | {topic} |",
        f"| words in prompt | {len(prompt.split())} |",
        f"| digest | {digest(prompt)} |",
    ]


def _body_steps(prompt: str, topic: str, seed: int) -> list[str]:
    steps = (
        f"Restate the question about {topic} in one sentence.",
        "List what is known and what is assumed (all simulated here).",
        "Work through a small example, checking each step.",
        "Summarise the result and note what a real model would add.",
    )
    count = 3 + seed % 2
    return ["**Simulated steps:**", "", *(f"{i + 1}. {steps[i]}" for i in range(count))]


_BODIES = (_body_list, _body_code, _body_plain, _body_table, _body_steps)


def reasoning_text(conv: Conversation, model: str, effort: str) -> str:
    """Simulated thinking, longer for a higher effort; empty for effort "none"."""
    words = _REASONING_WORDS.get(effort, _REASONING_WORDS["medium"])
    if words == 0:
        return ""
    base = (
        f"Simulated reasoning: the user asks about {_topic(conv.prompt)}. "
        "Let me think through the simulated steps one by one, check each of them, "
        "and then write a clear simulated answer."
    ).split()
    filler = ("Considering", "the", "simulated", "details", "again,", "step", "by", "step.")
    out = list(base[:words])
    i = 0
    while len(out) < words:
        out.append(filler[i % len(filler)])
        i += 1
    return " ".join(out)


def reasoning_token_count(conv: Conversation, model: str, effort: str) -> int:
    """Reasoning tokens billed for a conversation: deterministic, growing with the effort."""
    base = _REASONING_BUDGET.get(effort, _REASONING_BUDGET["medium"])
    spread = _seed("reasoning", model, effort, conv.system or "", conv.prompt) % (base + 1)
    return base + spread + min(count_tokens(conv.prompt), base)


def prompt_tokens(texts: Sequence[str]) -> int:
    """Input tokens for a list of message texts: each message costs its tokens plus 4."""
    return sum(count_tokens(t) + 4 for t in texts) + 8
