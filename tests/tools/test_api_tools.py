"""Tools from plain Python (``Grok.ask``/``Grok.stream``) against the emulator: functions given
as a list, search given as text, tool activity heard as it happens, an interrupt inside a tool
kept as a stopped answer, and a bad search kind refused before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from xai_magics import Grok
from xai_magics.api import PromptRefused
from xai_magics.client import ToolActivity

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.mark.parametrize("stream", [True, False])
def test_functions_as_a_list_and_activity_heard_in_order(
    api_env: dict[str, str], emu: Emulator, stream: bool
) -> None:
    heard: list[ToolActivity] = []
    grok = Grok()
    result = grok.ask(
        "Please call get_weather", stream=stream, tools=[get_weather], on_tool=heard.append
    )
    assert result.status == "completed"
    (done,) = result.tool_results
    assert done.name == "get_weather"
    assert done.output.startswith("sunny in ")
    assert [e.line for e in heard] == [f"calling get_weather({done.arguments})", done.line]
    assert result.receipt is not None
    assert len([r for r in emu.control.log() if r["path"] == "/v1/responses"]) == 2
    # the receipt is the cell's: both requests' tokens
    assert result.receipt.input_tokens == result.usage.input_tokens > 0
    grok.close()


def test_search_as_text_and_a_bad_kind_refused(api_env: dict[str, str], emu: Emulator) -> None:
    grok = Grok()
    result = grok.ask("Ruby news", search="web,x")
    assert [c.kind for c in result.server_tools] == ["web_search", "x_search"]
    assert len(result.sources) == 2
    with pytest.raises(PromptRefused, match="expected web, x or web,x"):
        grok.ask("Ruby news", search="web,moon")
    assert len([r for r in emu.control.log() if r["path"] == "/v1/responses"]) == 1
    grok.close()


def test_an_interrupt_inside_a_tool_keeps_a_stopped_answer(
    api_env: dict[str, str], emu: Emulator
) -> None:
    def stuck(city: str) -> str:
        """Never returns."""
        raise KeyboardInterrupt

    grok = Grok()
    answer = grok.stream("Please call stuck", tools=[stuck])
    with pytest.raises(KeyboardInterrupt):
        for _ in answer:
            pass
    answer.stop()
    result = answer.result()
    assert result.status == "stopped"
    assert len([r for r in emu.control.log() if r["path"] == "/v1/responses"]) == 1
    grok.close()


def test_terminal_ipython_prints_tool_steps_and_numbered_sources(
    api_env: dict[str, str], emu: Emulator
) -> None:
    import os
    import subprocess
    import sys

    magic = "get_ipython().run_line_magic"
    script = (
        f"{magic}('load_ext', 'xai_magics')\n"
        "def get_weather(city: str) -> str:\n"
        "    return 'sunny in ' + city\n"
        f"{magic}('grok', '--tools get_weather -- Please call get_weather')\n"
        f"{magic}('grok', '--search web -- Ruby news emulator:source=javascript:x')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", script],
        capture_output=True, text=True, timeout=90, env={**os.environ, **api_env}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '[calling get_weather({"city":' in done.stdout
    assert "-> sunny in " in done.stdout
    assert "[searching the web: Ruby news]" in done.stdout
    assert "Sources:\n[1] javascript:x\n[2] https://docs.example.org/" in done.stdout
    assert "1 web search ($0.005000) · 2 sources" in done.stdout
    assert "<" not in done.stdout  # no HTML in a terminal


def test_a_dry_run_shows_the_tools_and_their_price_and_sends_nothing(
    api_env: dict[str, str], emu: Emulator
) -> None:
    grok = Grok()
    dry = grok.dry_run("Weather and news?", search="x", code=True, tools=[get_weather])
    assert [t["type"] for t in dry.body["tools"]] == ["x_search", "code_interpreter", "function"]
    assert dry.body["tools"][2]["name"] == "get_weather"
    assert "plus $0.005 per server-side search or code call" in dry.estimate
    plain = grok.dry_run("Weather?", tools=[get_weather])
    assert "server-side" not in plain.estimate  # local functions cost only their tokens
    assert emu.control.log() == []
    grok.close()
