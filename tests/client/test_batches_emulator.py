"""The batch client against the emulator over real sockets: the whole lifecycle and its faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from xai_magics.client import BadRequestError, InternalServerError, NotFoundError, XAIClient
from xai_magics.schemas.batches import Batch

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


@pytest.fixture
def client(api_env: dict[str, str]) -> Iterator[XAIClient]:
    with XAIClient() as c:
        yield c


def chat_request(request_id: str, prompt: str) -> dict[str, Any]:
    return {
        "batch_request_id": request_id,
        "batch_request": {
            "chat_get_completion": {
                "model": "grok-4.3",
                "messages": [{"role": "user", "content": prompt}],
            }
        },
    }


def wait_until_finished(client: XAIClient, batch_id: str, limit_s: float = 20.0) -> Batch:
    """Poll like a user would; the limit only stops a broken emulator from hanging the suite."""
    deadline = time.monotonic() + limit_s
    while True:
        batch = client.batches.get(batch_id)
        if batch.state.num_pending == 0 or time.monotonic() > deadline:
            return batch
        time.sleep(0.02)


def calls(emu: Emulator, method: str, path_part: str) -> list[dict[str, Any]]:
    return [e for e in emu.control.log() if e["method"] == method and path_part in e["path"]]


def test_batch_lifecycle_end_to_end(client: XAIClient, emu: Emulator) -> None:
    emu.control.configure(batch_seconds_per_request=0.5)
    created = client.batches.create("lifecycle")
    assert created.batch_id.startswith("batch_")
    assert created.status == "empty"

    requests = [chat_request(f"row-{i}", f"Question number {i}?") for i in range(25)]
    client.batches.add_requests(created.batch_id, requests[:10])
    client.batches.add_requests(created.batch_id, requests[10:20])
    pre_serialised = json.dumps({"batch_requests": requests[20:]}).encode()
    client.batches.add_requests(created.batch_id, pre_serialised)

    running = client.batches.get(created.batch_id)
    assert running.status == "running"
    assert running.state.num_requests == 25
    assert running.state.num_pending > 0

    done = wait_until_finished(client, created.batch_id)
    assert done.status == "done"
    assert (done.state.num_success, done.state.num_pending) == (25, 0)

    results = list(client.batches.iter_results(created.batch_id, limit=4))
    assert sorted(r.batch_request_id for r in results) == sorted(
        r["batch_request_id"] for r in requests
    )
    assert all(r.ok and r.completion is not None and r.completion.text for r in results)
    assert all(r.completion.usage is not None for r in results if r.completion)
    # 25 results at 4 per page: the client followed every token (7 pages) and stopped.
    assert len(calls(emu, "GET", "/results")) == 7


@pytest.mark.parametrize("pre_serialised", [False, True], ids=["dicts", "bytes"])
def test_add_requests_sends_the_native_body(
    client: XAIClient, emu: Emulator, pre_serialised: bool
) -> None:
    batch = client.batches.create("body")
    requests = [chat_request("only", "Hi")]
    payload = json.dumps({"batch_requests": requests}).encode() if pre_serialised else requests
    client.batches.add_requests(batch.batch_id, payload)
    (sent,) = calls(emu, "POST", "/requests")
    assert sent["path"] == f"/v1/batches/{batch.batch_id}/requests"
    assert sent["body"] == {"batch_requests": requests}
    assert client.batches.get(batch.batch_id).state.num_requests == 1


def test_request_metadata_pages_list_every_request(client: XAIClient, emu: Emulator) -> None:
    batch = client.batches.create("metadata")
    client.batches.add_requests(batch.batch_id, [chat_request(f"m{i}", "Hi") for i in range(7)])
    metadata = list(client.batches.iter_requests(batch.batch_id, limit=3))
    assert sorted(m.batch_request_id for m in metadata) == [f"m{i}" for i in range(7)]
    assert {m.endpoint for m in metadata} == {"xai_api.Chat/GetCompletion"}
    assert all(m.state in ("pending", "succeeded") for m in metadata)
    assert len(calls(emu, "GET", "/requests")) == 3


def test_cancel_marks_the_batch_and_its_pending_requests(client: XAIClient, emu: Emulator) -> None:
    # A minute per request: every request is still pending when the cancel arrives.
    emu.control.configure(batch_seconds_per_request=60)
    batch_id = client.batches.create("to-cancel").batch_id
    client.batches.add_requests(batch_id, [chat_request(f"c{i}", "Hi") for i in range(5)])
    cancelled = client.batches.cancel(batch_id)
    assert calls(emu, "POST", ":cancel")[0]["path"] == f"/v1/batches/{batch_id}:cancel"
    assert cancelled.status == "cancelled"
    assert cancelled.cancel_time is not None
    assert (cancelled.state.num_cancelled, cancelled.state.num_pending) == (5, 0)
    results = list(client.batches.iter_results(batch_id))
    assert len(results) == 5
    assert all(r.cancelled and not r.ok and r.error for r in results)


@pytest.mark.parametrize(
    ("shape", "has_code"),
    [
        pytest.param("status", True, id="code-and-message"),
        pytest.param("string", False, id="plain-string"),
        pytest.param("error_message", False, id="top-level-error-message"),
    ],
)
def test_failed_requests_report_their_error_in_every_shape(
    client: XAIClient, emu: Emulator, shape: str, has_code: bool
) -> None:
    emu.control.configure(batch_error_shape=shape)
    batch = client.batches.create(f"fail-{shape}")
    client.batches.add_requests(
        batch.batch_id,
        [chat_request("good", "Hello"), chat_request("bad", "please emulator:fail now")],
    )
    finished = wait_until_finished(client, batch.batch_id)
    assert (finished.state.num_success, finished.state.num_error) == (1, 1)
    results = {r.batch_request_id: r for r in client.batches.iter_results(batch.batch_id)}
    assert results["good"].ok
    bad = results["bad"]
    assert not bad.ok
    assert not bad.cancelled
    assert bad.completion is None
    assert bad.error is not None
    assert "Simulated failure of request bad" in bad.error
    assert (bad.error_code == 3) is has_code


def test_duplicate_request_id_is_rejected_and_nothing_is_added(client: XAIClient) -> None:
    batch = client.batches.create("duplicates")
    client.batches.add_requests(batch.batch_id, [chat_request("same", "Hi")])
    with pytest.raises(BadRequestError, match="Duplicate batch_request_id") as caught:
        client.batches.add_requests(
            batch.batch_id, [chat_request("new", "Hi"), chat_request("same", "Hi")]
        )
    assert caught.value.status_code == 400
    assert client.batches.get(batch.batch_id).state.num_requests == 1


def test_add_requests_is_not_retried_on_a_server_error(client: XAIClient, emu: Emulator) -> None:
    batch = client.batches.create("no-retry")
    emu.control.inject("status", "/v1/batches/*", status=500, times=3)
    with pytest.raises(InternalServerError) as caught:
        client.batches.add_requests(batch.batch_id, [chat_request("a", "Hi")])
    assert caught.value.attempts == 1
    assert len(calls(emu, "POST", "/requests")) == 1


def test_add_that_committed_before_failing_is_visible_in_request_metadata(
    client: XAIClient, emu: Emulator
) -> None:
    batch = client.batches.create("commit-then-fail")
    emu.control.inject("commit_then_fail", "/v1/batches/*", status=500)
    with pytest.raises(InternalServerError):
        client.batches.add_requests(batch.batch_id, [chat_request(f"x{i}", "Hi") for i in range(3)])
    landed = {m.batch_request_id for m in client.batches.iter_requests(batch.batch_id)}
    assert landed == {"x0", "x1", "x2"}
    assert len(calls(emu, "POST", "/requests")) == 1


def test_listing_batches_pages_through_all_of_them(client: XAIClient, emu: Emulator) -> None:
    created = {client.batches.create(f"listed-{i}").batch_id for i in range(5)}
    page = client.batches.list(limit=2)
    assert len(page.batches) == 2
    assert page.pagination_token
    listed = [b.batch_id for b in client.batches.iter_batches(limit=2)]
    assert set(listed) == created
    assert len(listed) == 5


def test_batch_cancelled_by_xai_is_reported_with_its_message(
    client: XAIClient, emu: Emulator
) -> None:
    batch = client.batches.create("rejected")
    emu.control.cancel_batch_by_xai(
        batch.batch_id, "Model grok-4.6 is not supported for batch processing."
    )
    fetched = client.batches.get(batch.batch_id)
    assert fetched.status == "cancelled_by_xai"
    assert fetched.cancel_by_xai_message == "Model grok-4.6 is not supported for batch processing."


def test_unknown_batch_is_not_found(client: XAIClient) -> None:
    with pytest.raises(NotFoundError):
        client.batches.get("batch_00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize("limit", [0, 1001], ids=["zero", "over-max"])
def test_page_size_out_of_range_fails_before_any_request(
    client: XAIClient, emu: Emulator, limit: int
) -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        client.batches.results("batch_x", limit=limit)
    assert emu.control.log() == []
