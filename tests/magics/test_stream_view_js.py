"""The StreamView front end, run in Node with a minimal DOM: text is appended as text (never
parsed as HTML), the kernel's rendered blocks replace the tail they stand for, reasoning stays
hidden until it exists, a late second view catches up, and the view reports that it was drawn."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
MODULE = HERE.parents[1] / "xai_magics" / "widgets" / "stream_view.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the widget's module")

HOSTILE = ["<scr", "ipt>alert(1)</scr", 'ipt><img src=x onerror="alert(2)">']


def run(
    steps: list[dict[str, Any]],
    *,
    typesetter: bool = False,
    settle_ms: int = 300,
    typeset_ms: int = 0,
) -> dict[str, Any]:
    """What each view shows ``settle_ms`` after the last step (``typeset_ms``: how long the
    lent typesetter takes for a block)."""
    scenario = {
        "module": str(MODULE),
        "steps": steps,
        "typesetter": typesetter,
        "settleMs": settle_ms,
        "typesetMs": typeset_ms,
    }
    done = subprocess.run(
        [str(NODE), str(HERE / "stream_view_harness.mjs")],
        input=json.dumps(scenario),
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_hostile_deltas_are_appended_as_text() -> None:
    out = run([{"render": True}, *({"msg": {"text": piece}} for piece in HOSTILE)])
    (view,) = out["views"]
    assert view["text"] == "".join(HOSTILE)
    assert set(view["tags"]) <= {"div", "details", "summary", "pre", "#text"}
    assert out["innerHTMLWrites"] == 0


def test_reasoning_is_hidden_until_it_arrives_and_status_replaces() -> None:
    before = run([{"render": True}, {"msg": {"text": "a"}}])["views"][0]
    assert before["reasoningHidden"] is True
    out = run(
        [
            {"render": True},
            {"msg": {"reasoning": "think "}},
            {"msg": {"reasoning": "more", "text": "answer"}},
            {"msg": {"status": "retrying in 1.0 s"}},
            {"msg": {"status": ""}},
        ]
    )
    (view,) = out["views"]
    assert view["reasoningHidden"] is False
    assert view["reasoning"] == "Reasoningthink more"  # summary label, then the text
    assert view["text"] == "answer"
    assert view["status"] == ""


def test_a_second_view_catches_up_without_doubling() -> None:
    out = run(
        [
            {"render": True},
            {"msg": {"text": "one "}},
            {"render": True},
            {"msg": {"text": "two"}},
        ]
    )
    assert [v["text"] for v in out["views"]] == ["one two", "one two"]


def test_updates_are_paced_but_the_end_of_the_answer_shows_at_once() -> None:
    steps = [
        {"render": True},
        {"msg": {"text": "first "}},
        {"wait": 20},
        {"msg": {"text": "second"}},
    ]
    paced = run(steps, settle_ms=60)["views"][0]
    assert paced["text"] == "first "  # the second piece waits for the next paced update
    ended = run([*steps, {"msg": {"html": "<p>first second</p>", "rendered": 12, "done": 1}}],
                settle_ms=60)["views"][0]  # fmt: skip
    assert ended["html"] == ["<p>first second</p>"]
    assert ended["text"] == ""


def test_out_of_view_updates_come_once_a_second_and_at_once_back_in_view() -> None:
    steps = [
        {"render": True},
        {"visible": False},
        {"msg": {"text": "first "}},  # the first piece shows at once
        {"wait": 20},
        {"msg": {"text": "second"}},
    ]
    unseen = run(steps, settle_ms=400)["views"][0]
    assert unseen["text"] == "first "  # not yet: one second after the first
    later = run(steps, settle_ms=1100)["views"][0]
    assert later["text"] == "first second"
    back = run([*steps, {"visible": True}], settle_ms=400)["views"][0]
    assert back["text"] == "first second"  # in view again: the paced 200 ms


def test_each_view_reports_that_it_was_drawn() -> None:
    out = run([{"render": True}, {"render": True}])
    assert out["sent"] == [{"type": "rendered"}, {"type": "rendered"}]


def test_tool_activity_is_a_collapsed_block_named_after_the_latest_step() -> None:
    out = run(
        [
            {"render": True},
            {"msg": {"text": "Let me look."}},
            {"msg": {"tool": "searching the web: <img src=x onerror=alert(1)>"}},
            {"msg": {"tool": "searching X: ruby"}},
            {"render": True},  # a late view catches up on the lines so far
        ]
    )
    first, late = out["views"]
    for view in (first, late):
        assert view["toolsHidden"] is False
        # summary (the latest step), then every line as text
        assert view["tools"] == (
            "Tools: searching X: ruby"
            "searching the web: <img src=x onerror=alert(1)>\nsearching X: ruby\n"
        )
        assert view["text"] == "Let me look."
    assert out["innerHTMLWrites"] == 0
    quiet = run([{"render": True}, {"msg": {"text": "no tools"}}])["views"][0]
    assert quiet["toolsHidden"] is True


def test_rendered_blocks_replace_the_tail_they_stand_for() -> None:
    out = run(
        [
            {"render": True},
            {"msg": {"text": "# Ti"}},
            {"msg": {"text": "tle\nSome *te"}},
            # the kernel rendered "# Title\n" (8 characters of the tail) as a heading
            {"msg": {"text": "xt* 😀 here", "html": "<h1>Title</h1>\n", "rendered": 8}},
            {
                "msg": {
                    "text": "\n\nNext",
                    "html": "<p>Some <em>text</em> 😀 here</p>\n",
                    "rendered": 21,
                }
            },
            {"render": True},  # a late view shows the blocks so far, then the tail
        ]
    )
    first, late = out["views"]
    for view in (first, late):
        assert "".join(view["html"]) == "<h1>Title</h1>\n<p>Some <em>text</em> 😀 here</p>\n"
        assert view["text"] == "Next"  # 😀 counts two, as in a browser's strings
        assert view["started"] is True
    assert out["innerHTMLWrites"] == 0  # block HTML is parsed in an inert <template> only
    # Messages in quick succession make one update of each view: one parse, one layout.
    assert out["templateWrites"] == 2
    assert out["typeset"] == []  # no typesetter lent by this front end


def test_each_new_block_is_typeset_when_the_front_end_lends_a_typesetter() -> None:
    out = run(
        [
            {"render": True},
            {"msg": {"text": "$x$\n\nb", "html": "<p>$x$</p>\n", "rendered": 5}},
            {"msg": {"text": "", "html": "<p>b</p>\n", "rendered": 1}},
        ],
        typesetter=True,
    )
    assert out["typeset"] == ["<p>$x$</p>\n"]  # only the block that may hold math
    # a batch without math is not handed to the typesetter
    plain = run(
        [{"render": True}, {"msg": {"text": "b", "html": "<p>b</p>\n", "rendered": 1}}],
        typesetter=True,
    )
    assert plain["typeset"] == []
    assert out["views"][0]["text"] == ""


def _math_blocks(count: int) -> dict[str, Any]:
    text = "".join(f"${n}$\n\n" for n in range(count))
    html = "".join(f"<p>${n}$</p>\n" for n in range(count))
    return {"msg": {"text": text, "html": html, "rendered": len(text)}}


def test_out_of_view_math_waits_to_be_typeset_together() -> None:
    unseen = [{"render": True}, {"visible": False}, _math_blocks(2)]
    waiting = run(unseen, typesetter=True)
    assert waiting["views"][0]["html"] == ["<p>$0$</p>\n", "<p>$1$</p>\n"]  # shown, as TeX
    assert waiting["typeset"] == []
    back = run([*unseen, {"visible": True}], typesetter=True)
    assert back["typeset"] == ["<p>$0$</p>\n", "<p>$1$</p>\n"]  # in view: at once
    scrolled = run([*unseen, {"wait": 50}, {"scroll": True}], typesetter=True)
    assert len(scrolled["typeset"]) == 2  # the reader scrolls, maybe towards them: at once
    ended = run([*unseen, {"msg": {"text": "", "done": 1}}], typesetter=True)
    assert len(ended["typeset"]) == 2  # the answer ends: everything, before the swap
    five = run([{"render": True}, {"visible": False}, _math_blocks(5)], typesetter=True)
    assert five["typeset"] == []
    six = run([{"render": True}, {"visible": False}, _math_blocks(6)], typesetter=True)
    assert len(six["typeset"]) == 6
    assert len(set(six["typesetTasks"])) == 1


def test_the_waiting_line_shows_only_before_anything_arrived() -> None:
    before = run([{"render": True}])["views"][0]
    assert before["started"] is False
    after = run([{"render": True}, {"msg": {"text": "", "html": "", "rendered": 0}}])
    assert after["views"][0]["started"] is True


def test_typesetting_many_blocks_is_spread_over_tasks_but_the_end_is_typeset_at_once() -> None:
    three = "<p>$a$</p>\n<p>$b$</p>\n<p>$c$</p>\n"
    steps = [
        {"render": True},
        {"msg": {"text": "$a$\n\n$b$\n\n$c$\n\nd", "html": three, "rendered": 15}},
    ]
    # The page's first call takes one block; cheap, the batch doubles: the rest in one more
    # call, in the same task.
    quick = run(steps, typesetter=True)
    assert quick["typeset"] == ["<p>$a$</p>\n", "<p>$b$</p>\n", "<p>$c$</p>\n"]
    assert quick["typesetCalls"] == [1, 2]
    assert len(set(quick["typesetTasks"])) == 1
    # 15 ms a block: the batch stays one block, and a task that has used half of its 20 ms
    # budget starts no other call, so each block has a task of its own.
    slow = run(steps, typesetter=True, typeset_ms=15)
    assert slow["typesetCalls"] == [1, 1, 1]
    first, second, third = slow["typesetTasks"]
    assert first < second < third
    # the end of the answer is drawn whole, typeset, in the task that shows it
    ended = run(
        [
            {"render": True},
            {"msg": {"text": "$a$\n\n$b$\n\n", "html": three, "rendered": 10, "done": 1}},
        ],
        typesetter=True,
        typeset_ms=15,
    )
    assert len(ended["typeset"]) == 3
    assert len(ended["typesetCalls"]) <= 2  # the page's first block apart, one call
    assert len(set(ended["typesetTasks"])) == 1
