"""Every recorded request, replayed against the emulator: our answer must have the recorded
structure (status, content type, API headers, JSON keys and value types, SSE event order and
payloads), apart from the reasoned differences in ``ALLOWED``.

A cassette's exchanges are replayed in order on one emulator, ids the service handed out (batch,
file and response ids) replaced by the ones the emulator handed out, so multi-step flows work.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import httpx
import pytest

from tests.client.recordings import MISSING, ROOT
from tests.emulator.conftest import KEY
from tests.emulator.replay import (
    API_HEADERS,
    Exchange,
    collapsed,
    differences,
    recorded_exchanges,
    sse_events,
)
from xai_magics.emulator import Emulator, catalog

#: Endpoints the emulator deliberately does not serve: the product makes no videos and transcribes
#: no speech. It answers them 404 "No handler found on route", which the test checks,
#: so that an entry here is removed once the route exists.
NOT_EMULATED: dict[str, str] = {
    "/v1/videos/": "video generation is not emulated: the product makes no videos",
    "/v1/stt": "speech to text is not emulated: the product only speaks (TTS)",
    "/v1/image-generation-models": "image model listing is not emulated (no image routes)",
}

#: Models recorded before they left the API: the emulator answers a deprecated one 404 as
#: recorded, and one absent from the late-2026 model list 400 "Model not found".
GONE_MODELS: dict[str, str] = {
    "grok-beta": "recorded Nov 2024; deprecated on 2025-09-15 (recorded 404, req_llm grok-beta)",
    "grok-2-1212": "recorded Jan 2026, absent from the Feb 2026 /v1/models listing",
    "grok-2-vision-1212": "recorded Jan 2026; not among the models documented in late 2026",
}

_TOOL_CHOICE = (
    "whether to call a function is the simulated model's choice: it calls one when the prompt "
    "names the tool or tool_choice forces it (tool_calls.py); the recorded prompts ask in "
    "other words"
)
_RETIRED = (
    "recorded before the slug was retired on 2026-05-15; grok-4.3 serves it now (xai-api.md "
    "§7) and shows its reasoning as recorded for grok-4.3"
)
_SERVER_TOOLS = (
    "the simulated model searches whenever a search tool is offered, one call per tool, and "
    "cites the emulator's own sources (server_tools.py); the recorded model chose its own calls"
)
_BEFORE = "absent from recordings made before {}; the emulator follows the newest recordings"

#: Differences that must stay: "<case glob> :: <difference glob>" -> reason. A difference id is
#: "<JSON path> +ours" (only we send it), "-ours" (only the recording has it), "type", "header
#: <name> +ours/-ours", "sse order" or "event <name>: <JSON path> ...".
ALLOWED: dict[str, str] = {
    "* :: service_tier +ours": _BEFORE.format("June 2026 (INDEX.md fact 5)"),
    "* :: event chunk:*: service_tier +ours": _BEFORE.format("June 2026 (INDEX.md fact 5)"),
    "* :: usage.cost_in_usd_ticks +ours": _BEFORE.format("Jan 2026 (INDEX.md fact 4)"),
    "* :: event chunk:usage: usage.cost_in_usd_ticks +ours": _BEFORE.format("Jan 2026"),
    "* :: header x-data-retention +ours": _BEFORE.format("June 2026 (batches) / Aug 2026"),
    "* :: header traceparent +ours": _BEFORE.format("June 2026"),
    "req_llm/* :: header x-ratelimit-* +ours": "the req_llm fixtures (2025) kept no rate-limit "
    "headers; every 2026 recording has them",
    "req_llm/* :: header x-metrics-* +ours": "the req_llm fixtures (2025) kept no metrics headers",
    "2026-01_*/* :: header x-metrics-* +ours": _BEFORE.format("June 2026"),
    "*web_search* :: header x-metrics-mean-itl-ms +ours": _SERVER_TOOLS
    + "; the recorded search turns report no inter-token latency",
    "*web_search* :: header x-metrics-ttft-ms +ours": _SERVER_TOOLS,
    "* :: choices[].message.tool_calls -ours": _TOOL_CHOICE,
    "* :: output[[]type=function_call] -ours": _TOOL_CHOICE,
    "* :: output[[]type=message] +ours": _TOOL_CHOICE,
    "*without_parameters_in_multi-turn_streaming*#2 :: sse order": _TOOL_CHOICE,
    "req_llm/*grok-4* :: choices[].message.reasoning_content +ours": _RETIRED,
    "req_llm/*grok-code-fast-1* :: choices[].message.reasoning_content +ours": _RETIRED,
    "req_llm/*grok-4-fast-reasoning*stream :: sse order": _RETIRED
    + " (the 2025 stream opened with a role-only chunk and hid its reasoning)",
    "req_llm/*grok-code-fast-1__streaming* :: sse order": _RETIRED
    + " (the 2025 stream interleaved empty chunks with the reasoning)",
    "req_llm/responses__* :: *output[[]type=reasoning] +ours": _RETIRED,
    "req_llm/responses__* :: reasoning.* type": _RETIRED + " (and names the effort it used)",
    "req_llm/responses__* :: *metadata.system_fingerprint +ours": _BEFORE.format("2026"),
    "req_llm/responses__* :: *usage.context_details +ours": _BEFORE.format("2026"),
    "* :: *web_search_call*": _SERVER_TOOLS,
    "* :: *custom_tool_call*": _SERVER_TOOLS + " (x_search streamed as a custom tool call)",
    "req_llm/*search* :: *server_side_tool_usage_details.image_generation_calls +ours": (
        _BEFORE.format("2026: the 2025 search recordings count no image_generation_calls")
    ),
    "*web_search*#1 :: usage.server_side_tool_usage_details +ours": _SERVER_TOOLS
    + "; the recorded follow-up turn answered from the conversation without searching",
    "req_llm/*x_search_streaming* :: *output[[]type=x_search_call] +ours": "the 2025 recording "
    "streamed X search as a custom_tool_call; the emulator answers with the x_search_call item "
    "of the newer search recordings (the client reads both)",
    "*search* :: *annotations emptiness": _SERVER_TOOLS + ", so no url_citation annotations",
    "*search*stream :: event response.output_item.*: item.*": _SERVER_TOOLS
    + "; the recorded first output item is the search call",
}


EXCHANGES = recorded_exchanges()
CASES = [(name, i) for name, exchanges in EXCHANGES.items() for i in range(len(exchanges))]
_REPLAYED: dict[str, list[Exchange]] = {}


def _case_id(case: tuple[str, int]) -> str:
    name, index = case
    return f"{name}#{index}" if len(EXCHANGES[name]) > 1 else name


def _learn_ids(recorded: Any, ours: Any, ids: dict[str, str]) -> None:
    """Map ids the service handed out to the ones the emulator handed out, by position."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key, value in recorded.items():
            mine = ours.get(key)
            if key in ("id", "batch_id", "request_id", "file_id") and isinstance(value, str):
                if isinstance(mine, str) and value and value != mine:
                    ids[value] = mine
            else:
                _learn_ids(value, mine, ids)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _replay(emu: Emulator, name: str) -> list[Exchange]:
    if name in _REPLAYED:
        return _REPLAYED[name]
    emu.control.reset()
    emu.control.configure(batch_seconds_per_request=0.0)
    bad_key = emu.control.knobs()["bad_key"]
    root = emu.base_url.removesuffix("/v1")
    ids: dict[str, str] = {}
    ours: list[Exchange] = []
    for recorded in EXCHANGES[name]:
        path, body = recorded.path, recorded.request_body
        for theirs, mine in ids.items():
            path = path.replace(theirs, mine)
            body = body.replace(theirs.encode(), mine.encode())
        headers = {"Authorization": f"Bearer {bad_key if recorded.rejected_key else KEY}"}
        if recorded.request_type:
            headers["Content-Type"] = recorded.request_type
        response = httpx.request(
            recorded.method, root + path, content=body or None, headers=headers, timeout=60
        )
        mine_exchange = Exchange(
            method=recorded.method,
            path=path,
            request_type=recorded.request_type,
            request_body=body,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=response.content,
        )
        _learn_ids(_json(recorded.body), _json(response.content), ids)
        ours.append(mine_exchange)
    _REPLAYED[name] = ours
    return ours


def compare(recorded: Exchange, ours: Exchange) -> list[tuple[str, str]]:
    """Every structural difference, as (id, detail)."""
    out: list[tuple[str, str]] = []
    if recorded.status != ours.status:
        out.append(
            ("status", f"recorded {recorded.status}, ours {ours.status}: {ours.body[:200]!r}")
        )
        return out
    if recorded.media_type != ours.media_type:
        out.append(("content-type", f"recorded {recorded.media_type!r}, ours {ours.media_type!r}"))
    for header in API_HEADERS if not recorded.extra.get("no_headers") else ():
        if (header in recorded.headers) != (header in ours.headers):
            side = "-ours" if header in recorded.headers else "+ours"
            out.append((f"header {header} {side}", "present on one side only"))
    if recorded.media_type == "text/event-stream":
        out += _compare_streams(recorded.body, ours.body)
    elif recorded.media_type == "application/json":
        out += differences(_json(recorded.body), _json(ours.body))
    elif bool(recorded.body) != bool(ours.body):
        out.append(("body", f"recorded {len(recorded.body)} bytes, ours {len(ours.body)}"))
    return out


def _compare_streams(recorded_body: bytes, our_body: bytes) -> list[tuple[str, str]]:
    theirs, mine = sse_events(recorded_body), sse_events(our_body)
    out: list[tuple[str, str]] = []
    their_order = collapsed([n for n, _ in theirs])
    our_order = collapsed([n for n, _ in mine])
    if their_order != our_order:
        out.append(("sse order", f"recorded {their_order}, ours {our_order}"))
    for name in dict.fromkeys(n for n, _ in theirs):
        first_theirs = next(p for n, p in theirs if n == name)
        first_mine = next((p for n, p in mine if n == name), None)
        if first_mine is None:
            continue  # already reported by the order
        out += [(f"event {name}: {d}", why) for d, why in differences(first_theirs, first_mine)]
    return out


def _allowed(case: str, difference: str) -> str | None:
    subject = f"{case} :: {difference}"
    return next((why for pat, why in ALLOWED.items() if fnmatch.fnmatchcase(subject, pat)), None)


@pytest.mark.skipif(not ROOT.is_dir(), reason=MISSING)
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_replayed_answer_has_the_recorded_structure(emu: Emulator, case: tuple[str, int]) -> None:
    name, index = case
    recorded = EXCHANGES[name][index]
    ours = _replay(emu, name)[index]
    absent = next(
        (why for prefix, why in NOT_EMULATED.items() if recorded.path.startswith(prefix)), None
    )
    if absent is not None:
        assert ours.status == 404, absent
        assert b"No handler found on route" in ours.body
        return
    gone = next(
        (
            m
            for m in GONE_MODELS
            if f'"model":"{m}"'.encode() in recorded.request_body.replace(b" ", b"")
        ),
        None,
    )
    if gone is not None:
        if gone in catalog.DEPRECATED:
            assert ours.status == 404, GONE_MODELS[gone]
            assert f"The model {gone} was deprecated".encode() in ours.body
        else:
            assert ours.status == 400, GONE_MODELS[gone]
            assert f"Model not found: {gone}".encode() in ours.body
        return
    found = compare(recorded, ours)
    unexplained = [f"{d}: {why}" for d, why in found if _allowed(_case_id(case), d) is None]
    assert not unexplained, "\n".join(unexplained)


@pytest.mark.skipif(not ROOT.is_dir(), reason=MISSING)
def test_every_allowed_difference_still_occurs() -> None:
    """An allow-list entry nothing needs any more is removed (checked after a full replay)."""
    if len(_REPLAYED) < len(EXCHANGES):
        pytest.skip("needs the full replay above in the same run")
    seen = {
        f"{_case_id((name, i))} :: {d}"
        for name, ours in _REPLAYED.items()
        for i, (recorded, mine) in enumerate(zip(EXCHANGES[name], ours, strict=True))
        for d, _ in compare(recorded, mine)
    }
    stale = [pat for pat in ALLOWED if not any(fnmatch.fnmatchcase(d, pat) for d in seen)]
    assert not stale
