"""The batch price: one factor, the one the recorded traffic shows, and the billed cost once known.

Recorded batch results cost exactly 0.8 of the list price of the same usage. The dry-run
estimate and the emulator's bills both follow that; once results arrive, every cost shown (the
answer's cost column, the progress line, the usage ledger) is what the server reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.batch.helpers import FAST, billed_results
from tests.client import recordings
from tests.conftest import TEST_KEY
from xai_magics.batch import BatchJob, submit
from xai_magics.batch.estimate import estimate
from xai_magics.emulator import catalog
from xai_magics.usage import format_usd, session_ledger
from xai_magics.widgets.batch_progress import describe

RECORDED_BATCH = (
    "rubyllm/2026-08_responses-api-era/batches__batch__answers_staged_chats_and_appends_the_"
    "answers_to_their_conversations__grok-4.3.yml"
)


def _recorded_usages() -> list[dict[str, Any]]:
    """The ``usage`` of every result in the recorded results page (grok-4.3)."""
    cassette = recordings.require() / RECORDED_BATCH
    interactions = yaml.safe_load(cassette.read_text("utf-8"))["http_interactions"]
    body = next(
        i["response"]["body"]["string"] for i in interactions if "/results" in i["request"]["uri"]
    )
    results = json.loads(body)["results"]
    return [r["batch_result"]["response"]["chat_get_completion"]["usage"] for r in results]


def _list_price_ticks(usage: dict[str, Any]) -> int:
    """grok-4.3 at list price: uncached and cached input, output with reasoning."""
    return catalog.cost_ticks(
        catalog.resolve("grok-4.3"),
        prompt=usage["prompt_tokens"],
        cached=usage["prompt_tokens_details"]["cached_tokens"],
        output=usage["completion_tokens"] + usage["completion_tokens_details"]["reasoning_tokens"],
    )


def test_recorded_batch_results_cost_the_factor_of_list_price_and_the_emulator_bills_so() -> None:
    usages = _recorded_usages()
    assert len(usages) == 2
    for usage in usages:
        list_price = _list_price_ticks(usage)
        assert usage["cost_in_usd_ticks"] * 10 == list_price * 8  # e.g. 2,609,000 -> 2,087,200
        billed = catalog.cost_ticks(
            catalog.resolve("grok-4.3"),
            prompt=usage["prompt_tokens"],
            cached=usage["prompt_tokens_details"]["cached_tokens"],
            output=usage["completion_tokens"]
            + usage["completion_tokens_details"]["reasoning_tokens"],
            batch=True,
        )
        assert billed == usage["cost_in_usd_ticks"]


def test_the_estimate_prices_a_batch_as_the_recordings_were_billed() -> None:
    usage = _recorded_usages()[0]
    recorded_ratio = usage["cost_in_usd_ticks"] / _list_price_ticks(usage)
    guess = estimate("grok-4.3", 100, 40_000, "Be brief.", 50)
    assert guess.sync_usd is not None
    assert guess.batch_usd is not None
    assert guess.batch_usd == pytest.approx(guess.sync_usd * recorded_ratio)


def test_once_results_arrive_every_cost_shown_is_what_the_server_reported(
    emu: Any, batch_client: Any, started_jobs: list[BatchJob], tmp_path: Path
) -> None:
    frame = pd.DataFrame({"review": [f"review number {i} " * (i + 1) for i in range(8)]})
    spent_before = session_ledger().spend_usd
    job = submit(
        frame,
        "Sentiment of: {review}",
        max_tokens=40,
        client=batch_client,
        data_dir=str(tmp_path),
        settings=FAST,
    )
    assert isinstance(job, BatchJob)
    started_jobs.append(job)
    job.wait(timeout=30)

    assert job.batch_id is not None
    billed = billed_results(emu, TEST_KEY, job.batch_id)
    reported = {rid: usage["cost_in_usd_ticks"] for rid, usage in billed.items()}
    assert len(reported) == 8
    total_usd = sum(reported.values()) / 1e10

    columns = job.results()
    prefix = job.record.id_prefix
    assert list(columns["answer_cost_usd"]) == [reported[f"{prefix}{i}"] / 1e10 for i in range(8)]
    assert job.snapshot.cost_usd == pytest.approx(total_usd)
    line = describe(job.snapshot)
    assert f"{format_usd(total_usd)} billed" in line
    assert "so far" not in line
    assert session_ledger().spend_usd - spent_before == pytest.approx(total_usd)

    estimated = submit(frame, "Sentiment of: {review}", max_tokens=40, dry_run=True)
    assert not isinstance(estimated, BatchJob)
    assert estimated.estimate.batch_usd != pytest.approx(total_usd)  # an upper bound, not this
