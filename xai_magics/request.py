"""From options to the request: the arguments the client gets and the JSON body it sends.

Kept apart from the session (``api.Grok``) so that a dry run and a real call are built by the
same code: the dry run shows the body the client's own builders produce.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from xai_magics.usage import Prices

if TYPE_CHECKING:
    from xai_magics.threads import Thread

__all__ = [
    "MAX_PROMPT_CHARS",
    "Api",
    "AskOptions",
    "PromptRefused",
    "Tier",
    "as_overrides",
    "client_kwargs",
    "is_model_class",
    "parse_spec",
    "parse_structured",
    "prices_of",
    "turn_key",
    "wire_body",
]

Api = Literal["responses", "chat"]
Tier = Literal["default", "priority"]


#: Longest prompt sent without complaint (about 100k tokens): past it, a stray ``{big_object}``
#: is far likelier than intent, and it would cost real money.
MAX_PROMPT_CHARS = 400_000


class PromptRefused(ValueError):
    """The prompt was not sent; the message says why and what to do."""


@dataclass(frozen=True)
class AskOptions:
    """What one call asks for. The magic's options map onto these one to one."""

    model: str = "grok-4.3"
    api: Api = "responses"
    tier: Tier | None = None
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    schema: Any = None  # a pydantic model class
    thread: str | None = None
    new_thread: bool = False
    #: identifies the turn in its thread: re-asking with the same key replaces the turn
    turn_key: str | None = None
    #: the most this call may spend, in dollars (``--max-cost``): a call whose bound is higher
    #: is stopped at it while streaming, or refused before sending when it cannot stream
    max_cost: float | None = None
    #: xAI's server-side search tools to offer: ``("web", "x")`` (Responses only)
    search: tuple[str, ...] = ()
    #: offer xAI's code execution tool (Responses only)
    code: bool = False
    #: the caller's functions the model may call (``xai_magics.tools.LocalTools``)
    tools: Any = None
    #: requests to the model per ask when it calls ``tools`` (the tool-call loop's cap)
    max_turns: int = 5
    #: pictures sent with the prompt, as ``xai_magics.images.ImagePart`` (anything
    #: ``images.load`` reads is converted on construction); each part has ``sha256``, ``size``,
    #: ``summary()`` and ``placeholder()``, so a store can keep those instead of the pixels
    images: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.images:
            from xai_magics.images import as_part

            object.__setattr__(self, "images", tuple(as_part(i) for i in self.images))


def parse_spec(spec: str) -> dict[str, Any]:
    model, _, tier = spec.strip().partition("@")
    if tier and tier not in ("default", "priority"):
        raise PromptRefused(
            f"Unknown tier {tier!r} in {spec!r}: use MODEL@default or MODEL@priority."
        )
    return {"model": model.strip(), "tier": tier or None}


def as_overrides(options: AskOptions) -> dict[str, Any]:
    return {f: getattr(options, f) for f in AskOptions.__dataclass_fields__}


def client_kwargs(
    prompt: str, options: AskOptions, thread: Thread | None, *, cache_key: str | None = None
) -> dict[str, Any]:
    """Arguments for ``client.responses`` / ``client.chat`` ``create``/``stream``.

    ``cache_key`` routes requests that share it to the same prompt cache (``prompt_cache_key``
    on Responses, the ``x-grok-conv-id`` header on chat).
    """
    key = turn_key(options, prompt)
    common: dict[str, Any] = {"model": options.model}
    if options.tier:
        common["service_tier"] = options.tier
    if options.temperature is not None:
        common["temperature"] = options.temperature
    if options.reasoning_effort:
        common["reasoning_effort"] = options.reasoning_effort
    schema = json_schema(options.schema) if options.schema is not None else None
    common.update(tool_kwargs(options))
    if options.api == "chat":
        messages = thread.messages_for(key) if thread else []
        if not thread and options.system:
            messages.append({"role": "system", "content": options.system})
        messages.append({"role": "user", "content": _user_content(prompt, options)})
        kwargs = {**common, "messages": messages}
        if options.max_tokens is not None:
            kwargs["max_tokens"] = options.max_tokens
        if schema is not None:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": schema}
        if cache_key:
            kwargs["conversation_id"] = cache_key
        return kwargs
    previous = thread.previous_response_id(key) if thread else None
    kwargs = {**common}
    system = (thread.system if thread else None) or options.system
    if thread is not None and previous is None and thread.history_for(key):
        # A thread begun on chat has nothing stored server-side: send its history instead.
        user = {"role": "user", "content": _user_content(prompt, options)}
        kwargs["input"] = [*thread.messages_for(key), user]
    elif system and previous is None:
        # instructions cannot be combined with previous_response_id: the system message goes
        # into the first turn's input, where the stored conversation keeps it.
        kwargs["input"] = [
            {"role": "system", "content": system},
            {"role": "user", "content": _user_content(prompt, options)},
        ]
    elif options.images:
        kwargs["input"] = [{"role": "user", "content": _user_content(prompt, options)}]
    else:
        kwargs["input"] = prompt
    if previous is not None:
        kwargs["previous_response_id"] = previous
    if options.max_tokens is not None:
        kwargs["max_output_tokens"] = options.max_tokens
    if schema is not None:
        kwargs["text_format"] = {"type": "json_schema", **schema}
    if cache_key:
        kwargs["prompt_cache_key"] = cache_key
    return kwargs


def tool_kwargs(options: AskOptions) -> dict[str, Any]:
    """``tools`` for the request: server-side ones (Responses only) and the caller's functions."""
    if options.api == "chat" and (options.search or options.code):
        raise PromptRefused(
            "--search and --code are xAI server-side tools of the Responses endpoint: "
            "drop --api chat (or the tool options)."
        )
    from xai_magics.tools.server import server_tool_specs

    tools = server_tool_specs(options.search, options.code)
    if options.tools:
        local = options.tools
        tools += local.chat_tools() if options.api == "chat" else local.responses_tools()
    return {"tools": tools} if tools else {}


def _user_content(prompt: str, options: AskOptions) -> Any:
    """The user turn's content: the prompt, or the prompt then its images (issue 14)."""
    if not options.images:
        return prompt
    from xai_magics.images import user_content

    return user_content(prompt, options.images, options.api)


def wire_body(
    prompt: str,
    options: AskOptions,
    thread: Thread | None,
    *,
    stream: bool,
    cache_key: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The JSON body the client sends for these options, built by the client's own code."""
    kwargs = client_kwargs(prompt, options, thread, cache_key=cache_key)
    if options.api == "chat":
        from xai_magics.client.chat import chat_body

        kwargs.pop("conversation_id", None)  # a header, not part of the body

        body = chat_body(
            kwargs.pop("model"),
            kwargs.pop("messages"),
            kwargs.pop("service_tier", None),
            kwargs.pop("temperature", None),
            kwargs.pop("max_tokens", None),
            kwargs.pop("reasoning_effort", None),
            kwargs.pop("response_format", None),
            kwargs,
        )
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return "/chat/completions", body
    from xai_magics.client.responses import responses_body

    body = responses_body(
        kwargs.pop("model"),
        kwargs.pop("input"),
        None,
        kwargs.pop("previous_response_id", None),
        kwargs.pop("service_tier", None),
        kwargs.pop("temperature", None),
        None,
        kwargs.pop("max_output_tokens", None),
        kwargs.pop("reasoning_effort", None),
        kwargs.pop("text_format", None),
        None,
        kwargs,
    )
    if stream:
        body["stream"] = True
    return "/responses", body


def is_model_class(value: object) -> bool:
    """Whether ``value`` can be a ``--schema``: a pydantic model class (duck-typed, no import)."""
    return isinstance(value, type) and hasattr(value, "model_json_schema")


def json_schema(model: Any) -> dict[str, Any]:
    """The structured-output format for a pydantic model class (or a plain JSON schema dict)."""
    schema = model.model_json_schema() if hasattr(model, "model_json_schema") else dict(model)
    name = getattr(model, "__name__", "answer")
    return {"name": name, "schema": schema, "strict": True}


def parse_structured(model: Any, text: str) -> tuple[Any, str | None]:
    """``(instance, None)``, or ``(None, why)`` when the answer does not fit the model."""
    try:
        if hasattr(model, "model_validate_json"):
            return model.model_validate_json(text), None
        return json.loads(text), None
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        name = getattr(model, "__name__", "the schema")
        return None, f"the answer does not match {name}: {first}; the text is kept in .text"


def prices_of(model: Any) -> Prices | None:
    """Prices of a ``/v1/language-models`` entry, when it lists all three."""
    try:
        return Prices(
            int(model.prompt_text_token_price),
            int(model.cached_prompt_text_token_price),
            int(model.completion_text_token_price),
        )
    except (AttributeError, TypeError, ValueError):
        return None


def turn_key(options: AskOptions, prompt: str) -> str:
    """The key of this call's turn in its thread: the cell's, else the prompt's hash."""
    return options.turn_key or hashlib.sha256(prompt.encode()).hexdigest()[:16]
