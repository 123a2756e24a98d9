"""Native batches: recorded shapes, clock-driven progress, paging, duplicates, limits, failures."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests.emulator.wire import cassette, error_text, key_paths
from xai_magics.emulator import Emulator

BATCH_CASSETTE = (
    "rubyllm/2026-08_responses-api-era/"
    "batches__batch__answers_staged_chats_and_appends_the_answers_to_their_conversations__grok-4.3.yml"
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def chat_request(request_id: str, prompt: str, model: str = "grok-4.3") -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    return {"batch_request_id": request_id, "batch_request": {"chat_get_completion": body}}


def responses_request(request_id: str, prompt: str) -> dict:
    body = {"model": "grok-4.3", "input": [{"role": "user", "content": prompt}], "store": False}
    return {"batch_request_id": request_id, "batch_request": {"responses": body}}


def new_batch(http: httpx.Client, name: str = "test-batch") -> dict:
    response = http.post("/batches", json={"name": name})
    assert response.status_code == 200, response.text
    return response.json()


def add(http: httpx.Client, batch_id: str, requests: list[dict]) -> httpx.Response:
    return http.post(f"/batches/{batch_id}/requests", json={"batch_requests": requests})


def wait_done(http: httpx.Client, batch_id: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        batch = http.get(f"/batches/{batch_id}").json()
        if batch["state"]["num_pending"] == 0 or time.monotonic() > deadline:
            return batch
        time.sleep(0.02)


def all_results(
    http: httpx.Client, batch_id: str, limit: int = 100, *, strict: bool = True
) -> list[dict]:
    results: list[dict] = []
    token = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if token:
            params["pagination_token"] = token
        page = http.get(f"/batches/{batch_id}/results", params=params).json()
        assert len(page["results"]) <= limit or not strict
        results += page["results"]
        token = page["pagination_token"]
        if not token:
            return results


def test_batch_flow_matches_the_recording(http: httpx.Client) -> None:
    recorded = [json.loads(i["response"]["body"]["string"]) for i in cassette(BATCH_CASSETTE)]
    batch = new_batch(http)
    assert key_paths(batch) == key_paths(recorded[0])
    assert DATE.fullmatch(batch["create_time"])
    assert DATE.fullmatch(batch["expire_time"])
    assert "status" not in batch
    thinking_response = responses_request("0", "2 + 2?")
    thinking_response["batch_request"]["responses"]["reasoning"] = {"effort": "low"}
    thinking_chat = chat_request("1", "Big planet?")
    thinking_chat["batch_request"]["chat_get_completion"]["reasoning_effort"] = "low"
    added = add(http, batch["batch_id"], [thinking_response, thinking_chat])
    assert added.status_code == 200
    assert added.text == "null"
    done = wait_done(http, batch["batch_id"])
    assert done["state"] == {
        "num_requests": 2,
        "num_pending": 0,
        "num_success": 2,
        "num_error": 0,
        "num_cancelled": 0,
    }
    results = http.get(f"/batches/{batch['batch_id']}/results", params={"limit": 100}).json()
    assert key_paths(results) == key_paths(recorded[-1])
    for entry in results["results"]:
        completion = entry["batch_result"]["response"]["chat_get_completion"]
        assert completion["object"] == "chat.completion"
        assert "simulated" in completion["choices"][0]["message"]["content"].lower()


def test_progress_is_driven_by_the_clock(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(batch_seconds_per_request=1.0)
    batch = new_batch(http)
    add(http, batch["batch_id"], [chat_request(str(i), f"q{i}") for i in range(3)])
    early = http.get(f"/batches/{batch['batch_id']}").json()["state"]
    assert early["num_pending"] == 3
    assert http.get(f"/batches/{batch['batch_id']}/results").json()["results"] == []
    meta = http.get(f"/batches/{batch['batch_id']}/requests").json()["batch_request_metadata"]
    assert {m["state"] for m in meta} == {"pending"}
    assert {m["finish_time"] for m in meta} == {None}
    time.sleep(1.1)
    late = http.get(f"/batches/{batch['batch_id']}").json()["state"]
    assert late["num_success"] == 3
    meta = http.get(f"/batches/{batch['batch_id']}/requests").json()["batch_request_metadata"]
    assert {m["state"] for m in meta} == {"succeeded"}
    assert {m["endpoint"] for m in meta} == {"xai_api.Chat/GetCompletion"}


def test_results_page_without_loss_in_a_stable_shuffled_order(http: httpx.Client) -> None:
    batch = new_batch(http)
    ids = [f"row-{i:03d}" for i in range(45)]
    add(http, batch["batch_id"], [chat_request(i, f"prompt {i}") for i in ids])
    wait_done(http, batch["batch_id"])
    first = [r["batch_request_id"] for r in all_results(http, batch["batch_id"], limit=10)]
    second = [r["batch_request_id"] for r in all_results(http, batch["batch_id"], limit=7)]
    assert sorted(first) == ids
    assert first == second
    assert first != ids


def test_results_echo_each_prompt_digest(http: httpx.Client) -> None:
    import hashlib

    batch = new_batch(http)
    prompts = {f"r{i}": f"Row {i}: classify this text" for i in range(20)}
    add(http, batch["batch_id"], [chat_request(k, v) for k, v in prompts.items()])
    wait_done(http, batch["batch_id"])
    for entry in all_results(http, batch["batch_id"]):
        text = entry["batch_result"]["response"]["chat_get_completion"]["choices"][0]["message"][
            "content"
        ]
        digest = hashlib.sha256(prompts[entry["batch_request_id"]].encode()).hexdigest()[:8]
        assert digest in text


def test_duplicate_ids_are_refused_and_nothing_is_added(http: httpx.Client) -> None:
    batch = new_batch(http)
    assert (
        add(http, batch["batch_id"], [chat_request("a", "x"), chat_request("b", "y")]).status_code
        == 200
    )
    again = add(http, batch["batch_id"], [chat_request("c", "z"), chat_request("a", "x")])
    assert again.status_code == 400
    assert '"a"' in again.json()["error"]
    within = add(http, batch["batch_id"], [chat_request("d", "z"), chat_request("d", "z")])
    assert within.status_code == 400
    assert '"d"' in within.json()["error"]
    state = http.get(f"/batches/{batch['batch_id']}").json()["state"]
    assert state["num_requests"] == 2


def test_commit_then_fail_adds_and_a_retry_is_refused_as_duplicate(
    emu: Emulator, http: httpx.Client
) -> None:
    batch = new_batch(http)
    path = f"/v1/batches/{batch['batch_id']}/requests"
    emu.control.inject("commit_then_fail", path, status=500)
    chunk = [chat_request(f"k{i}", "x") for i in range(5)]
    assert add(http, batch["batch_id"], chunk).status_code == 500
    assert add(http, batch["batch_id"], chunk).status_code == 400
    assert http.get(f"/batches/{batch['batch_id']}").json()["state"]["num_requests"] == 5


def test_requests_without_ids_get_generated_ones(http: httpx.Client) -> None:
    batch = new_batch(http)
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "x"}]}
    add(http, batch["batch_id"], [{"batch_request": {"chat_get_completion": body}}] * 3)
    meta = http.get(f"/batches/{batch['batch_id']}/requests").json()["batch_request_metadata"]
    assert len({m["batch_request_id"] for m in meta}) == 3


@pytest.mark.parametrize(
    ("payload", "status", "contains"),
    [
        ({"requests": []}, 422, "batch_requests"),
        ({"batch_requests": {}}, 422, "batch_requests"),
        ({"batch_requests": [{"batch_request": {"embed": {}}}]}, 422, "unknown variant"),
        (
            {"batch_requests": [chat_request("x", "y", model="grok-4.6")]},
            400,
            "Model grok-4.6 is not supported for batch processing",
        ),
        ({"batch_requests": [chat_request("x", "y", model="grok-9")]}, 400, "Model not found"),
    ],
    ids=["wrong-key", "not-a-list", "unknown-endpoint", "not-batchable", "unknown-model"],
)
def test_bad_add_requests(http: httpx.Client, payload: dict, status: int, contains: str) -> None:
    batch = new_batch(http)
    response = http.post(f"/batches/{batch['batch_id']}/requests", json=payload)
    assert response.status_code == status
    assert contains in error_text(response)


@pytest.mark.parametrize(
    ("marker", "knob", "expected"),
    [
        ("emulator:fail", "status", {"batch_result": {"error": {"code": 3}}}),
        ("emulator:fail", "string", {"batch_result": {"error": str}}),
        ("emulator:fail", "error_message", {"error_message": str}),
        ("emulator:fail:string", "status", {"batch_result": {"error": str}}),
        ("emulator:fail:error_message", "status", {"error_message": str}),
        ("emulator:fail:status", "string", {"batch_result": {"error": {"code": 3}}}),
    ],
    ids=[
        "knob-status",
        "knob-string",
        "knob-top-level",
        "marker-string",
        "marker-top",
        "marker-status",
    ],
)
def test_failed_requests_use_each_error_shape(
    emu: Emulator, http: httpx.Client, marker: str, knob: str, expected: dict
) -> None:
    emu.control.configure(batch_error_shape=knob)
    batch = new_batch(http)
    add(
        http,
        batch["batch_id"],
        [chat_request("ok", "fine"), chat_request("bad", f"please {marker}")],
    )
    state = wait_done(http, batch["batch_id"])["state"]
    assert (state["num_success"], state["num_error"]) == (1, 1)
    bad = next(r for r in all_results(http, batch["batch_id"]) if r["batch_request_id"] == "bad")
    if "error_message" in expected:
        assert isinstance(bad["error_message"], str)
        assert "batch_result" not in bad
    elif expected["batch_result"]["error"] is str:
        assert isinstance(bad["batch_result"]["error"], str)
    else:
        assert bad["batch_result"]["error"]["code"] == 3
        assert isinstance(bad["batch_result"]["error"]["message"], str)


def test_cancel_stops_pending_requests(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(batch_seconds_per_request=30)
    batch = new_batch(http)
    add(http, batch["batch_id"], [chat_request(str(i), "x") for i in range(4)])
    cancelled = http.post(f"/batches/{batch['batch_id']}:cancel").json()
    assert DATE.fullmatch(cancelled["cancel_time"])
    assert cancelled["cancel_by_xai_message"] is None
    assert cancelled["state"]["num_cancelled"] == 4
    assert cancelled["state"]["num_pending"] == 0
    results = all_results(http, batch["batch_id"])
    assert {r["batch_result"]["error"]["code"] for r in results} == {1}
    assert add(http, batch["batch_id"], [chat_request("late", "x")]).status_code == 400


def test_expiry_cancels_what_is_still_pending(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(batch_seconds_per_request=30, batch_expire_seconds=0.2)
    batch = new_batch(http)
    add(http, batch["batch_id"], [chat_request(str(i), "x") for i in range(3)])
    time.sleep(0.3)
    state = http.get(f"/batches/{batch['batch_id']}").json()
    assert state["state"]["num_cancelled"] == 3
    assert state["cancel_time"] is None


def test_cancel_by_xai_sets_the_message(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(batch_seconds_per_request=30)
    batch = new_batch(http)
    add(http, batch["batch_id"], [chat_request("1", "x")])
    emu.control.cancel_batch_by_xai(batch["batch_id"], "Batch cancelled: capacity")
    state = http.get(f"/batches/{batch['batch_id']}").json()
    assert state["cancel_by_xai_message"] == "Batch cancelled: capacity"
    assert state["state"]["num_cancelled"] == 1


def test_add_requests_rate_limit_answers_429_with_retry_after(
    emu: Emulator, http: httpx.Client
) -> None:
    emu.control.configure(batch_add_limit=3, batch_add_window_seconds=30)
    batch = new_batch(http)
    statuses = [
        add(http, batch["batch_id"], [chat_request(str(i), "x")]).status_code for i in range(3)
    ]
    limited = add(http, batch["batch_id"], [chat_request("over", "x")])
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 30


def test_add_requests_payload_limit_is_413(emu: Emulator, http: httpx.Client) -> None:
    emu.control.configure(batch_max_payload_bytes=2000)
    batch = new_batch(http)
    response = add(http, batch["batch_id"], [chat_request(str(i), "x" * 100) for i in range(20)])
    assert response.status_code == 413


def test_batch_results_are_billed_at_the_batch_rate(http: httpx.Client) -> None:
    batch = new_batch(http)
    add(http, batch["batch_id"], [chat_request("1", "Price me")])
    wait_done(http, batch["batch_id"])
    usage = all_results(http, batch["batch_id"])[0]["batch_result"]["response"][
        "chat_get_completion"
    ]["usage"]
    live = http.post(
        "/chat/completions",
        json={"model": "grok-4.3", "messages": [{"role": "user", "content": "Price me"}]},
    ).json()["usage"]
    assert usage["cost_in_usd_ticks"] == round(live["cost_in_usd_ticks"] * 0.8)


def test_list_batches_pages_newest_first(http: httpx.Client) -> None:
    names = [f"b{i}" for i in range(5)]
    for name in names:
        new_batch(http, name)
    first = http.get("/batches", params={"limit": 3}).json()
    rest = http.get(
        "/batches", params={"limit": 3, "pagination_token": first["pagination_token"]}
    ).json()
    assert rest["pagination_token"] is None
    assert [b["name"] for b in first["batches"] + rest["batches"]] == names[::-1]


def test_input_file_flow_loads_requests(http: httpx.Client) -> None:
    lines = [
        {
            "custom_id": f"c{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "grok-4.3", "messages": [{"role": "user", "content": f"q{i}"}]},
        }
        for i in range(3)
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    file_id = http.post("/files", files={"file": ("in.jsonl", data)}).json()["id"]
    batch = http.post("/batches", json={"name": "from-file", "input_file_id": file_id}).json()
    done = wait_done(http, batch["batch_id"])
    assert done["state"]["num_success"] == 3
    assert sorted(r["batch_request_id"] for r in all_results(http, batch["batch_id"])) == [
        "c0",
        "c1",
        "c2",
    ]


def test_input_file_with_unbatchable_model_is_cancelled_by_xai(http: httpx.Client) -> None:
    line = {
        "custom_id": "x",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "grok-4.6", "messages": [{"role": "user", "content": "q"}]},
    }
    file_id = http.post("/files", files={"file": ("in.jsonl", json.dumps(line).encode())}).json()[
        "id"
    ]
    batch = http.post("/batches", json={"name": "bad-file", "input_file_id": file_id}).json()
    assert "not supported for batch processing" in batch["cancel_by_xai_message"]
    assert batch["state"]["num_requests"] == 0


@pytest.mark.parametrize("quirk", ["duplicate", "unknown_id", "omit"])
def test_results_quirk_knob_breaks_paging_on_purpose(
    emu: Emulator, http: httpx.Client, quirk: str
) -> None:
    emu.control.configure(batch_results_quirk=quirk)
    batch = new_batch(http)
    ids = [f"q{i}" for i in range(12)]
    add(http, batch["batch_id"], [chat_request(i, "x") for i in ids])
    assert wait_done(http, batch["batch_id"])["state"]["num_success"] == 12
    seen = [
        r["batch_request_id"] for r in all_results(http, batch["batch_id"], limit=5, strict=False)
    ]
    if quirk == "duplicate":
        assert sorted(set(seen)) == sorted(ids)
        assert len(seen) == 12 + 3
    elif quirk == "unknown_id":
        assert len(seen) == 13
        assert len(set(seen) - set(ids)) == 1
    else:
        assert len(seen) == 11
        assert set(seen) < set(ids)


def test_batch_results_carry_reasoning_like_the_recording(http: httpx.Client) -> None:
    # Recorded grok-4.3 batch results carry reasoning_content and bill reasoning tokens
    # (rubyllm 2026-08 batch cassette), whether the request was chat- or responses-style.
    batch = new_batch(http)
    add(http, batch["batch_id"], [chat_request("c", "Think"), responses_request("r", "Think")])
    wait_done(http, batch["batch_id"])
    for entry in all_results(http, batch["batch_id"]):
        completion = entry["batch_result"]["response"]["chat_get_completion"]
        assert "simulated" in completion["choices"][0]["message"]["reasoning_content"].lower()
        usage = completion["usage"]
        reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
        assert reasoning >= 96
        assert (
            usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
        )
