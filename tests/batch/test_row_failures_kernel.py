"""%grok_batch in a real kernel with the rows users really have: gaps, and clashing columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import committed_adds, posts
from tests.batch.kernel import Kernel, kernel_with

pytestmark = pytest.mark.kernel

SETUP = """
%load_ext xai_magics
import numpy as np
import pandas as pd
t = pd.DataFrame({'f': [0.1, np.nan, 3.0]})
"""


@pytest.fixture
def kernel(api_env: dict[str, str], tmp_path: Path) -> Any:
    with kernel_with(api_env, tmp_path, SETUP) as started:
        yield started


def test_a_nan_cell_skips_its_row_and_the_others_are_answered(emu: Any, kernel: Kernel) -> None:
    out = kernel.run(
        'done = %grok_batch t --prompt "F={f}" --wait\n'
        "print(done['answer_status'].tolist())\n"
        "print(done['answer_error'][1])\n"
        "print(done['answer'].notna().tolist())"
    )["stdout"].splitlines()
    assert out[-3:] == [
        "['ok', 'skipped', 'ok']",
        "column 'f' is missing (NaN)",
        "[True, False, True]",
    ]
    adds = committed_adds(emu)
    assert sorted(request_id.rsplit("-", 1)[1] for request_id in adds) == ["0", "2"]
    assert set(adds.values()) == {1}
    assert posts(emu) == 2  # one create, one add


@pytest.mark.parametrize(
    ("shape", "ending"),
    [("string", "cancelled"), ("error_message", "expired")],
    ids=["string-cancelled", "error-message-expired"],
)
def test_rows_the_batch_stopped_are_not_reported_as_errors(
    emu: Any, kernel: Kernel, shape: str, ending: str
) -> None:
    # every request is still pending when the batch is cancelled or expires
    emu.control.configure(
        batch_error_shape=shape, batch_seconds_per_request=3600, batch_expire_seconds=1.0
    )
    kernel.run("words = pd.DataFrame({'w': ['one', 'two', None]})")
    kernel.run('job = %grok_batch words --prompt "Define {w}" --name words')
    if ending == "cancelled":
        kernel.run("%grok_batch --cancel words")
    out = kernel.run(
        "done = %grok_batch --attach words --wait\n"
        "print(done['answer_status'].tolist())\n"
        "print(job.snapshot.cancelled, job.snapshot.failed)"
    )["stdout"].splitlines()
    assert out[-2:] == [f"['{ending}', '{ending}', 'skipped']", "2 0"]


def test_an_existing_answer_column_is_refused_and_own_results_rejoin(
    emu: Any, kernel: Kernel
) -> None:
    kernel.run("graded = pd.DataFrame({'q': ['2+2', '3+3'], 'answer': ['4', '6']})")
    out = kernel.run(
        "try:\n"
        '    %grok_batch graded --prompt "Solve {q}" --wait\n'
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "print(graded['answer'].tolist())"
    )["stdout"].splitlines()
    assert out[0].startswith("UsageError the frame already has column(s) 'answer',")
    assert "--output" in out[0]
    assert out[1] == "['4', '6']"
    assert posts(emu) == 0
    out = kernel.run(
        # the same cell run twice: the second run reads a frame holding its own output
        'graded = %grok_batch graded --prompt "Solve {q}" --output solved --wait\n'
        'graded = %grok_batch graded --prompt "Solve {q}" --output solved --wait\n'
        'job = %grok_batch graded --prompt "Solve {q}" --output solved\n'
        "df = job.results(graded)\n"
        "df = job.results(df)\n"
        "print(list(df.columns))\n"
        "print(df['answer'].tolist(), df['solved_status'].tolist())"
    )["stdout"].splitlines()
    assert out[-2] == str(
        [
            "q",
            "answer",
            "solved",
            "solved_status",
            "solved_error",
            "solved_input_tokens",
            "solved_output_tokens",
            "solved_reasoning_tokens",
            "solved_cost_usd",
        ]
    )
    assert out[-1] == "['4', '6'] ['ok', 'ok']"
    assert posts(emu) == 2  # one batch: create and add, however often the cell ran


def test_a_row_the_results_left_out_is_missing_with_a_reason(emu: Any, kernel: Kernel) -> None:
    emu.control.configure(batch_results_quirk="omit")  # the first result is never listed
    out = kernel.run(
        'done = %grok_batch t --prompt "F={f}" --wait\n'
        "for status, error in zip(done['answer_status'], done['answer_error']):\n"
        "    print(status, '|', error)"
    )["stdout"].splitlines()
    assert sorted(out[-3:]) == [
        "missing | the batch finished without a result for this request",
        "ok | nan",  # pandas' string dtype shows a null as NaN
        "skipped | column 'f' is missing (NaN)",
    ]
