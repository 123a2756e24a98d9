"""Typed msgspec structs for batch results pages: decode only the fields a table of answers needs.

A page carries up to a thousand full completions. Decoding each into dicts costs more than the
rest of the join, and the garbage collector then walks every one of them while the page is
alive. These structs skip the fields nobody reads, hold no dict or list per item, are not
tracked by the collector (``gc=False``: they hold no cycles), and hold exactly what
``completion_from_chat`` reads, so the full ``Completion`` is folded only when someone asks for
it.

The types are narrow on purpose: a page that does not fit them raises ``DecodeError``, and the
caller reads that page the loose way instead.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec

__all__ = [
    "ChatBody",
    "ChatResponse",
    "DecodeError",
    "ResultItem",
    "ResultOutcome",
    "ResultsPageStruct",
    "decode_page",
]

# msgspec reads these annotations at runtime, on 3.10 too: spell unions with Union, not "|".


class ChatMessage(msgspec.Struct, gc=False):
    content: Union[str, None] = None  # noqa: UP007
    reasoning_content: Any = None
    tool_calls: Any = None


class ChatChoice(msgspec.Struct, gc=False):
    message: Union[ChatMessage, None] = None  # noqa: UP007
    finish_reason: Any = None


class PromptDetails(msgspec.Struct, gc=False):
    cached_tokens: Union[int, None] = None  # noqa: UP007


class CompletionDetails(msgspec.Struct, gc=False):
    reasoning_tokens: Union[int, None] = None  # noqa: UP007


class ChatUsage(msgspec.Struct, gc=False):
    prompt_tokens: Union[int, None] = None  # noqa: UP007
    completion_tokens: Union[int, None] = None  # noqa: UP007
    total_tokens: Union[int, None] = None  # noqa: UP007
    prompt_tokens_details: Union[PromptDetails, None] = None  # noqa: UP007
    completion_tokens_details: Union[CompletionDetails, None] = None  # noqa: UP007
    cost_in_usd_ticks: Union[int, None] = None  # noqa: UP007


class ChatBody(msgspec.Struct, gc=False):
    """Every field of a chat.completion that ``completion_from_chat`` reads, and no other.

    ``choices`` is None for a body of another shape (a Responses object, an image): such a page
    is read the loose way.
    """

    id: Any = None
    model: Any = None
    service_tier: Any = None
    # a tuple, not a list: the collector stops tracking a tuple of untracked structs
    choices: Union[tuple[ChatChoice, ...], None] = None  # noqa: UP007
    usage: Union[ChatUsage, None] = None  # noqa: UP007

    def as_dict(self) -> dict[str, Any]:
        """The body as the dicts ``completion_from_chat`` folds."""
        doc: dict[str, Any] = msgspec.to_builtins(self)
        return doc


class ChatResponse(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """``response``: a chat body wrapped in its endpoint key.

    A struct rather than a ``dict[str, ChatBody]``: a thousand small dicts a page are tracked by
    the garbage collector. Requests sent in the Responses shape are answered with chat bodies
    too, under ``responses``; any other endpoint key does not fit, and the page is read loosely.
    """

    chat_get_completion: Union[ChatBody, None] = None  # noqa: UP007
    responses: Union[ChatBody, None] = None  # noqa: UP007


class ResultOutcome(msgspec.Struct, gc=False):
    """``batch_result``: a response wrapped in its endpoint key, or an error in some shape."""

    response: Union[ChatResponse, None] = None  # noqa: UP007
    error: Any = None
    error_message: Any = None
    error_code: Any = None


class ResultItem(msgspec.Struct, gc=False):
    batch_request_id: Any = None
    batch_result: Union[ResultOutcome, None] = None  # noqa: UP007
    error: Any = None
    error_message: Any = None
    error_code: Any = None


class ResultsPageStruct(msgspec.Struct, gc=False):
    results: Union[list[ResultItem], None] = None  # noqa: UP007
    pagination_token: Union[str, None] = None  # noqa: UP007


#: raised for bytes that are not JSON and for JSON these structs do not fit
DecodeError = msgspec.DecodeError

_PAGE = msgspec.json.Decoder(ResultsPageStruct)


def decode_page(content: bytes) -> ResultsPageStruct:
    """The page's items with chat answers typed; ``DecodeError`` if the page does not fit."""
    return _PAGE.decode(content)
