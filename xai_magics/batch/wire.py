"""Batch request lines as JSON bytes, built with Arrow string kernels instead of a json.dumps loop.

Each request is ``{"batch_request_id": ID, "batch_request": {"chat_get_completion": BODY}}`` where
BODY is the same for every row except the user message. BODY's constant parts (and the template's
literal text) are serialised once by ``json.dumps``; per row only the cells are JSON-escaped (five
vectorised replacements, plus a per-row fallback for rare control characters) and spliced in.
The result is byte-identical to ``json.dumps`` with ``ensure_ascii=False`` and compact separators
(a table test checks this).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from xai_magics.batch.cells import TEXT
from xai_magics.batch.template import ColumnTemplate, Field

_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"
_CONTROL = re.compile(_OTHER_CONTROL)


@dataclass(frozen=True)
class RequestSpec:
    """Everything a request carries besides the row's prompt."""

    model: str
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    response_format: Mapping[str, Any] | None = None
    #: the column whose picture goes with each row's prompt (issue 14), and its detail
    image_column: str | None = None
    image_detail: str | None = None
    #: the chat ``seed``: repeats of one eval (issue 16) are the same prompts with other seeds
    seed: int | None = None

    def body(self, prompt: str, image_url: str = "") -> dict[str, Any]:
        """The chat-completions body for one prompt (the reference the fast path must equal)."""
        messages = [{"role": "system", "content": self.system}] if self.system else []
        content: Any = prompt
        if self.image_column is not None:
            image: dict[str, Any] = {"url": image_url}
            if self.image_detail:
                image["detail"] = self.image_detail
            content = [
                {"type": "text", "text": prompt},
                {"type": "image_url", "image_url": image},
            ]
        messages.append({"role": "user", "content": content})
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.response_format is not None:
            body["response_format"] = dict(self.response_format)
        if self.seed is not None:
            body["seed"] = self.seed
        return body


def dumps(value: Any) -> str:
    """The one JSON style of request bodies: compact, UTF-8 kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def reference_line(request_id: str, spec: RequestSpec, prompt: str, image_url: str = "") -> str:
    """One request line the slow, obvious way (tests and the benchmark baseline use it)."""
    wrapped = {
        "batch_request_id": request_id,
        "batch_request": {"chat_get_completion": spec.body(prompt, image_url)},
    }
    return dumps(wrapped)


class LineBuilder:
    """Turns blocks of column texts into request lines, each followed by a comma.

    The template's literal parts are escaped once here; per row only the column texts are
    escaped, and one ``binary_join_element_wise`` assembles id, body and prompt.
    """

    def __init__(self, spec: RequestSpec, id_prefix: str, template: ColumnTemplate) -> None:
        self.image_column = spec.image_column
        sentinel = f"prompt-{uuid.uuid4().hex}"
        picture = f"image-{uuid.uuid4().hex}"
        head, tail = reference_line("ID", spec, sentinel, picture).split(f'"{sentinel}"')
        id_head, id_tail = head.split('"ID"')
        self._before_id = _scalar(id_head + '"' + id_prefix)
        # the id's closing quote, the body up to the prompt, and the prompt's opening quote
        self._pieces: list[str | Field] = ['"' + id_tail + '"']
        for part in template.parts:
            if isinstance(part, Field):
                self._pieces.append(part)
            else:
                self._pieces.append(dumps(part)[1:-1])
        if spec.image_column is not None:  # the row's image URL goes into the image part
            from xai_magics.images.batch_column import image_key

            before, after = tail.split(picture)  # after starts with the URL's closing quote
            self._pieces += ['"' + before, Field(image_key(spec.image_column))]
            tail = after[1:]
        self._pieces.append('"' + tail + ",")
        self._sep = _scalar("")

    def lines(self, positions: pa.Array, texts: Mapping[str, pa.Array]) -> pa.LargeStringArray:
        """One line per row (null where a column text is null: callers filter those out)."""
        escaped = {column: escape_json(text) for column, text in texts.items()}
        args: list[pa.Array | pa.Scalar] = [self._before_id, pc.cast(positions, TEXT)]
        literal: list[str] = []
        for piece in self._pieces:
            if isinstance(piece, str):
                literal.append(piece)
                continue
            if literal:
                args.append(_scalar("".join(literal)))
                literal = []
            args.append(escaped[piece.column])
        args.append(_scalar("".join(literal)))
        args.append(self._sep)
        joined = pc.binary_join_element_wise(*args, null_handling="emit_null")
        return joined.cast(TEXT)


def _scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def escape_json(text: pa.Array) -> pa.Array:
    """JSON string escaping of every element (without the surrounding quotes)."""
    for raw, escaped in _ESCAPES:
        text = pc.replace_substring(text, raw, escaped)
    rare = pc.match_substring_regex(text, _OTHER_CONTROL)
    if pc.any(rare).as_py():
        values = text.to_pylist()
        for i in pc.indices_nonzero(rare).to_pylist():
            values[i] = _CONTROL.sub(_escape_control, values[i])
        text = pa.array(values, TEXT)
    return text


def _escape_control(match: re.Match[str]) -> str:
    """The escape json.dumps writes for a control character (``\\b``, ``\\f`` or ``\\u00XX``)."""
    return json.dumps(match.group(), ensure_ascii=False)[1:-1]
