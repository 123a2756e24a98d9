"""What makes two submissions the same batch: rows used, template, model and request options.

Only the columns the template uses count, so adding an unrelated column to the frame does not
change the batch. The parts are kept apart (not only their hash) so that a refused re-attach can
say *what* changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Fingerprint:
    """The identity of a batch's content."""

    n_rows: int
    data_digest: str
    template: str
    model: str
    options: str  # canonical JSON of system prompt, max tokens, temperature, schema

    @property
    def digest(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def request_id_prefix(self) -> str:
        """Request ids are ``<12 hex of the digest>-<row position>``: readable and collision-free
        within a batch, and the row is recoverable from the id alone."""
        return self.digest[:12] + "-"

    def changes_from(self, before: Fingerprint) -> list[str]:
        """Human-readable differences, e.g. ``["rows: 1,000 then, 1,200 now"]``."""
        changes: list[str] = []
        if self.n_rows != before.n_rows:
            changes.append(f"rows: {before.n_rows:,} then, {self.n_rows:,} now")
        elif self.data_digest != before.data_digest and self.template == before.template:
            # the digest covers rendered prompts, so a template change alone changes it too
            changes.append("cell values in the template's columns changed (same row count)")
        if self.template != before.template:
            changes.append(f"prompt template: {before.template!r} then, {self.template!r} now")
        if self.model != before.model:
            changes.append(f"model: {before.model} then, {self.model} now")
        if self.options != before.options:
            changes.append(f"options: {before.options} then, {self.options} now")
        return changes


def canonical_options(**options: Any) -> str:
    """Stable JSON for request options (None values dropped)."""
    kept = {key: value for key, value in options.items() if value is not None}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
