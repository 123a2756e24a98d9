"""Images in and out: picture sources become request parts; ``%grok_image`` makes new ones.

Error tree::

    ValueError
    └── ImageError          the image was not used; the message says why and what to do

Modules: ``formats`` (what the bytes are), ``sources`` (notebook objects -> bytes),
``parts`` (bytes -> the request's image parts, and short placeholders for them),
``generate`` (``/v1/images/generations`` and ``/v1/images/edits``).
"""

from __future__ import annotations

from xai_magics.images.formats import ImageError, sniff
from xai_magics.images.parts import (
    Detail,
    ImagePart,
    as_part,
    placeholder_of_url,
    user_content,
    with_placeholders,
)
from xai_magics.images.sources import is_image_value, load

__all__ = [
    "Detail",
    "ImageError",
    "ImagePart",
    "as_part",
    "is_image_value",
    "load",
    "placeholder_of_url",
    "sniff",
    "user_content",
    "with_placeholders",
]
