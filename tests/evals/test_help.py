"""``%grok_eval?``: the help IPython builds from the magic's declarations says how to use it."""

from __future__ import annotations

import pytest

from xai_magics.magics.eval import EvalMagics

HELP = EvalMagics.grok_eval.__doc__ or ""


@pytest.mark.parametrize(
    "option",
    [
        "--prompt",
        "--prompts",
        "--expected",
        "--models",
        "--grader",
        "--repeats",
        "--now",
        "--batch",
        "--schema",
        "--name",
        "--dry-run",
        "-o",
    ],
)
def test_help_lists_every_option_of_the_issue(option: str) -> None:
    assert f"{option} " in HELP or f"{option}," in HELP


def test_help_says_what_a_rerun_does_and_where_the_python_api_is() -> None:
    flat = " ".join(HELP.split())
    assert "Re-running the cell attaches to the same jobs and sends nothing" in flat
    assert "xai_magics.evals.run(df, ...)" in flat
    assert "MODEL@priority" in flat
