"""%grok_batch in a real kernel: cancel, attach, retry the failed rows, errors as UsageError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import creates, posts
from tests.batch.kernel import Kernel

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
import pandas as pd
reviews = pd.DataFrame({"review": ["good", "bad", "fine", None]})
"""
PROMPT = '--prompt "Sentiment of: {review}"'


@pytest.fixture
def kernel(api_env: dict[str, str], tmp_path: Path) -> Any:
    started = Kernel({**api_env, "XAI_MAGICS_DATA_DIR": str(tmp_path)})
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
    assert creates(emu) == 2
    listing = kernel.run("%grok_batch --list")["stdout"]
    assert "reviews (retry 1)" in listing
    assert "reviews " in listing


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
    emu: Any, kernel: Kernel, line: str, says: str
) -> None:
    out = kernel.run(
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


def test_help_lists_every_option(kernel: Kernel) -> None:
    out = kernel.run("print(get_ipython().find_line_magic('grok_batch').__doc__)")
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
    ):
        assert option in out["stdout"]
