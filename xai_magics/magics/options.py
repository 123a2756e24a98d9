"""Splitting a magic line into options and prompt, and naming the cell a turn belongs to.

``%grok -m grok-4.3 What's {topic}?`` must keep the prompt exactly as typed: shell-style
splitting would choke on the apostrophe and drop quotes. So options are read from the front of the
line, one word at a time, for as long as words look like options of the magic's parser; the rest
of the line, untouched, is the prompt. ``--`` ends the options explicitly (for a prompt that
starts with ``-``).
"""

from __future__ import annotations

import argparse
import hashlib
from typing import Any

__all__ = ["cell_key", "max_cost", "split_line"]

_QUOTES = "\"'"


def _read_word(line: str, pos: int) -> tuple[str, int]:
    """One shell-like word starting at ``pos``: quotes group and are removed."""
    out: list[str] = []
    quote: str | None = None
    while pos < len(line):
        ch = line[pos]
        if quote:
            if ch == quote:
                quote = None
            else:
                out.append(ch)
        elif ch in _QUOTES:
            quote = ch
        elif ch.isspace():
            break
        else:
            out.append(ch)
        pos += 1
    return "".join(out), pos


def _skip_space(line: str, pos: int) -> int:
    while pos < len(line) and line[pos].isspace():
        pos += 1
    return pos


def _takes_value(parser: argparse.ArgumentParser, option: str) -> bool:
    action = parser._option_string_actions.get(option)
    return action is not None and action.nargs != 0


def _value_optional(parser: argparse.ArgumentParser, option: str) -> bool:
    action = parser._option_string_actions.get(option)
    return action is not None and action.nargs == "?"


def split_line(line: str, parser: argparse.ArgumentParser) -> tuple[list[str], str]:
    """``(option words for parser.parse_args, the rest of the line verbatim)``."""
    argv: list[str] = []
    pos = _skip_space(line, 0)
    while pos < len(line) and line[pos] == "-":
        word, end = _read_word(line, pos)
        if word == "--":
            return argv, line[_skip_space(line, end) :]
        if word in ("-", "") or (len(word) > 1 and word[1].isdigit()):
            break  # "- item" or "-1 is ..." is prose, not an option
        argv.append(word)
        pos = _skip_space(line, end)
        if "=" not in word and _takes_value(parser, word) and pos < len(line):
            value, end = _read_word(line, pos)
            if _value_optional(parser, word) and value.startswith("-"):
                continue  # "--speak --tier priority": the next option, not a value
            argv.append(value)
            pos = _skip_space(line, end)
    return argv, line[pos:]


def cell_key(shell: Any, line: str, cell: str | None) -> str:
    """A stable name for the cell being run: JupyterLab's cell id, else a hash of its text.

    The id survives edits, so re-running an edited cell still replaces its own turn; front ends
    that send no id (nbclient, the terminal) fall back to the text.
    """
    from xai_magics.history.where import cell_id

    found = cell_id(shell)
    if found:
        return "cell:" + found
    digest = hashlib.sha256(f"{line}\n{cell or ''}".encode()).hexdigest()[:16]
    return "text:" + digest


def max_cost(text: str) -> float:
    """``--max-cost USD`` (``0.50`` or ``$0.50``): a positive amount, else a usage error."""
    try:
        usd = float(text.strip().lstrip("$"))
    except ValueError:
        usd = float("nan")
    if not usd > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive amount in USD, like 0.50")
    return usd
