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
