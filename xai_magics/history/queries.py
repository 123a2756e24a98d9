"""Reading the history: calls listed and searched, one call whole, sums, and threads rebuilt.

Every query is one SQL statement over ``calls``; dates are the local calendar's, as the user
reads them (``--since 2026-05-01`` means from local midnight).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xai_magics.threads import Thread, Turn

if TYPE_CHECKING:
    from xai_magics.history.store import HistoryStore

__all__ = [
    "Call",
    "Filter",
    "Sums",
    "call",
    "calls",
    "parse_day",
    "sums_by",
    "thread_from_history",
    "thread_names",
]


def parse_day(text: str) -> float:
    """``YYYY-MM-DD`` (or an ISO date and time) as a Unix time, local midnight for a date."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-05-01") from None
    return when.timestamp()


@dataclass(frozen=True)
class Filter:
    """Which calls: all of them by default."""

    search: str | None = None
    notebook: str | None = None
    #: only calls made without a known notebook (terminal, nbclient) when True and no notebook
    without_notebook: bool = False
    since: float | None = None
    before: float | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.search:
            # instr() on lower(): a plain substring match, with no LIKE wildcards to escape.
            text = self.search.lower()
            clauses.append(
                "(instr(lower(prompt), ?) OR instr(lower(answer), ?) OR instr(lower(system), ?))"
            )
            params += [text, text, text]
        if self.notebook is not None:
            clauses.append("notebook = ?")
            params.append(self.notebook)
        elif self.without_notebook:
            clauses.append("notebook IS NULL")
        if self.since is not None:
            clauses.append("at >= ?")
            params.append(self.since)
        if self.before is not None:
            clauses.append("at < ?")
            params.append(self.before)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


@dataclass(frozen=True)
class Call:
    """One recorded call: the row of ``calls`` as named fields (``fields`` has them all)."""

    fields: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(float(self.fields["at"]))


def calls(store: HistoryStore, which: Filter = Filter(), limit: int | None = None) -> list[Call]:
    """The calls ``which`` selects, newest first."""
    where, params = which.where()
    sql = f"SELECT * FROM calls{where} ORDER BY at DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [Call(dict(row)) for row in store.query(sql, params)]


def call(store: HistoryStore, call_id: int) -> Call | None:
    rows = store.query("SELECT * FROM calls WHERE id = ?", (call_id,))
    return Call(dict(rows[0])) if rows else None


@dataclass(frozen=True)
class Sums:
    """What a group of calls (one model, or one day) added up to."""

    key: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float
    estimated_usd: float
    #: calls whose cost is not known (no usage came back and no price was known)
    unknown_cost: int


_GROUPS = {
    "model": "COALESCE(model, model_requested)",
    "day": "date(at, 'unixepoch', 'localtime')",
}


def sums_by(store: HistoryStore, group: str, which: Filter = Filter()) -> list[Sums]:
    """Sums by ``model`` (costliest first) or by ``day`` (oldest first)."""
    key = _GROUPS[group]
    where, params = which.where()
    order = "SUM(COALESCE(cost_usd, 0)) DESC" if group == "model" else "1"
    sql = (
        f"SELECT {key}, SUM(requests), SUM(input_tokens), SUM(cached_input_tokens), "
        "SUM(output_tokens), SUM(reasoning_tokens), SUM(COALESCE(cost_usd, 0)), "
        "SUM(CASE WHEN estimated THEN COALESCE(cost_usd, 0) ELSE 0 END), "
        f"SUM(cost_usd IS NULL AND outcome != 'error') FROM calls{where} "
        f"GROUP BY 1 ORDER BY {order}"
    )
    return [
        Sums(
            key=str(r[0]),
            requests=int(r[1]),
            input_tokens=int(r[2]),
            cached_input_tokens=int(r[3]),
            output_tokens=int(r[4]),
            reasoning_tokens=int(r[5]),
            cost_usd=float(r[6]),
            estimated_usd=float(r[7]),
            unknown_cost=int(r[8]),
        )
        for r in store.query(sql, params)
    ]


_SINCE_MARK = (
    "at > COALESCE((SELECT MAX(m.at) FROM thread_marks m "
    "WHERE m.notebook IS calls.notebook AND m.thread = calls.thread), 0)"
)


def thread_names(store: HistoryStore, notebook: str | None) -> list[str]:
    """This notebook's threads with turns since they last started over, oldest first."""
    rows = store.query(
        f"SELECT thread FROM calls WHERE notebook IS ? AND thread IS NOT NULL "
        f"AND outcome = 'ok' AND {_SINCE_MARK} GROUP BY thread ORDER BY MIN(at)",
        (notebook,),
    )
    return [str(row[0]) for row in rows]


def thread_from_history(store: HistoryStore, notebook: str | None, name: str) -> Thread | None:
    """The thread ``name`` of this notebook as its recorded turns leave it, or None.

    The turns are replayed in order through ``Thread.record``, so a re-run cell replaced its
    turn (and dropped the ones after it) here just as it did in the kernel that recorded it.
    """
    rows = store.query(
        "SELECT turn_key, prompt, answer, response_id, model, kind, system, input_tokens, "
        "output_tokens, cost_usd FROM calls WHERE notebook IS ? AND thread = ? "
        f"AND outcome = 'ok' AND {_SINCE_MARK} ORDER BY at, id",
        (notebook, name),
    )
    if not rows:
        return None
    thread = Thread(name, system=rows[0]["system"])
    for row in rows:
        thread.record(
            Turn(
                key=str(row["turn_key"] or ""),
                prompt=str(row["prompt"]),
                answer=str(row["answer"]),
                response_id=row["response_id"],
                model=row["model"],
                endpoint=str(row["kind"]),
                context_tokens=int(row["input_tokens"]) + int(row["output_tokens"]),
                cost_usd=row["cost_usd"],
            )
        )
    return thread
