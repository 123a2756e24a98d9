"""Typed wrappers for the parts of IPython's magic API that carry no annotations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from IPython.core import magic_arguments as _ma

from xai_magics.magics.parser import adopt

F = TypeVar("F", bound=Callable[..., Any])


def magic_arguments() -> Callable[[F], F]:
    """``IPython.core.magic_arguments.magic_arguments``: builds the parser and the help text.

    The parser becomes a ``MagicParser``, so every magic answers a mistyped option alike.
    """
    build: Callable[[F], F] = _ma.magic_arguments()  # type: ignore[no-untyped-call]

    def decorator(func: F) -> F:
        built = build(func)
        adopt(built.parser)  # type: ignore[attr-defined]
        return built

    return decorator


def argument(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``IPython.core.magic_arguments.argument``: one option of the magic."""
    decorator: Callable[[F], F] = _ma.argument(*args, **kwargs)  # type: ignore[no-untyped-call]
    return decorator


def parse_argstring(magic: Callable[..., Any], line: str) -> Any:
    return _ma.parse_argstring(magic, line)  # type: ignore[no-untyped-call]
