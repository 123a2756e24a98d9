"""Tab in a ``%grok`` line: the magic's options and their values, asked of a real kernel."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import pytest

from tests.kernels import Kernel
from xai_magics.magics.completion import complete_options, magic_line

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


@pytest.fixture(scope="module")
def namespace(kernel: Kernel) -> Kernel:
    kernel.ok(
        "import pandas as pd, pydantic\n"
        "reviews = pd.DataFrame({'text': ['fine'], 'stars': [5], 'review date': ['x']})\n"
        "ratings = [1, 2]\n"
        "class Review(pydantic.BaseModel):\n"
        "    stars: int\n"
        "Rating = int\n"
    )
    return kernel


def test_options_come_from_the_magic_not_python(namespace: Kernel) -> None:
    matches, replaced = namespace.complete("%%grok --t")
    assert matches == ["--temperature", "--thread", "--tier", "--tools"]
    assert replaced == "--t"
    matches, _ = namespace.complete("%%grok -")
    assert "--model" in matches
    assert "--dry-run" in matches
    assert all(m.startswith("--") for m in matches)
    assert "abs" not in matches
    assert namespace.complete("%grok_usage --c") == (["--calls", "--clear"], "--c")
    assert "-abs" not in matches


def test_an_option_already_given_is_not_offered_again(namespace: Kernel) -> None:
    matches, _ = namespace.complete("%%grok --tier priority -m grok-4.3 --")
    assert "--tier" not in matches
    assert "--model" not in matches
    assert "--thread" in matches


def test_fixed_choices_and_model_names(namespace: Kernel) -> None:
    assert namespace.complete("%%grok --tier p") == (["priority"], "p")
    assert namespace.complete("%%grok -f j") == (["json"], "j")
    assert namespace.complete("%%grok --api=c") == (["chat"], "c")
    matches, replaced = namespace.complete("%%grok -m grok-4.")
    assert "grok-4.3" in matches
    assert replaced == "grok-4."
    assert all(m.startswith("grok-4.") for m in matches)
    # the one-line form completes the same way, until the prompt begins
    assert "grok-4.3" in namespace.complete("%grok -m grok-4.")[0]


def test_compare_completes_after_the_last_comma_and_the_tier_after_at(namespace: Kernel) -> None:
    matches, replaced = namespace.complete("%%grok --compare grok-4.3,grok-3")
    assert matches == ["grok-3-mini"]
    assert replaced == "grok-3"
    assert namespace.complete("%%grok --compare grok-4.3,grok-3-mini@p") == (["priority"], "p")
    matches, _ = namespace.complete("%%grok --compare grok-4.3,")
    assert "grok-4.3" not in matches
    assert "grok-3-mini" in matches


def test_names_from_the_namespace(namespace: Kernel) -> None:
    assert namespace.complete("%%grok --schema R") == (["Review"], "R")
    assert namespace.complete("%grok_batch r") == (["reviews"], "r")
    assert namespace.complete("%grok_batch reviews --schema ") == (["Review"], "")
    assert namespace.complete("%grok_batch reviews --pro") == (["--prompt"], "--pro")


def test_batch_template_fields_complete_to_the_frames_columns(namespace: Kernel) -> None:
    line = '%grok_batch reviews --prompt "Rate {te'
    assert namespace.complete(line) == (["text"], "te")
    # {[label]} is for labels that are not identifiers; {{ sends a brace, not a field
    assert namespace.complete('%grok_batch reviews -p "On {[rev') == (["review date"], "rev")
    assert "review date" not in namespace.complete('%grok_batch reviews -p "On {')[0]
    assert "text" not in namespace.complete('%grok_batch reviews -p "Literal {{te')[0]
    assert "text" not in namespace.complete('%grok_batch ratings -p "{te')[0]  # not a frame


def test_voices_and_audio_options(namespace: Kernel) -> None:
    assert namespace.complete("%grok_tts --voice r") == (["rex"], "r")
    assert namespace.complete("%%grok --speak ")[0] == ["ara", "eve", "leo", "rex", "sal"]
    assert namespace.complete("%%grok --speak --ti") == (["--tier"], "--ti")
    assert "mp3" in namespace.complete("%%grok_tts --codec ")[0]


def test_threads_and_fetched_models_appear_once_known(grok_kernel: Kernel, emu: Emulator) -> None:
    assert "tides" not in grok_kernel.complete("%%grok --thread tid")[0]
    grok_kernel.ok("%%grok --thread tides -o _\nWhy are there two tides a day?")
    assert grok_kernel.complete("%%grok --thread ti") == (["tides"], "ti")
    assert grok_kernel.complete("%grok_thread ti") == (["tides"], "ti")
    assert "grok-4.3-latest" not in grok_kernel.complete("%%grok -m grok-4.3-")[0]
    grok_kernel.ok("%grok_models")
    assert "grok-4.3-latest" in grok_kernel.complete("%%grok -m grok-4.3-")[0]


def test_the_prompt_is_left_to_python(namespace: Kernel) -> None:
    # below a %%grok line is the prompt: ordinary completion (names for {var} and the like)
    assert "--tier" not in namespace.complete("%%grok\n--ti")[0]
    assert "ratings" in namespace.complete("%%grok\nSummarise {rat")[0]
    # after the first word of a one-line prompt, options are over
    assert "--tier" not in namespace.complete("%grok Explain tides --ti")[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("-m", "--model")
    parser.add_argument("--tier", choices=["default", "priority"])
    parser.add_argument("--raw", action="store_true")
    parser.add_argument("--system")
    return parser


def _models(magic: str, dest: str) -> list[str]:
    return ["grok-4.3", "grok-3-mini"] if dest == "model" else []


@pytest.mark.parametrize(
    "args",
    [
        ' --system "unfinished',  # inside quotes
        ' --system "a b',
        " -- --ti",  # after --, nothing is an option
        "x --ti",  # not this magic: %grokx
        " What is --ti",  # the prompt has begun
    ],
)
def test_no_completion_where_none_fits(args: str) -> None:
    assert complete_options("grok", _parser(), args, _models) is None


def test_a_flag_takes_no_value_and_a_value_ends_the_option() -> None:
    found = complete_options("grok", _parser(), " --raw g", _models)
    assert found is None  # after a flag, "g" starts the prompt
    found = complete_options("grok", _parser(), " -m grok-4.3 --t", _models)
    assert found is not None
    assert found.texts == ["--tier"]


def test_cell_magic_only_on_the_first_line() -> None:
    assert magic_line("%%grok -m g", 0) == ("grok", " -m g")
    assert magic_line("%%grok -m g", 2) is None
    assert magic_line("  %%grok -m g", 0) is None
    assert magic_line("answer = %grok -m g", 3) == ("grok", " -m g")
    assert magic_line("%grokking", 0) is None


def test_tools_offers_the_namespace_functions_and_search_its_kinds(namespace: Kernel) -> None:
    namespace.ok("def get_weather(city: str) -> str: ...\ndef get_time() -> str: ...\nget_x = 3")
    assert namespace.complete("%%grok --tools get_") == (["get_time", "get_weather"], "get_")
    # after a comma: the next name, not one already given, and never a non-function
    assert namespace.complete("%%grok --tools get_weather,get") == (["get_time"], "get")
    assert "Review" not in namespace.complete("%%grok --tools Rev")[0]  # a class, not a tool
    assert namespace.complete("%%grok --search web,") == (["x"], "")
