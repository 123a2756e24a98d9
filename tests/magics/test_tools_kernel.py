"""``%%grok --search``, ``--code`` and ``--tools`` in a real kernel against the emulator: the
request carries the tools, the live view shows what they do, sources are numbered and linked
only when safe, the receipt counts and prices the calls, and the caller's functions run in a
loop (parallel calls, a raising tool, the turn cap) on both endpoints, streamed and not."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Kernel

from .kernel_harness import assert_inert_html, requests_to
from .test_hostile_output import assert_links_are_web_links, urls_in

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

HOSTILE_SOURCE = "javascript:alert(document.cookie)"
PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}
FUNCTIONS = '''
tool_log = []

def get_weather(city: str, unit: str = "c") -> str:
    """The weather in a city.

    Args:
        city: Name of the city.
        unit: c or f.
    """
    tool_log.append(("get_weather", city, unit))
    return f"sunny in {city}"

def get_time(zone: str) -> dict:
    """The time in a time zone."""
    tool_log.append(("get_time", zone))
    return {"zone": zone, "time": "12:00"}

def explode(n: int) -> int:
    """Always fails."""
    tool_log.append(("explode", n))
    raise ValueError("the tool exploded")
'''


@pytest.fixture
def tool_kernel(grok_kernel: Kernel) -> Kernel:
    grok_kernel.ok(FUNCTIONS)
    return grok_kernel


def tool_lines(run: Any) -> list[str]:
    return [c["tool"] for c in run.custom if "tool" in c]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
def test_search_ends_with_numbered_sources_and_a_hostile_one_stays_unlinked(
    grok_kernel: Kernel, emu: Emulator, stream: bool
) -> None:
    flags = "--search web,x" + ("" if stream else " --no-stream")
    run = grok_kernel.ok(f"%%grok {flags}\nWhat changed in Ruby? emulator:source={HOSTILE_SOURCE}")
    (request,) = requests_to(emu, "/v1/responses")
    assert request["body"]["tools"] == [{"type": "web_search"}, {"type": "x_search"}]
    if stream:
        lines = tool_lines(run)
        assert any(line.startswith("searching the web: What changed in Ruby?") for line in lines)
        assert any(line.startswith("searching X: ") for line in lines)
    display = run.displays[-1]
    html = display["data"]["text/html"]
    assert_inert_html(html)
    assert_links_are_web_links(html)
    assert not any("javascript" in url.lower() for url in urls_in(html))
    sources = html[html.index('<div class="xai-sources') :]
    items = re.findall(r"<li>(.*?)</li>", sources)
    assert len(items) == 3  # the hostile page, one web page, one X post: numbered in order
    assert "javascript:alert(document.cookie)" in items[0]
    assert "<a " not in items[0]
    assert re.search(r'<a href="https://docs\.example\.org/[0-9a-f]{8}"', items[1])
    assert re.search(r'<a href="https://x\.com/i/status/\d+"', items[2])
    plain = display["data"]["text/plain"]
    assert f"Sources:\n[1] {HOSTILE_SOURCE}\n" in plain
    assert "1 web search, 1 X search ($0.0100) · 3 sources" in plain
    receipt = display["metadata"]["xai_magics"]["receipt"]
    assert receipt["server_tool_calls"] == {"web_search_calls": 1, "x_search_calls": 1}
    assert receipt["sources_cited"] == 3
    assert "(javascript:" not in display["data"]["text/markdown"].split("**Sources**")[1]


def test_code_execution_is_shown_collapsed_with_its_code(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    run = grok_kernel.ok("%%grok --code\nCount the words of this prompt twice over")
    (request,) = requests_to(emu, "/v1/responses")
    assert request["body"]["tools"] == [{"type": "code_interpreter"}]
    assert any(line.startswith("running code: prompt_words = 8") for line in tool_lines(run))
    html = run.displays[-1]["data"]["text/html"]
    tools_block = html[
        html.index('<details class="xai-tools') : html.index(
            "</details>", html.index('<details class="xai-tools')
        )
    ]
    assert "<summary>Tools: 1 code run</summary>" in tools_block
    assert "prompt_words = 8\nprint(prompt_words * 2)" in tools_block
    assert "Running the code printed 16." in html
    assert "1 code run ($0.005000)" in run.displays[-1]["data"]["text/plain"]


def test_search_on_chat_is_refused_in_one_line(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.run("%%grok --api chat --search web\nnews?")
    assert not run.ok
    assert "Responses endpoint" in run.error_text
    assert requests_to(emu, "/v1/chat/completions") == []


def _outputs_sent(api: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(call id, output) of the tool results a follow-up request carried."""
    if api == "chat":
        return [
            (m["tool_call_id"], m["content"]) for m in body["messages"] if m.get("role") == "tool"
        ]
    return [
        (i["call_id"], i["output"])
        for i in body["input"]
        if isinstance(i, dict) and i.get("type") == "function_call_output"
    ]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
@pytest.mark.parametrize("api", ["responses", "chat"])
def test_parallel_local_calls_run_and_their_results_go_back(
    tool_kernel: Kernel, emu: Emulator, api: str, stream: bool
) -> None:
    flags = f"--api {api} --tools get_weather,get_time" + ("" if stream else " --no-stream")
    run = tool_kernel.ok(f"%%grok {flags}\nPlease call get_weather and get_time for me")
    calls = tool_kernel.value("tool_log")
    assert [c[0] for c in calls] == ["get_weather", "get_time"]  # both, in the model's order
    first, second = requests_to(emu, PATHS[api])
    tools = first["body"]["tools"]
    names = [t["function"]["name"] if api == "chat" else t["name"] for t in tools]
    assert names == ["get_weather", "get_time"]
    weather = tools[0]["function"] if api == "chat" else tools[0]
    assert weather["description"] == "The weather in a city."
    assert weather["parameters"]["properties"]["city"]["description"] == "Name of the city."
    assert weather["parameters"]["required"] == ["city"]
    sent = _outputs_sent(api, second["body"])
    assert [out for _, out in sent] == [
        f"sunny in {calls[0][1]}",
        json.dumps({"zone": calls[1][1], "time": "12:00"}),
    ]
    assert len({call_id for call_id, _ in sent if call_id}) == 2
    if api == "responses":
        assert second["body"]["previous_response_id"]
    else:  # the assistant's calls are re-sent before the results
        assert second["body"]["messages"][-3]["tool_calls"][0]["id"] == sent[0][0]
    if stream:
        lines = tool_lines(run)
        assert lines[0].startswith("calling get_weather(")
        assert any(line.startswith("get_time(") and "12:00" in line for line in lines)
    display = run.displays[-1]
    html = display["data"]["text/html"]
    assert "<summary>Tools: 2 function calls</summary>" in html
    assert_inert_html(html)
    assert "12:00" in display["data"]["text/plain"]  # the answer used the last result


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_raising_tool_goes_back_to_the_model_as_an_error(
    tool_kernel: Kernel, emu: Emulator, api: str
) -> None:
    run = tool_kernel.ok(f"%%grok --api {api} --tools explode\nPlease call explode now")
    assert tool_kernel.value("tool_log")[0][0] == "explode"
    _, second = requests_to(emu, PATHS[api])
    ((_, output),) = _outputs_sent(api, second["body"])
    assert json.loads(output) == {"error": "ValueError: the tool exploded"}
    assert any("-> error: ValueError: the tool exploded" in line for line in tool_lines(run))
    assert run.errors == []


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_the_turn_cap_stops_the_loop_and_says_so(
    tool_kernel: Kernel, emu: Emulator, api: str
) -> None:
    run = tool_kernel.ok(
        f"%%grok --api {api} --tools get_weather --max-turns 1 -o capped\n"
        "Please call get_weather for Oslo"
    )
    assert len(requests_to(emu, PATHS[api])) == 1
    assert tool_kernel.value("tool_log") == []
    assert tool_kernel.value("capped.status") == "incomplete"
    assert "raise --max-turns" in run.displays[-1]["data"]["text/plain"]


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_tools_work_in_a_thread(tool_kernel: Kernel, emu: Emulator, api: str) -> None:
    tool_kernel.ok(
        f"%%grok --api {api} --thread trip-{api} --tools get_weather -o first\n"
        "Please call get_weather for Rome"
    )
    tool_kernel.ok(f"%%grok --api {api} --thread trip-{api}\nAnd what should I pack?")
    _, second, third = requests_to(emu, PATHS[api])
    assert tool_kernel.value("len(tool_log)") == 1
    if api == "responses":
        # the thread continues from the answer that used the tool's result
        assert third["body"]["previous_response_id"] == tool_kernel.value("first.response_id")
        assert third["body"]["previous_response_id"] != second["body"]["previous_response_id"]
    else:  # the thread's history carries the first turn's prompt and final answer
        contents = [m["content"] for m in third["body"]["messages"]]
        assert contents[0] == "Please call get_weather for Rome"
        assert contents[1] == tool_kernel.value("first.text")
        assert contents[-1] == "And what should I pack?"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--tools nowhere", "--tools nowhere: no such name in the notebook"),
        ("--tools tool_log", "--tools tool_log: expected a function, got list"),
        ("--search web,mars", "--search web,mars: expected web, x or web,x"),
        ("--tools get_weather --max-turns 0", "--max-turns 0: give 1 or more"),
        ("--max-turns 2", "--max-turns caps the calls of --tools"),
    ],
)
def test_tool_option_mistakes_are_one_line(
    tool_kernel: Kernel, emu: Emulator, line: str, message: str
) -> None:
    run = tool_kernel.run(f"%%grok {line}\nhello")
    assert not run.ok
    assert message in run.error_text
    assert "Traceback" not in run.error_text
    assert requests_to(emu, "/v1/responses") == []
