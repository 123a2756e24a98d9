"""%grok_batch in a real kernel: cancel, attach, retry the failed rows, errors as UsageError."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import creates, posts
from tests.batch.kernel import Kernel
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
import pandas as pd
reviews = pd.DataFrame({"review": ["good", "bad", "fine", None]})
"""
PROMPT = '--prompt "Sentiment of: {review}"'


@pytest.fixture
def kernel(api_env: dict[str, str], tmp_path: Path) -> Iterator[Kernel]:
    """A fresh kernel and job store, for a test that creates jobs."""
    started = Kernel({**api_env, "XAI_MAGICS_DATA_DIR": str(tmp_path)})
    started.run(SETUP)
    yield started
    started.kill()


@pytest.fixture(scope="module")
def refusing_kernel(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    """One kernel for the module's tests that create no job: a kernel start costs seconds."""
    env = {"XAI_API_KEY": TEST_KEY, "XAI_BASE_URL": emulator.base_url}
    started = Kernel({**env, "XAI_MAGICS_DATA_DIR": str(tmp_path_factory.mktemp("refusals"))})
    started.run(SETUP)
    yield started
    started.kill()


def test_cancel_attach_and_retry_failed_from_the_magic(emu: Any, kernel: Kernel) -> None:
    emu.control.configure(batch_seconds_per_request=3600)
    kernel.run(f"job = %grok_batch reviews {PROMPT}")
    feed = (
        "from xai_magics import status\n"
        "print([b['name'] for b in status.snapshot()['running_batches']])"
    )
    assert kernel.run(feed)["stdout"].strip() == "['reviews']"
    kernel.run("%grok_batch --cancel reviews")
    out = kernel.run(
        "done = %grok_batch --attach reviews --wait\nprint(done['answer_status'].tolist())"
    )
    assert "['cancelled', 'cancelled', 'cancelled', 'skipped']" in out["stdout"]
    assert kernel.run(feed)["stdout"].strip() == "[]"
    emu.control.configure(batch_seconds_per_request=0.01)
    out = kernel.run(
        "fixed = %grok_batch --retry-failed reviews --wait\nprint(fixed['answer_status'].tolist())"
    )
    assert "['ok', 'ok', 'ok', 'skipped']" in out["stdout"]
    # a name with spaces, quoted as the finished widget writes it
    out = kernel.run(
        "again = %grok_batch --attach 'reviews (retry 1)' --wait\n"
        "print(again['answer_status'].tolist())"
    )
    assert "['ok', 'ok', 'ok', 'skipped']" in out["stdout"]
    assert creates(emu) == 2
    messages = kernel.messages("%grok_batch --list")
    (listing,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    lines = listing["text/plain"].splitlines()
    assert lines[0].split()[:4] == ["job", "created", "state", "rows"]
    assert lines[2].startswith("reviews (retry 1)  ")
    assert lines[3].startswith("reviews  ")
    # every job, the retry too, says which server it ran on
    assert [line.endswith(emu.base_url.rstrip("/")) for line in lines[2:]] == [True, True]
    assert "<th>server</th>" in listing["text/html"]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('reviews --prompt "Sentiment of: {reviw}"', "Did you mean {review}?"),
        ('nothere --prompt "{review}"', "nothere: no such variable"),
        ("reviews", "Give the prompt"),
        ('reviews --prompt "Same for all"', "uses no column"),
        ("--attach nobody", "no batch job named 'nobody'"),
        (f"reviews {PROMPT} -m grok-4.7", "not supported for batch processing"),
    ],
    ids=["typo-in-column", "unknown-frame", "no-prompt", "no-column", "unknown-job", "model"],
)
def test_mistakes_are_one_line_usage_errors_and_send_nothing(
    emu: Any, refusing_kernel: Kernel, line: str, says: str
) -> None:
    out = refusing_kernel.run(
        "try:\n"
        f"    get_ipython().run_line_magic('grok_batch', {line!r})\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    assert out["stdout"].startswith("UsageError")
    assert says in out["stdout"]
    if "batch processing" in says:  # only the server knows which models take batches
        adds = [e for e in emu.control.log() if e["path"].endswith("/requests")]
        assert [e["status"] for e in adds] == [400]
    else:
        assert posts(emu) == 0


def test_help_lists_every_option(refusing_kernel: Kernel) -> None:
    out = refusing_kernel.run("print(get_ipython().find_line_magic('grok_batch').__doc__)")
    for option in (
        "--prompt",
        "--system",
        "--model",
        "--name",
        "--output",
        "--schema",
        "--max-tokens",
        "--wait",
        "--dry-run",
        "--new",
        "--list",
        "--attach",
        "--cancel",
        "--retry-failed",
        "--now",
        "--tier",
        "--concurrency",
        "--api",
    ):
        assert option in out["stdout"]


def _widget_states(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each widget model's last state, replayed from the comm traffic the front end received."""
    states: dict[str, dict[str, Any]] = {}
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] == "comm_open":
            states[content["comm_id"]] = dict(content["data"].get("state", {}))
        elif msg["msg_type"] == "comm_msg" and content["data"].get("method") == "update":
            states.setdefault(content["comm_id"], {}).update(content["data"]["state"])
    return states


def test_a_finished_batch_shows_its_status_once_and_no_cancel_button(
    emu: Any, kernel: Kernel
) -> None:
    messages = kernel.messages(f"%grok_batch reviews {PROMPT} --wait")
    kinds = [m["msg_type"] for m in messages]
    printed = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
    assert "reviews: finished" not in printed
    (shown,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    assert "application/vnd.jupyter.widget-view+json" in shown
    assert "VBox" not in shown["text/plain"]
    last_text = [m for m in messages if m["msg_type"] == "update_display_data"][-1]
    assert last_text["content"]["data"]["text/plain"].startswith("reviews: finished · 3/3 done")
    assert kinds.count("execute_result") == 1

    states = _widget_states(messages)
    (button,) = [s for s in states.values() if s.get("description") == "Cancel batch"]
    layout = states[button["layout"].removeprefix("IPY_MODEL_")]
    assert button["disabled"] is True
    assert layout["display"] == "none"


def test_batch_spend_reaches_the_usage_ledger_and_status_bar_once(emu: Any, kernel: Kernel) -> None:
    spent = (
        "from xai_magics import status\n"
        "print(round(status.snapshot()['spend_usd'], 9), status.snapshot()['calls'])"
    )
    assert kernel.run(spent)["stdout"].split() == ["0.0", "0"]
    out = kernel.run(
        f"done = %grok_batch reviews {PROMPT} --wait\n"
        "print(round(done['answer_cost_usd'].sum(), 9))"
    )
    cost = float(out["stdout"].split()[-1])
    assert cost > 0
    # the three rows with a review were three requests (the empty one was skipped, not sent)
    assert kernel.run(spent)["stdout"].split() == [str(cost), "3"]
    kernel.run(f"again = %grok_batch reviews {PROMPT} --wait")  # re-attaches, nothing new spent
    assert kernel.run(spent)["stdout"].split() == [str(cost), "3"]
    (usage,) = [
        m["content"]["data"]["text/plain"]
        for m in kernel.messages("%grok_usage")
        if m["msg_type"] == "display_data"
    ]
    (row,) = [line for line in usage.splitlines() if "(batch)" in line]
    assert row.split()[:3] == ["grok-4.3", "(batch)", "3"]
    assert f"${cost:.6f}" in row
