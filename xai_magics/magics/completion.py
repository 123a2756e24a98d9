"""Tab completion for the options of the ``%grok`` magics and for their values.

Left to itself, IPython completes a magic's line as Python: ``%%grok -`` offers builtins and
``--tier p`` offers magics that start with p. Here the options come from each magic's own parser
and the values from what the session knows without asking the API: model names (the published
list and any fetched by ``%grok_models``), thread names (this notebook's history included),
deferred request ids, pydantic models and DataFrames in the namespace, voices, and each option's
fixed choices. Completing never sends a request.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Completions",
    "complete_options",
    "image_column",
    "image_files",
    "install",
    "magic_line",
    "template_columns",
]

#: the magics whose lines are completed, and whether free text (the prompt) follows the options
_FREE_TEXT = {
    "grok": True,
    "grok_tts": True,
    "grok_batch": False,
    "grok_eval": False,
    "grok_image": True,
    "grok_thread": False,
    "grok_usage": False,
    "grok_history": False,
    "grok_deferred": False,
    "grok_replay": False,
}
_MAGIC = re.compile(
    r"^(?P<indent>\s*)(?:[A-Za-z_][\w.]*\s*=\s*)?(?P<escape>%%?)(?P<name>"
    + "|".join(sorted(_FREE_TEXT, key=len, reverse=True))
    + r")(?=\s|$)"
)
_REASONING_EFFORTS = ("none", "low", "medium", "high")
_TIERS = ("default", "priority")
#: options whose value is a comma-separated list of names
_COMMA_LISTS = frozenset({"tools", "search", "prompts"})

#: ``(magic, option dest)`` -> the values known for it
ValueSource = Callable[[str, str], Iterable[str]]
#: a DataFrame's name in the namespace -> its column labels (empty when there is no such frame)
ColumnSource = Callable[[str], list[str]]

# In a %grok_batch template being typed: --prompt "... {col   or   --prompt '... {[col label
_OPEN_TEMPLATE = re.compile(
    r"""(?:^|\s)(?:--prompt|-p)(?:=|\s+)(?:"(?P<double>[^"]*)|'(?P<single>[^']*))$"""
)
_OPEN_FIELD = re.compile(r"(?<!\{)\{(?P<bracket>\[?)(?P<typed>[^{}\[\]]*)$")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Completions:
    """What replaces ``fragment`` (the text just before the cursor), and what it is."""

    fragment: str
    texts: list[str]
    kind: str  # "option" or "value"


def magic_line(text_until_cursor: str, cursor_line: int) -> tuple[str, str] | None:
    """``(magic name, its arguments up to the cursor)`` on a line that calls one of ours.

    A cell magic counts only on the cell's first line: the lines below it are the prompt.
    """
    match = _MAGIC.match(text_until_cursor)
    if match is None:
        return None
    if match.group("escape") == "%%" and (cursor_line != 0 or match.group("indent")):
        return None
    return match.group("name"), text_until_cursor[match.end() :]


def template_columns(args: str, columns: ColumnSource) -> Completions | None:
    """Column names for a ``{field`` being typed in ``%grok_batch FRAME --prompt "..."``.

    ``{name`` offers the columns whose labels are identifiers, ``{[label`` every column; an
    escaped ``{{`` offers nothing. The frame is the line's first word that is not an option.
    """
    opened = _OPEN_TEMPLATE.search(args)
    if opened is None:
        return None
    field = _OPEN_FIELD.search(opened.group("double") or opened.group("single") or "")
    if field is None:
        return None
    head = args[: opened.start()].split()
    frame = next((word for word in head if not word.startswith("-")), None)
    if frame is None:
        return None
    typed = field.group("typed")
    labels = columns(frame)
    if not field.group("bracket"):
        labels = [label for label in labels if _IDENTIFIER.fullmatch(label)]
    found = [label for label in labels if label.startswith(typed)]
    return Completions(typed, found, "value") if found else None


_OPEN_IMAGE_COLUMN = re.compile(r"(?:^|\s)--image-column(?:=|\s+)(?P<typed>[^\s\"']*)$")


def image_column(args: str, columns: ColumnSource) -> Completions | None:
    """Column names for ``%grok_batch FRAME ... --image-column COL`` (the frame's own columns)."""
    opened = _OPEN_IMAGE_COLUMN.search(args)
    if opened is None:
        return None
    frame = next((w for w in args[: opened.start()].split() if not w.startswith("-")), None)
    if frame is None:
        return None
    typed = opened.group("typed")
    found = [label for label in columns(frame) if label.startswith(typed) and " " not in label]
    return Completions(typed, found, "value") if found else None


def image_files(typed: str, limit: int = 200) -> list[str]:
    """Image files (and folders, ending in ``/``) whose path starts with ``typed``."""
    import os

    from xai_magics.images.sources import IMAGE_SUFFIXES

    folder, sep, start = typed.rpartition("/")
    where = os.path.expanduser(folder + sep) if sep else "."
    try:
        entries = sorted(os.scandir(where), key=lambda e: e.name)
    except OSError:
        return []
    prefix = folder + sep
    found: list[str] = []
    for entry in entries:
        if not entry.name.startswith(start) or entry.name.startswith("."):
            continue
        if entry.is_dir():
            found.append(prefix + entry.name + "/")
        elif entry.name.lower().endswith(IMAGE_SUFFIXES):
            found.append(prefix + entry.name)
        if len(found) >= limit:
            break
    return found


def complete_options(
    magic: str, parser: argparse.ArgumentParser, args: str, values: ValueSource
) -> Completions | None:
    """Options or option values for the cursor at the end of ``args``; None where neither fits
    (inside quotes, in the prompt of a one-line ``%grok``, after ``--``)."""
    if args and not args[0].isspace():
        return None  # "%grokx": not our magic's arguments at all
    current = re.split(r"\s", args)[-1]
    if "'" in current or '"' in current:
        return None
    try:
        words = shlex.split(args[: len(args) - len(current)])
    except ValueError:
        return None  # inside a quoted value
    by_flag = {flag: action for action in parser._actions for flag in action.option_strings}
    used: set[str] = set()
    expecting: argparse.Action | None = None
    positionals_taken = 0
    for word in words:
        if word == "--":
            return None
        if expecting is not None and not (expecting.nargs == "?" and word.startswith("-")):
            expecting = None
            continue
        expecting = None
        flag = word.split("=", 1)[0]
        action = by_flag.get(flag)
        if action is not None:
            used.update(action.option_strings)
            if action.nargs != 0 and "=" not in word:
                expecting = action
            continue
        if word.startswith("-"):
            continue  # an unknown option: the magic will say so when run
        if _FREE_TEXT[magic]:
            return None  # the prompt has begun: the rest of the line is free text
        positionals_taken += 1

    if current.startswith("--") and "=" in current:
        flag, _, value = current.partition("=")
        action = by_flag.get(flag)
        if action is None or action.nargs == 0:
            return None
        return _values(magic, action, value, values)
    if expecting is not None and not (expecting.nargs == "?" and current.startswith("-")):
        return _values(magic, expecting, current, values)
    if current.startswith("-"):
        flags = [
            flag
            for action in parser._actions
            if not set(action.option_strings) & used and action.dest != "help"
            for flag in action.option_strings
            if flag.startswith(current)
        ]
        # "-" alone offers the long spellings: the short ones are a subset with less to read.
        if current == "-":
            flags = [flag for flag in flags if flag.startswith("--")]
        return Completions(current, sorted(flags), "option")
    positionals = [a for a in parser._actions if not a.option_strings]
    if positionals_taken < len(positionals):
        return _values(magic, positionals[positionals_taken], current, values)
    return None


def _values(
    magic: str, action: argparse.Action, typed: str, values: ValueSource
) -> Completions | None:
    if action.dest in ("compare", "models"):
        # grok-4.3,grok-3-mini@priority: complete the part after the last comma (or the "@").
        head, _, last = typed.rpartition(",")
        model, at, tier = last.partition("@")
        if at:
            return Completions(tier, [t for t in _TIERS if t.startswith(tier)], "value")
        taken = set(head.split(",")) if head else set()
        models = [m for m in values(magic, "model") if m not in taken]
        return Completions(model, [m for m in models if m.startswith(model)], "value")
    if action.dest in _COMMA_LISTS:
        # --tools f,g / --search web,x: complete the part after the last comma, once each
        head, _, last = typed.rpartition(",")
        taken = set(head.split(",")) if head else set()
        names = sorted({n for n in values(magic, action.dest) if n not in taken})
        found = [n for n in names if n.startswith(last)]
        return Completions(last, found, "value") if found else None
    if action.dest in ("image", "edit"):
        files = image_files(typed)  # paths as typed so far, folders to descend into
        return Completions(typed, files, "value") if files else None
    if action.choices is not None:
        options: Iterable[str] = (str(c) for c in action.choices)
    elif action.dest == "reasoning_effort":
        options = _REASONING_EFFORTS
    else:
        options = values(magic, action.dest)
    found = sorted({o for o in options if o.startswith(typed)})
    return Completions(typed, found, "value") if found else None


class SessionValues:
    """Values the session holds, read at completion time (no request is ever made)."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def __call__(self, magic: str, dest: str) -> Iterable[str]:
        if dest == "model" and magic == "grok_image":
            from xai_magics.images.generate import IMAGE_MODELS

            return IMAGE_MODELS
        if dest == "model":
            return self._models()
        if dest in ("thread", "name") and magic in ("grok", "grok_thread"):
            return self._threads()
        if dest == "schema":
            return self._names(_is_pydantic_model)
        if dest in ("tools", "grader"):
            return self._names(_is_function) if dest == "tools" else self._graders()
        if dest == "prompts":
            return self._names(_is_template)
        if dest == "search":
            from xai_magics.tools import SEARCH_KINDS

            return list(SEARCH_KINDS)
        if dest == "frame":
            return self._names(_is_dataframe)
        if dest in ("speak", "voice"):
            from xai_magics.speech import VOICES

            return VOICES
        if dest == "codec":
            from xai_magics.audio import CODECS

            return CODECS
        if dest == "sample_rate":
            from xai_magics.audio import SAMPLE_RATES

            return [str(rate) for rate in SAMPLE_RATES]
        if dest == "request" and magic == "grok_deferred":
            deferred = self._magics("DeferredMagics")
            return deferred.known_requests() if deferred is not None else ()
        if dest == "path" and magic == "grok_replay":
            from xai_magics.replay.location import SUFFIX

            return sorted(str(p) for p in Path().glob("*" + SUFFIX))
        if dest in ("attach", "cancel", "retry_failed"):
            batch = self._magics("BatchMagics")
            return batch.known_jobs() if batch is not None else ()
        return ()

    def columns(self, frame: str) -> list[str]:
        """The column labels of the DataFrame called ``frame`` (pandas, polars, pyarrow)."""
        value = self.shell.user_ns.get(frame)
        if value is None or not _is_dataframe(value):  # eager frames only: nothing is collected
            return []
        from xai_magics.batch.frame import FrameSource

        return FrameSource.of(value).columns  # the labels the batch template is checked against

    def _graders(self) -> list[str]:
        """``--grader`` specs: the fixed ones, then ``python:`` with each function."""
        fixed = ["exact", "contains", "number", "regex:", "json:", "judge", "judge:"]
        return fixed + [f"python:{name}" for name in self._names(_is_function)]

    def _magics(self, name: str) -> Any:
        return self.shell.magics_manager.registry.get(name)

    def _models(self) -> list[str]:
        grok = self._magics("GrokMagics")
        if grok is None:
            from xai_magics.usage import PUBLISHED_PRICES

            return list(PUBLISHED_PRICES)
        return list(grok.session.known_models())

    def _threads(self) -> list[str]:
        """This session's threads, then this notebook's from the history (earlier kernels)."""
        grok = self._magics("GrokMagics")
        if grok is None:
            return []
        from xai_magics.history.hooks import stored_thread_names

        return list(dict.fromkeys([*grok.session.threads.names(), *stored_thread_names()]))

    def _names(self, keep: Callable[[object], bool]) -> list[str]:
        hidden = self.shell.user_ns_hidden
        return [
            name
            for name, value in list(self.shell.user_ns.items())
            if not name.startswith("_") and name not in hidden and keep(value)
        ]


def _is_pydantic_model(value: object) -> bool:
    from xai_magics.request import is_model_class

    # BaseModel itself passes the check but is no schema anyone means
    return is_model_class(value) and getattr(value, "__module__", "") != "pydantic.main"


def _is_function(value: object) -> bool:
    import inspect

    return inspect.isfunction(value) or inspect.ismethod(value)


def _is_template(value: object) -> bool:
    """A string with a ``{field}``: what ``%grok_eval --prompts`` names."""
    return isinstance(value, str) and "{" in value and "}" in value


def _is_dataframe(value: object) -> bool:
    cls = type(value)
    return cls.__module__.split(".", 1)[0] in ("pandas", "polars", "pyarrow") and (
        cls.__name__ in ("DataFrame", "Table")
    )


def install(shell: Any) -> None:
    """Add the matcher to the shell's completer once, also across ``%reload_ext``."""
    completer = getattr(shell, "Completer", None)
    if completer is None:
        return
    from IPython.core.completer import SimpleCompletion, context_matcher

    values = SessionValues(shell)

    @context_matcher(identifier="xai_magics.options", priority=100)  # type: ignore[untyped-decorator]
    def xai_magics_options(context: Any) -> Any:
        located = magic_line(context.text_until_cursor, context.cursor_line)
        if located is None:
            return {"completions": []}
        magic, args = located
        method = shell.find_magic(magic) or shell.find_magic(magic, "cell")
        parser = getattr(method, "parser", None)
        if parser is None:
            return {"completions": []}
        found = None
        if magic == "grok_batch":
            found = template_columns(args, values.columns) or image_column(args, values.columns)
        found = found or complete_options(magic, parser, args, values)
        if found is None or not found.texts:
            return {"completions": []}
        kind = "param" if found.kind == "option" else "value"
        return {
            "completions": [SimpleCompletion(text, type=kind) for text in found.texts],
            "matched_fragment": found.fragment,
            "suppress": True,  # Python names are noise in an option list
        }

    matchers = completer.custom_matchers
    matchers[:] = [
        m for m in matchers if getattr(m, "matcher_identifier", "") != "xai_magics.options"
    ]
    matchers.append(xai_magics_options)
