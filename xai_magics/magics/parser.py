"""The argument parser every magic uses: a mistyped option is answered with the one meant.

IPython's parser answers ``--temprature 0.5`` with ``unrecognized arguments: --temprature 0.5``
and accepts ``--max-token`` as an abbreviation in some magics but not others (``%grok`` reads its
options word by word, so an abbreviation swallows the prompt). Here abbreviations are off in every
magic, and an unknown option gets one line naming the closest option of that magic, or the magic
it belongs to (issue 12): ``%grok: no option --temprature; did you mean --temperature?``.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

__all__ = ["MagicParser", "adopt", "unknown_option"]

# Every magic's parser by magic name, so an option of another magic can be named as such.
_PARSERS: dict[str, argparse.ArgumentParser] = {}


class MagicParser(MagicArgumentParser):
    """IPython's magic parser, answering an unknown option with the closest known one."""

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> argparse.Namespace:
        unknown = self._first_unknown(list(args or []))
        if unknown:  # before argparse, whose "arguments are required" would hide the typo
            raise UsageError(unknown_option(self.prog, [unknown]))
        parsed: argparse.Namespace
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            raise UsageError(unknown_option(self.prog, extras))
        return parsed

    def _first_unknown(self, words: list[str]) -> str | None:
        """The first word that looks like an option this magic lacks (values are skipped)."""
        known = self._option_string_actions
        skip_value = False
        for word in words:
            if word == "--":
                return None
            if skip_value:
                skip_value = False
                continue
            name = word.split("=", 1)[0]
            attached = not name.startswith("--") and name[:2] in known  # -n2
            if _is_option(word) and name not in known and not attached:
                return word
            action = known.get(name)
            skip_value = action is not None and action.nargs != 0 and "=" not in word
        return None


def adopt(parser: argparse.ArgumentParser) -> MagicParser:
    """Turn the parser IPython built for a magic into a ``MagicParser`` and remember it.

    IPython's decorator builds the parser (and the ``%magic?`` help from it); the subclass adds
    methods only, so switching the class of the built parser keeps everything it holds.
    """
    parser.__class__ = MagicParser
    parser.allow_abbrev = False
    _PARSERS[parser.prog] = parser
    assert isinstance(parser, MagicParser)
    return parser


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings]


def _is_option(word: str) -> bool:
    if not word.startswith("-") or word == "-":
        return False
    try:
        float(word)
    except ValueError:
        return True
    return False  # a negative number is a value, not an option


def unknown_option(magic: str, extras: Sequence[str]) -> str:
    """One line for words the parser of ``magic`` did not take: which option was meant.

    Only the option's name is echoed, never its value (``--api-key=...`` must not show).
    """
    options = [w.split("=", 1)[0] for w in extras if _is_option(w)]
    if not options:
        return f"%{magic}: unexpected {' '.join(extras)!r}; %{magic}? shows the usage."
    word = options[0]
    own = _options(_PARSERS[magic]) if magic in _PARSERS else []
    elsewhere = sorted(name for name, p in _PARSERS.items() if word in _options(p))
    if elsewhere:  # typed whole, so meant for that magic, however close one of ours looks
        owner = " and ".join(f"%{name}" for name in elsewhere)
        return f"%{magic} has no option {word} (that is {owner}); %{magic}? lists its options."
    close = difflib.get_close_matches(word, own, n=1)
    if close:
        return f"%{magic}: no option {word}; did you mean {close[0]}?"
    return f"%{magic}: no option {word}; %{magic}? lists the options."
