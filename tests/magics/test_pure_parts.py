"""The pure cores under the magic: line splitting, coalescing, threads, receipts, results."""

from __future__ import annotations

import argparse

import pytest

from xai_magics.api import GrokResult
from xai_magics.magics.options import cell_key, split_line
from xai_magics.threads import ThreadStore, Turn
from xai_magics.usage import Ledger, Receipt
from xai_magics.widgets.stream_view import Coalescer


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("-m", "--model")
    p.add_argument("--system")
    p.add_argument("-t", "--temperature", type=float)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--speak", nargs="?", const="")
    return p


@pytest.mark.parametrize(
    ("line", "argv", "rest"),
    [
        ("What's up?", [], "What's up?"),
        ("-m grok-4.3 What's {x}?", ["-m", "grok-4.3"], "What's {x}?"),
        (
            '--system "Be brief." --dry-run Tell me',
            ["--system", "Be brief.", "--dry-run"],
            "Tell me",
        ),
        ("--model=grok-4.5 hi", ["--model=grok-4.5"], "hi"),
        ("-t0.2 hi", ["-t0.2"], "hi"),
        ("-- -1 is negative", [], "-1 is negative"),
        ("-1 is negative", [], "-1 is negative"),
        ("- item one", [], "- item one"),
        ("--dry-run", ["--dry-run"], ""),
        ("-m grok-4.3   spaced   out  ", ["-m", "grok-4.3"], "spaced   out  "),
        (
            "--system 'it''s' q",
            [
                "--system",
                "its",
            ],
            "q",
        ),
        ("--speak rex -- Why?", ["--speak", "rex"], "Why?"),
        ("--speak --dry-run", ["--speak", "--dry-run"], ""),
        ("--speak", ["--speak"], ""),
    ],
    ids=[
        "prompt-only",
        "option-then-prompt",
        "quoted-value",
        "equals",
        "attached-short",
        "double-dash",
        "negative-number",
        "markdown-list",
        "options-only",
        "spacing-kept",
        "adjacent-quotes",
        "optional-value-given",
        "optional-value-before-option",
        "optional-value-last",
    ],
)
def test_split_line_keeps_the_prompt_verbatim(line: str, argv: list[str], rest: str) -> None:
    assert split_line(line, parser()) == (argv, rest)


class FakeShell:
    def __init__(self, header: object) -> None:
        self.parent_header = header


def test_cell_key_prefers_the_front_end_cell_id() -> None:
    assert cell_key(FakeShell({"metadata": {"cellId": "abc"}}), "", "x") == "cell:abc"
    by_text = cell_key(FakeShell({}), "--thread t", "x")
    assert by_text.startswith("text:")
    assert by_text == cell_key(FakeShell({}), "--thread t", "x")
    assert by_text != cell_key(FakeShell({}), "--thread t", "y")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_coalescer_sends_at_most_once_per_interval() -> None:
    clock = Clock()
    c = Coalescer(interval_s=0.05, clock=clock)
    sent = []
    for i in range(1000):  # 1000 tokens over one second
        clock.now = i / 1000
        message = c.add(text=f"t{i} ")
        if message:
            sent.append(message)
    tail = c.drain()
    if tail:
        sent.append(tail)
    assert "".join(m["text"] for m in sent) == "".join(f"t{i} " for i in range(1000))
    assert 18 <= len(sent) <= 22


def test_coalescer_keeps_reasoning_apart_and_drains_empty_as_none() -> None:
    clock = Clock()
    c = Coalescer(interval_s=1.0, clock=clock)
    assert c.add(reasoning="think") == {"reasoning": "think"}
    assert c.add(text="a") is None
    assert c.add(reasoning="more") is None
    assert c.drain() == {"text": "a", "reasoning": "more"}
    assert c.drain() is None


def test_thread_rerun_replaces_the_turn_and_drops_later_ones() -> None:
    store = ThreadStore()
    t = store.get_or_create("x", system="sys")
    t.record(Turn("a", "q1", "a1", "r1"))
    t.record(Turn("b", "q2", "a2", "r2"))
    t.record(Turn("c", "q3", "a3", "r3"))
    assert t.previous_response_id("c") == "r2"
    assert t.previous_response_id("new") == "r3"
    assert t.record(Turn("b", "q2'", "a2'", "r2'")) is True
    assert [turn.key for turn in t.turns] == ["a", "b"]
    assert t.messages_for("b") == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
    ]


def test_new_thread_names_are_stable_per_cell() -> None:
    store = ThreadStore()
    assert store.new("cell-1").name == "chat-1"
    assert store.new("cell-2").name == "chat-2"
    assert store.new("cell-1").name == "chat-1"
    assert store.reset() == ["chat-1", "chat-2"]


def receipt(**kw: object) -> Receipt:
    base: dict[str, object] = {
        "model_requested": "grok-4.3", "model": "grok-4.3", "endpoint": "responses",
        "tier_requested": None, "tier": "default", "input_tokens": 1200,
        "cached_input_tokens": 200, "output_tokens": 300, "reasoning_tokens": 50,
        "cost_usd": 0.0123, "ttft_s": 0.25, "elapsed_s": 1.5,
    }  # fmt: skip
    base.update(kw)
    return Receipt(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            "grok-4.3 · default tier · 1,200 in (200 cached) · 300 out · 50 reasoning · $0.0123"
            " · first token 0.25 s · total 1.50 s",
        ),
        ({"tier_requested": "priority"}, " · asked priority, served default · "),
        ({"model": "grok-4.3", "model_requested": "grok-3"}, "grok-4.3 (asked grok-3)"),
        ({"cost_usd": 0.000012}, "$0.000012"),
        ({"cost_usd": None}, "cost unknown"),
        ({"retries": 2}, "2 retries"),
        ({"tier": None, "tier_requested": "priority"}, " · asked priority, tier not reported · "),
        ({"estimated": True, "cost_usd": 0.0002}, " · ≈1,200 in (200 cached) · ≈300 out"),
        ({"estimated": True, "cost_usd": 0.0002}, " · ≈$0.000200 est. · "),
        ({"estimated": True, "tier": "priority"}, "≈$0.0123 est. at the default rate"),
        ({"estimated": True, "tier": None, "tier_requested": "priority"}, "est. at the default"),
        ({"estimated": True, "tier_requested": "priority"}, " reasoning · ≈$0.0123 est. · first"),
        ({"reasoning_cost_usd": 0.00125}, " · 50 reasoning ($0.001250) · "),
    ],
    ids=[
        "full",
        "tier-not-granted",
        "model-redirected",
        "tiny-cost",
        "no-cost",
        "retries",
        "tier-not-reported",
        "estimated-tokens",
        "estimated-cost",
        "estimated-at-priority",
        "estimated-tier-unknown",
        "estimated-priority-refused",
        "reasoning-cost",
    ],
)
def test_receipt_summary(changes: dict[str, object], expected: str) -> None:
    assert expected in receipt(**changes).summary()


def test_ledger_totals_by_model() -> None:
    published = []
    ledger = Ledger(sender=published.append)
    ledger.record(receipt())
    ledger.record(receipt(model="grok-3-mini", cost_usd=None))
    ledger.record(receipt(cost_usd=0.01))
    totals = {t.model: t for t in ledger.by_model()}
    assert totals["grok-4.3"].calls == 2
    assert totals["grok-4.3"].cost_usd == pytest.approx(0.0223)
    assert totals["grok-3-mini"].unknown_cost_calls == 1
    assert published[-1] == {"spend_usd": pytest.approx(0.0223), "estimated_usd": 0, "calls": 3}


def test_result_repr_is_short_and_status_lines_say_what_happened() -> None:
    r = GrokResult(text="x" * 500, status="stopped", model_requested="grok-4.3")
    assert len(repr(r)) < 200
    assert "status='stopped'" in repr(r)
    assert r.status_line().startswith("stopped after 500 characters")
    assert str(r) == "x" * 500
    err = GrokResult(text="", status="error", model_requested="m", error="boom; do X")
    assert err.status_line() == "error: boom; do X"
    cut = GrokResult(text="", status="incomplete", model_requested="m", incomplete_reason="length")
    assert "incomplete_reason='length'" in repr(cut)
    assert (
        cut.status_line() == "incomplete: no answer within the output token cap; raise --max-tokens"
    )


@pytest.mark.parametrize("name", ["StreamView", "AudioPlayer"])
def test_widgets_are_importable_from_the_package(name: str) -> None:
    import importlib

    import xai_magics.widgets as widgets

    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    module = importlib.import_module(f"xai_magics.widgets.{snake}")
    assert name in widgets.__all__
    assert getattr(widgets, name) is getattr(module, name)
