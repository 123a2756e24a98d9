"""BatchProgress: throttled, escaped, final state always shown, cancel button wired."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from xai_magics.batch.preview import ResultPreview
from xai_magics.batch.progress import JobSnapshot
from xai_magics.widgets.batch_progress import BatchProgress, describe

BASE = JobSnapshot(
    name="reviews", batch_id="batch_1", total=100, pending=100, started_at=time.time()
)
# every row answered and the results stored; the clock stopped 5 s after the start
FINISHED = replace(
    BASE,
    pending=0,
    succeeded=100,
    batch_status="done",
    results_fetched=True,
    updated_at=BASE.started_at + 5,
)


def test_a_burst_of_snapshots_sends_few_updates_and_shows_the_last() -> None:
    progress = BatchProgress(min_interval_s=0.3)
    for done in range(1, 51):
        progress.update(replace(BASE, pending=100 - done, succeeded=done, batch_status="running"))
    assert progress.updates_sent == 1
    time.sleep(0.5)
    assert progress.updates_sent == 2
    assert "50/100 done" in progress.label.value
    assert progress.bar.value == 50


def test_the_final_snapshot_is_shown_at_once_and_disables_cancel() -> None:
    progress = BatchProgress(min_interval_s=10)
    progress.update(replace(BASE, batch_status="running"))
    final = replace(
        BASE, pending=0, succeeded=97, failed=3, batch_status="done", results_fetched=True
    )
    progress.update(final)
    assert progress.updates_sent == 2
    assert "finished" in progress.label.value
    assert progress.cancel_button.disabled
    assert progress.bar.bar_style == "success"


def test_text_is_escaped() -> None:
    progress = BatchProgress(min_interval_s=0)
    progress.update(replace(BASE, name="<img src=x onerror=alert(1)>", error="<script>x</script>"))
    assert "<img" not in progress.label.value
    assert "<script>" not in progress.label.value
    assert "&lt;script&gt;" in progress.label.value


def test_cancel_button_calls_back_once() -> None:
    calls: list[int] = []
    progress = BatchProgress(on_cancel=lambda: calls.append(1))
    progress.cancel_button.click()
    assert calls == [1]
    assert progress.cancel_button.disabled


def test_description_has_counts_elapsed_and_cost() -> None:
    snap = replace(
        BASE,
        batch_status="running",
        pending=10,
        succeeded=80,
        failed=5,
        cancelled=5,
        skipped=2,
        cost_usd=0.0123,
    )
    text = describe(snap)
    for part in (
        "90/100 done",
        "10 pending",
        "80 succeeded",
        "5 failed",
        "5 cancelled",
        "2 skipped",
    ):
        assert part in text
    assert "$0.0123 so far" in text
    assert "elapsed" in text


def test_sending_shows_requests_added_so_far() -> None:
    progress = BatchProgress(min_interval_s=0)
    progress.update(replace(BASE, batch_status="submitting", sent=30))
    assert "sending requests · 30/100 added" in progress.label.value
    assert progress.bar.value == 30
    progress.update(replace(BASE, batch_status="submitting", sent=30, error="HTTP 400"))
    assert "Run the cell again to resume" in progress.label.value


@pytest.mark.parametrize(
    ("batch_status", "results_fetched", "hidden"),
    [
        ("running", False, False),
        ("done", True, True),
        ("cancelled", False, True),
        ("cancelled_by_xai", True, True),
        ("expired", False, True),
    ],
    ids=["running", "finished", "cancelled", "cancelled-by-xai", "expired"],
)
def test_the_cancel_button_goes_once_the_batch_ended(
    batch_status: str, results_fetched: bool, hidden: bool
) -> None:
    progress = BatchProgress(min_interval_s=0)
    progress.update(replace(BASE, batch_status=batch_status, results_fetched=results_fetched))
    assert progress.cancel_button.disabled is hidden
    assert (progress.cancel_button.layout.display == "none") is hidden


def test_the_plain_text_form_is_the_status_line_not_the_widget_repr() -> None:
    progress = BatchProgress(min_interval_s=0)
    # a finished snapshot's clock stopped at updated_at: the line is the same at every call
    final = FINISHED
    progress.show_text(final)
    bundle = progress._bundle()
    assert bundle["text/plain"] == describe(final)
    assert (
        bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == progress.widget.model_id
    )


def test_a_stop_hint_replaces_the_button_while_running_and_goes_when_done() -> None:
    progress = BatchProgress(min_interval_s=0, stop_hint="To stop: interrupt the kernel (■).")
    progress.update(replace(BASE, batch_status="running"))
    assert progress.cancel_button.layout.display == "none"
    assert "interrupt the kernel" in progress.label.value
    progress.update(replace(BASE, batch_status="done", results_fetched=True))
    assert "interrupt the kernel" not in progress.label.value


def test_a_finished_job_shows_how_to_get_results_and_its_first_rows_escaped() -> None:
    progress = BatchProgress(min_interval_s=0)
    assert progress.results.layout.display == "none"
    final = replace(FINISHED, cost_usd=0.002)
    rows = ResultPreview(
        ["row", "answer", "answer_status"],
        [["0", "<img src=x onerror=alert(1)> costs $5 and $6", "ok"], ["1", "fine", "ok"]],
        100,
    )
    progress.show_results(final, "results = %grok_batch --attach reviews --wait", rows)
    html = progress.results.value
    assert progress.results.layout.display is None
    assert "<code>results = %grok_batch --attach reviews --wait</code>" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "mathjax_ignore" in html
    assert html.count("<tr>") == 3
    assert "first 2 of 100 rows" in html
    text = progress._bundle()["text/plain"]
    assert text.startswith(describe(final))
    assert "$0.002000 billed" in text
    assert "Get the results: results = %grok_batch --attach reviews --wait" in text
    assert "answer_status" in text.splitlines()[2]


def test_while_the_server_reports_no_cost_the_estimate_from_submit_is_shown() -> None:
    running = replace(BASE, batch_status="running", estimate_usd=0.25, estimate_is_bound=True)
    assert describe(running).endswith("≤ $0.2500 est.")  # answers capped: an upper bound
    typical = replace(running, estimate_is_bound=False)
    assert describe(typical).endswith("≈ $0.2500 est.")
    assert "est." not in describe(replace(typical, cost_usd=0.1))  # the server's figure wins
    assert "est." not in describe(replace(FINISHED, estimate_usd=0.25))


def test_the_cost_reads_so_far_while_running_and_billed_once_finished() -> None:
    running = replace(BASE, batch_status="running", cost_usd=0.5)
    assert "$0.5000 so far" in describe(running)
    final = replace(running, pending=0, batch_status="done", results_fetched=True)
    assert "$0.5000 billed" in describe(final)
    assert "so far" not in describe(final)


def test_the_elapsed_time_moves_while_running_and_stops_when_finished(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = BatchProgress(min_interval_s=0, tick_s=0.05)
    started = time.time() - 5
    progress.show_and_update(replace(BASE, batch_status="running", started_at=started))
    first = progress.label.value
    assert "0:05 elapsed" in first
    deadline = time.monotonic() + 10
    while progress.label.value == first and time.monotonic() < deadline:
        time.sleep(0.05)
    moved = re.search(r"0:(\d\d) elapsed", progress.label.value)
    assert moved is not None
    assert int(moved.group(1)) > 5  # no new snapshot: the clock moved on its own
    progress.update(replace(FINISHED, started_at=started, updated_at=started + 7))
    shown = progress.label.value
    assert "0:07 elapsed" in shown
    time.sleep(1.2)
    assert progress.label.value == shown  # stopped where the job ended
    capsys.readouterr()  # outside a kernel, the widget's display is printed


@pytest.mark.parametrize("how", ["interrupted", "sending-failed"])
def test_the_clock_stops_when_the_work_stops_without_a_final_snapshot(
    how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    progress = BatchProgress(min_interval_s=0, tick_s=0.05)
    started = time.time() - 5
    sending = replace(BASE, batch_status="submitting", sent=30, started_at=started)
    progress.show_and_update(sending)
    if how == "interrupted":
        progress.stop_clock()
    else:
        progress.update(replace(sending, error="HTTP 400"))
    shown = progress.label.value
    time.sleep(1.3)
    assert progress.label.value == shown
    capsys.readouterr()


def test_the_clock_leaves_a_clicked_cancel_button_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = BatchProgress(min_interval_s=0, tick_s=0.05)
    progress.show_and_update(replace(BASE, batch_status="running", started_at=time.time() - 5))
    progress.cancel_button.click()
    time.sleep(0.3)  # several ticks
    assert progress.cancel_button.disabled
    assert progress.cancel_button.description == "Cancelling…"
    progress.stop_clock()
    capsys.readouterr()
