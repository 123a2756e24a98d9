"""How a batch dry run reads: the summary, then one request pretty-printed, then the others'
prompts only (the rest of each request is the same, so it is not shown again).

A request line as sent is compact JSON on one line; printed as is, a notebook wraps it
mid-word. Here the first request is indented JSON (the same object, byte for byte once
re-compacted), and the HTML form keeps every line whole unless a single string is longer than
the output is wide. Prompts are the user's data: escaped, and kept from the typesetter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from xai_magics.render import NO_TEX_CLASSES, escape

FIRST = "The first request, as it would be added to the batch:"
OTHERS = "The next ones differ only in their id and prompt:"
_PRE = "margin:0.6em 0 0;white-space:pre-wrap;word-break:normal;overflow-wrap:break-word;tab-size:2"


def dry_run_blocks(
    summary: str, requests: Sequence[str], samples: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(heading, body) blocks of plain text: the summary, the first request, the other prompts.

    ``requests`` are the sample lines exactly as they would be sent; ``samples`` the row each
    came from ("row 1 (index 102)") and its prompt, in the same order.
    """
    blocks = [("", summary)]
    if not requests:
        return blocks
    first = json.loads(requests[0])
    blocks.append((FIRST, json.dumps(first, indent=2, ensure_ascii=False)))
    others = [
        f"  {row}, id {json.loads(line)['batch_request_id']}: {prompt}"
        for line, (row, prompt) in zip(requests[1:], samples[1:], strict=True)
    ]
    if others:
        blocks.append((OTHERS, "\n".join(others)))
    return blocks


def dry_run_text(blocks: Sequence[tuple[str, str]]) -> str:
    return "\n\n".join(f"{head}\n{body}" if head else body for head, body in blocks)


def dry_run_html(blocks: Sequence[tuple[str, str]]) -> str:
    parts = []
    for head, body in blocks:
        if head:
            parts.append(f'<div style="margin-top:0.8em">{escape(head)}</div>')
        parts.append(f'<pre style="{_PRE}">{escape(body)}</pre>')
    return f'<div class="{NO_TEX_CLASSES} xai-batch-dry-run">{"".join(parts)}</div>'
