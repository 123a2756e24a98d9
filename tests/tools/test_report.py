"""Sources and tool activity under an answer: numbered, escaped, linked only when http(s)
however a browser or a Markdown reader reads the URL; and a cell's rounds summed into one
receipt."""

from __future__ import annotations

import pytest

from tests.magics.kernel_harness import assert_inert_html
from tests.magics.test_hostile_output import assert_links_are_web_links, urls_in
from xai_magics.client.completion import Completion, Usage
from xai_magics.client.server_tools import ServerToolCall, Source
from xai_magics.render import render_bundle
from xai_magics.tools.local import ToolResult
from xai_magics.tools.loop import fold_turns

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "jav&#x61;script:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    'https://a.example/"onmouseover="alert(1)',
    "https://a.example/><script>alert(1)</script>",
    "//evil.example/x",
    "https:\\\\evil.example",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_source_is_shown_as_text_never_a_link(url: str) -> None:
    sources = [Source(url, "1"), Source("https://docs.example.org/page?a=1&b=2", "2")]
    bundle = render_bundle("An answer.", sources=sources)
    html = bundle["text/html"]
    assert_inert_html(html)
    assert_links_are_web_links(html)
    assert urls_in(html) == ["https://docs.example.org/page?a=1&b=2"]
    assert "(not linked)" in html
    plain = bundle["text/plain"]
    assert plain.startswith("An answer.\n\nSources:\n[1] ")
    assert plain.endswith("\n[2] https://docs.example.org/page?a=1&b=2")
    markdown = bundle["text/markdown"].split("**Sources**", 1)[1]
    assert "1. `" in markdown
    assert "2. <https://docs.example.org/page?a=1&b=2>" in markdown


def test_tool_activity_is_collapsed_and_escaped() -> None:
    search = ServerToolCall(
        "web_search", "", "<img src=x onerror=alert(1)> news", status="completed"
    )
    code = ServerToolCall("code_execution", "code_execution", "print('<b>')", output="<b>")
    result = ToolResult("c1", "lookup", '{"q": "<script>"}', "</pre><script>alert(1)</script>")
    html = render_bundle("ok", server_tools=[search, code], tool_results=[result])["text/html"]
    assert_inert_html(html)
    assert "<summary>Tools: 1 web search, 1 code run, 1 function call</summary>" in html
    assert "searching the web: &lt;img src=x onerror=alert(1)&gt; news" in html
    assert "ran code:\nprint(&#x27;&lt;b&gt;&#x27;)" in html
    assert html.index('<details class="xai-tools') < html.index("<p>ok</p>")


def _turn(tokens: int, ticks: int | None, tools: dict[str, int], url: str) -> Completion:
    usage = Usage(tokens, 0, tokens, 1, 3 * tokens, ticks, 0, tools)
    return Completion(
        text=f"answer {tokens}",
        usage=usage,
        status="completed",
        elapsed_s=1.0,
        sources=(Source(url),),
    )


def test_a_cells_rounds_fold_into_one_answer_and_one_bill() -> None:
    turns = [
        _turn(10, 100, {"web_search_calls": 1}, "https://a.example"),
        _turn(20, 200, {"web_search_calls": 2, "x_search_calls": 1}, "https://a.example"),
        _turn(30, 300, {}, "https://b.example"),
    ]
    folded = fold_turns(turns)
    assert folded.text == "answer 30"
    assert folded.usage is not None
    assert (folded.usage.input_tokens, folded.usage.output_tokens) == (60, 60)
    assert folded.usage.cost_usd_ticks == 600
    assert folded.usage.server_tool_usage == {"web_search_calls": 3, "x_search_calls": 1}
    assert [s.url for s in folded.sources] == ["https://a.example", "https://b.example"]
    assert folded.elapsed_s == 3.0
    unbilled = fold_turns([turns[0], _turn(5, None, {}, "https://c.example")])
    assert unbilled.usage is not None
    assert unbilled.usage.cost_usd_ticks is None  # one round's cost unknown: the sum is too
