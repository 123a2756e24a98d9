"""A batch submitted without --wait, watched to its end in a real kernel.

The cell's value is the live widget (not a repr frozen at "running 0/3"); when the poller sees
the batch end, the widget stops its clock, says how to get the results, shows the first rows,
and the output's plain-text form follows: all of it arrives after the cell itself has ended.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.batch.kernel import Kernel, kernel_with
from tests.batch.test_magic_kernel import _widget_states

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
import pandas as pd
reviews = pd.DataFrame(
    {"review": ["good", "bad", "fine", None]}, index=pd.Index([11, 12, 13, 14], name="id")
)
"""
CELL = '%grok_batch reviews --prompt "Sentiment of: {review}"'


@pytest.fixture
def kernel(api_env: dict[str, str], tmp_path: Path) -> Iterator[Kernel]:
    with kernel_with(api_env, tmp_path, SETUP) as started:
        yield started


def _plain_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [
        m["content"]["data"]["text/plain"]
        for m in messages
        if m["msg_type"] in ("display_data", "update_display_data")
    ]


def test_a_batch_that_finishes_after_its_cell_shows_results_and_stops_its_clock(
    emu: Any, kernel: Kernel
) -> None:
    emu.control.configure(batch_seconds_per_request=1.5)
    first = kernel.messages(CELL)
    kinds = [m["msg_type"] for m in first]
    # the job is the cell's value, shown as its live widget: no frozen "<BatchJob ...>" repr
    assert "execute_result" not in kinds
    (shown,) = [m for m in first if m["msg_type"] == "display_data"]
    display_id = shown["content"]["transient"]["display_id"]
    assert "finished" not in shown["content"]["data"]["text/plain"]
    # xAI reports no cost while a batch runs: the estimate made on submit stands in
    assert re.search(r"≈ \$0\.\d+ est\.$", shown["content"]["data"]["text/plain"])
    assert "Get the results:" not in "".join(_plain_texts(first))

    later = kernel.messages("import time\njob = _\njob.wait(timeout=60)\ntime.sleep(0.5)")
    # the plain-text form of the first cell's output follows the job to its end
    updates = [
        m
        for m in later
        if m["msg_type"] == "update_display_data"
        and m["content"]["transient"]["display_id"] == display_id
    ]
    assert updates, "the finished state never reached the first cell's output"
    text = updates[-1]["content"]["data"]["text/plain"]
    assert text.startswith("reviews: finished · 3/3 done")
    assert "Get the results: results = %grok_batch --attach reviews --wait" in text
    assert "reviews_status" not in text  # the columns are answer_*, the row labels the index
    for label in ("11", "12", "13", "14"):
        assert f"\n{label} " in text
    assert "skipped" in text

    states = _widget_states(first + later)
    (results,) = [
        s
        for s in states.values()
        if "Get the results:" in str(s.get("value", "")) and "<table" in s["value"]
    ]
    html = results["value"]
    assert "<code>results = %grok_batch --attach reviews --wait</code>" in html
    assert "answer_status" in html
    assert "mathjax_ignore" in html  # answers are model output: kept from the typesetter
    layout = states[results["layout"].removeprefix("IPY_MODEL_")]
    assert layout["display"] is None

    out = kernel.run(
        "from xai_magics.widgets.batch_progress import describe\n"
        "before = describe(job.snapshot)\n"
        "time.sleep(2.1)\n"
        "print(repr(job))\n"
        "print(before == describe(job.snapshot))\n"
        "from xai_magics.batch import attach\n"
        "again = attach('reviews')\n"
        "print(round(again.snapshot.elapsed_s - job.snapshot.elapsed_s))\n"
    )["stdout"].splitlines()
    assert "finished 3/3 done>" in out[0]
    assert out[1] == "True"  # the clock stopped when the batch ended
    # a handle made later says how long the job took, not how long ago it started
    assert out[2] in ("0", "-0", "1")


def test_a_job_shown_in_a_later_cell_is_a_live_widget_with_its_state(
    emu: Any, kernel: Kernel
) -> None:
    emu.control.configure(batch_seconds_per_request=0.01)
    kernel.run(f"job = {CELL} --wait")
    messages = kernel.messages("from xai_magics.batch import attach\nattach('reviews')")
    kinds = [m["msg_type"] for m in messages]
    assert "execute_result" not in kinds
    (text,) = [
        m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "display_data"
    ]
    assert text.startswith("reviews: finished · 3/3 done")
    assert (
        "Get the results: results = %grok_batch FRAME --attach reviews --wait "
        "(FRAME: the frame it ran on)" in text
    )
