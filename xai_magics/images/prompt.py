"""Pictures named in a prompt: ``{fig}`` becomes ``[image 1]`` in the text and an image part.

Used as the ``to_text`` of ``templates.interpolate``, so the interpolation rules stay in one place:
a value that is a picture (``sources.is_image_value``) is collected, anything else is text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xai_magics.images.formats import ImageError
from xai_magics.images.parts import Detail, ImagePart
from xai_magics.images.sources import is_image_value, load

__all__ = ["ImageError", "collect", "picture_text"]


def picture_text(
    found: list[ImagePart], text_of: Callable[[object], str]
) -> Callable[[object], str]:
    """A ``to_text`` that appends pictures to ``found`` and leaves ``[image N]`` in their place."""

    def to_text(value: object) -> str:
        if not is_image_value(value):
            return text_of(value)
        found.append(load(value))
        return f"[image {len(found)}]"

    return to_text


def collect(
    options: Sequence[str], interpolated: Sequence[ImagePart], detail: Detail | None
) -> tuple[ImagePart, ...]:
    """Interpolated pictures (so ``[image N]`` is the N-th part) then ``--image`` values."""
    parts = [*interpolated, *(load(o) for o in options)]
    return tuple(p.with_detail(detail) if detail else p for p in parts)
