"""Help for "Ask Grok about this error": what the kernel may tell the prompt about a failure."""

from __future__ import annotations

from xai_magics.errorhelp.context import describe_in_kernel, describe_names

__all__ = ["describe_in_kernel", "describe_names"]
