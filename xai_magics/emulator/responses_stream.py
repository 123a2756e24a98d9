"""The Responses SSE stream: ``event: <type>`` + ``data:`` with ``sequence_number``, no ``[DONE]``.

Event order copies the August 2026 recordings: created, in_progress, the reasoning item (summary
part, summary deltas), then either function-call items (arguments whole in one delta) or the
message item (content part, text deltas), then ``response.completed``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from xai_magics.emulator.streaming import EventStream

if TYPE_CHECKING:
    from xai_magics.emulator.responses import ResponseBuilder
    from xai_magics.emulator.server_tools import ServerPlan


def _obj(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Events:
    def __init__(self) -> None:
        self.encoded: list[bytes] = []

    def add(self, kind: str, payload: str) -> None:
        data = f'{{"sequence_number":{len(self.encoded)},"type":"{kind}",{payload}}}'
        self.encoded.append(f"event: {kind}\ndata: {data}\n\n".encode())

    def __len__(self) -> int:
        return len(self.encoded)


def _reasoning(out: _Events, b: ResponseBuilder) -> None:
    rid = _str(b.reasoning_id)
    out.add(
        "response.reasoning_summary_part.added",
        f'"item_id":{rid},"output_index":0,"part":{{"text":"","type":"summary_text"}},'
        '"summary_index":0',
    )
    for token in b.gen.reasoning_pieces:
        out.add(
            "response.reasoning_summary_text.delta",
            f'"delta":{_str(token)},"item_id":{rid},"output_index":0,"summary_index":0',
        )
    summary = _str(b.gen.reasoning)
    out.add(
        "response.reasoning_summary_text.done",
        f'"item_id":{rid},"output_index":0,"summary_index":0,"text":{summary}',
    )
    out.add(
        "response.reasoning_summary_part.done",
        f'"item_id":{rid},"output_index":0,'
        f'"part":{{"text":{summary},"type":"summary_text"}},"summary_index":0',
    )
    out.add("response.output_item.done", f'"item":{_obj(b.reasoning_item(True))},"output_index":0')


def _calls(out: _Events, b: ResponseBuilder, first_index: int) -> None:
    for n, call in enumerate(b.gen.tool_calls):
        index = first_index + n
        item_id = _str(f"fc_{b.id}_{n}")
        arguments = _str(call.arguments)
        out.add(
            "response.output_item.added",
            f'"item":{_obj(b.call_item(n, False))},"output_index":{index}',
        )
        out.add(
            "response.function_call_arguments.delta",
            f'"delta":{arguments},"item_id":{item_id},"output_index":{index}',
        )
        out.add(
            "response.function_call_arguments.done",
            f'"arguments":{arguments},"item_id":{item_id},"output_index":{index}',
        )
        out.add(
            "response.output_item.done",
            f'"item":{_obj(b.call_item(n, True))},"output_index":{index}',
        )


def _message(out: _Events, b: ResponseBuilder, index: int) -> int:
    """Message events; returns the position of the first text delta."""
    mid = _str(b.message_id)
    where = f'"item_id":{mid},"output_index":{index}'
    out.add(
        "response.output_item.added",
        f'"item":{_obj(b.message_item(False))},"output_index":{index}',
    )
    out.add(
        "response.content_part.added", f'"content_index":0,{where},"part":{_obj(b.text_part(""))}'
    )
    first_text = len(out)
    for token in b.gen.answer_tokens:
        out.add(
            "response.output_text.delta",
            f'"content_index":0,"delta":{_str(token)},{where},"logprobs":[]',
        )
    notes = b.server.annotations if b.server is not None else []
    for n, note in enumerate(notes):
        out.add(
            "response.output_text.annotation.added",
            f'"annotation":{_obj(note)},"annotation_index":{n},"content_index":0,{where}',
        )
    text = _str(b.gen.answer)
    out.add("response.output_text.done", f'"content_index":0,{where},"text":{text},"logprobs":[]')
    out.add(
        "response.content_part.done",
        f'"content_index":0,{where},"part":{_obj(b.text_part(b.gen.answer))}',
    )
    out.add(
        "response.output_item.done",
        f'"item":{_obj(b.message_item(True))},"output_index":{index}',
    )
    return first_text


def server_events(out: _Events, plan: ServerPlan, index: int) -> int:
    """The server-side calls' items (a web search with its in_progress/searching/completed
    events, as recorded); returns the next output index."""
    for n in range(len(plan.calls)):
        out.add(
            "response.output_item.added",
            f'"item":{_obj(plan.item(n, False))},"output_index":{index}',
        )
        if plan.calls[n].kind == "web_search":
            where = f'"item_id":{_str(plan.item_id(n))},"output_index":{index}'
            for phase in ("in_progress", "searching", "completed"):
                out.add(f"response.web_search_call.{phase}", where)
        out.add(
            "response.output_item.done", f'"item":{_obj(plan.item(n, True))},"output_index":{index}'
        )
        index += 1
    return index


def response_stream(b: ResponseBuilder, final: dict[str, Any]) -> EventStream:
    out = _Events()
    started = _obj(b.response(False))
    out.add("response.created", f'"response":{started}')
    out.add("response.in_progress", f'"response":{started}')
    index = 0
    first_token: int | None = None
    if b.gen.reasoned:
        out.add(
            "response.output_item.added", f'"item":{_obj(b.reasoning_item(False))},"output_index":0'
        )
        first_token = len(out)
        _reasoning(out, b)
        index = 1
    if b.server is not None:
        first_token = len(out) if first_token is None else first_token
        index = server_events(out, b.server, index)
    if b.gen.tool_calls:
        first_token = len(out) if first_token is None else first_token
        _calls(out, b, index)
    elif b.has_message:
        first_text = _message(out, b, index)
        first_token = first_text if first_token is None else first_token
    first_token = len(out) if first_token is None else first_token
    terminal = "response.incomplete" if b.gen.truncated else "response.completed"
    out.add(terminal, f'"response":{_obj(final)}')

    def error_event(message: str, n: int) -> bytes:
        payload = {
            "sequence_number": n,
            "type": "error",
            "code": "internal_error",
            "message": message,
            "param": None,
        }
        return f"event: error\ndata: {_obj(payload)}\n\n".encode()

    return EventStream(events=out.encoded, first_token=first_token, error_event=error_event)
