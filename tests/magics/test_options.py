"""Every ``%%grok`` option reaches the wire as it should (checked in the emulator's request log)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Kernel

from .kernel_harness import CANARY_KEY, requests_to

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

OPTION_TABLE = [
    pytest.param(
        "", "/responses", {"model": "grok-4.3", "input": "Q", "stream": True}, id="defaults"
    ),
    pytest.param("-m grok-3-mini", "/responses", {"model": "grok-3-mini"}, id="model"),
    pytest.param("--model=grok-4.5", "/responses", {"model": "grok-4.5"}, id="model-equals"),
    pytest.param("--tier priority", "/responses", {"service_tier": "priority"}, id="tier"),
    pytest.param("-t 0.2", "/responses", {"temperature": 0.2}, id="temperature"),
    pytest.param("--max-tokens 50", "/responses", {"max_output_tokens": 50}, id="max-tokens"),
    pytest.param(
        "--reasoning-effort low", "/responses", {"reasoning": {"effort": "low"}}, id="effort"
    ),
    pytest.param(
        '--system "Be brief."',
        "/responses",
        {"input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q"}]},
        id="system",
    ),
    pytest.param(
        "--api chat",
        "/chat/completions",
        {"messages": [{"role": "user", "content": "Q"}], "stream_options": {"include_usage": True}},
        id="chat",
    ),
    pytest.param(
        "--api chat --system {persona} --max-tokens 9 --tier priority -t 1",
        "/chat/completions",
        {
            "messages": [
                {"role": "system", "content": "a pirate"},
                {"role": "user", "content": "Q"},
            ],
            "max_tokens": 9,
            "service_tier": "priority",
            "temperature": 1.0,
        },
        id="chat-all",
    ),
]


@pytest.mark.parametrize(("flags", "path", "expected"), OPTION_TABLE)
def test_option_reaches_the_request_body(
    grok_kernel: Kernel, emu: Emulator, flags: str, path: str, expected: dict[str, Any]
) -> None:
    grok_kernel.ok("persona = 'a pirate'")
    grok_kernel.ok(f"%%grok {flags}\nQ")
    (request,) = requests_to(emu, path)
    body = request["body"]
    assert {k: body.get(k) for k in expected} == expected


def test_config_traitlets_set_the_defaults(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok('%config GrokMagics.model = "grok-3-mini"')
    grok_kernel.ok('%config GrokMagics.tier = "priority"')
    try:
        grok_kernel.ok("%%grok\nQ")
        grok_kernel.ok("%%grok -m grok-4.3 --tier default\nQ")
    finally:
        grok_kernel.ok('%config GrokMagics.model = "grok-4.3"')
        grok_kernel.ok("%config GrokMagics.tier = None")
    first, second = (r["body"] for r in requests_to(emu, "/responses"))
    assert (first["model"], first["service_tier"]) == ("grok-3-mini", "priority")
    assert (second["model"], second["service_tier"]) == ("grok-4.3", "default")


def test_tier_granted_is_reported_against_tier_asked(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.configure(priority_granted=False)
    run = grok_kernel.ok("%%grok --tier priority -o r\nQ")
    receipt = run.only_display()["metadata"]["xai_magics"]["receipt"]
    assert (receipt["tier_requested"], receipt["tier"]) == ("priority", "default")
    assert "asked priority, served default" in run.only_display()["data"]["text/html"]


def test_dry_run_shows_the_exact_request_and_sends_nothing(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    run = grok_kernel.ok("%%grok --dry-run --api chat --max-tokens 100\nHello {{x}}")
    text = run.only_display()["data"]["text/plain"]
    assert emu.control.log() == []
    assert "POST " + emu.base_url + "/chat/completions" in text
    assert "Authorization: Bearer [redacted]" in text
    assert CANARY_KEY not in text
    assert '"content": "Hello {x}"' in text
    assert '"max_tokens": 100' in text
    estimate = next(line for line in text.splitlines() if line.startswith("≈"))
    assert "$" in estimate
    assert "plus any reasoning (billed as output tokens)" in estimate  # not capped by 100


def first_json_object(text: str) -> Any:
    """The request body a dry run shows first (its curl copy follows)."""
    import json

    return json.JSONDecoder().raw_decode(text, text.index("{"))[0]


def test_dry_run_curl_runs_and_sends_the_same_request(grok_kernel: Kernel, emu: Emulator) -> None:
    import hashlib
    import os
    import subprocess

    prompt = "It's $HOME, `date` and \\n: {{braces}} — déjà vu"
    run = grok_kernel.ok(f"%%grok --dry-run --max-tokens 2000\n{prompt}")
    text = run.only_display()["data"]["text/plain"]
    command = text[text.index("curl -N") : text.rindex("JSON") + len("JSON")]
    assert CANARY_KEY not in command
    assert '"Authorization: Bearer $XAI_API_KEY"' in command
    assert emu.control.log() == []
    key = "xai-curl-test-key-0000000000"
    done = subprocess.run(
        ["bash", "-c", command],
        env={"PATH": os.environ["PATH"], "XAI_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "response.completed" in done.stdout
    (sent,) = requests_to(emu, "/responses")
    assert sent["body"] == first_json_object(text)
    assert sent["body"]["input"] == prompt.replace("{{braces}}", "{braces}")
    assert sent["key_sha256"] == hashlib.sha256(key.encode()).hexdigest()


def test_dry_run_body_is_what_is_then_sent(grok_kernel: Kernel, emu: Emulator) -> None:
    flags = "--tier priority -t 0.5 --max-tokens 20 --reasoning-effort high"
    run = grok_kernel.ok(f"%%grok --dry-run {flags}\nSame prompt")
    text = run.only_display()["data"]["text/plain"]
    shown = first_json_object(text)
    grok_kernel.ok(f"%%grok {flags}\nSame prompt")
    (sent,) = requests_to(emu, "/responses")
    assert shown == sent["body"]


def test_schema_returns_a_parsed_instance(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok(
        "from pydantic import BaseModel\n"
        "class City(BaseModel):\n    name: str\n    population: int\n"
    )
    run = grok_kernel.ok("%%grok --schema City -o city\nThe largest city in France")
    assert grok_kernel.value("type(city.parsed).__name__") == "City"
    assert grok_kernel.value("isinstance(city.parsed.population, int)") is True
    body = requests_to(emu, "/responses")[0]["body"]
    assert body["text"]["format"]["type"] == "json_schema"
    assert body["text"]["format"]["schema"]["required"] == ["name", "population"]
    assert '<code class="language-json"' in run.only_display()["data"]["text/html"]


def test_schema_must_name_a_pydantic_model(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("not_a_model = 3")
    run = grok_kernel.run("%%grok --schema not_a_model\nQ")
    assert run.reply["ename"] == "UsageError"
    assert "pydantic model" in run.error_text
    assert emu.control.log() == []


def test_compare_runs_models_side_by_side(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.ok("%%grok --compare grok-4.3,grok-4.3@priority,grok-3-mini -o rs\nHaiku")
    html = run.only_display()["data"]["text/html"]
    for title in ("grok-4.3", "grok-4.3@priority", "grok-3-mini"):
        assert f">{title}</div>" in html
    bodies = [r["body"] for r in requests_to(emu, "/responses")]
    assert sorted((b["model"], b.get("service_tier", "")) for b in bodies) == [
        ("grok-3-mini", ""),
        ("grok-4.3", ""),
        ("grok-4.3", "priority"),
    ]
    assert grok_kernel.value("[r.tier for r in rs]") == ["default", "priority", "default"]
    assert len(run.only_display()["metadata"]["xai_magics"]["compare"]) == 3


def test_format_text_and_json(grok_kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text='{"a": [1, 2]}')
    run = grok_kernel.ok("%%grok -f json\nQ")
    block = run.only_display()["data"]["text/html"].split('<code class="language-json"')[1]
    assert html.unescape(re.sub(r"<[^>]*>", "", block.split(">", 1)[1])).startswith('{\n  "a"')
    emu.control.inject("answer", "/v1/responses", text="**not bold**")
    run = grok_kernel.ok("%%grok -f text\nQ")
    assert "<pre>**not bold**</pre>" in run.only_display()["data"]["text/html"]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        pytest.param("%%grok\n   ", "Nothing to ask", id="empty"),
        pytest.param("%%grok --thread a --new-thread\nQ", "not both", id="thread-conflict"),
        pytest.param("%%grok --tier gold\nQ", "invalid choice", id="bad-tier"),
        pytest.param("%%grok stray words\nQ", "Unexpected text", id="stray-text"),
        pytest.param("%%grok --compare grok-4.3\nQ", "at least two", id="compare-one"),
        pytest.param("%%grok -o 1x\nQ", "not a valid variable", id="bad-var"),
        pytest.param(
            "%%grok --api-key xai-abcdefghijklmnopqrstuvwxyz012345\nQ",
            "looks like an xAI API key",
            id="api-key-option",
        ),
        pytest.param(
            "%%grok\nmy key is xai-abcdefghijklmnopqrstuvwxyz012345",
            "revoke the key",
            id="key-in-prompt",
        ),
    ],
)
def test_usage_errors_are_one_line_without_traceback(
    grok_kernel: Kernel, emu: Emulator, cell: str, message: str
) -> None:
    run = grok_kernel.run(cell)
    assert run.reply["status"] == "error"
    assert run.reply["ename"] == "UsageError"
    assert message in run.error_text
    assert "Traceback" not in run.error_text
    assert "abcdefghijklmnop" not in run.error_text  # a key is never echoed back
    assert requests_to(emu, "/responses") == []


def test_help_is_generated_from_the_options(grok_kernel: Kernel) -> None:
    text = grok_kernel.value("get_ipython().find_cell_magic('grok').__doc__")
    for flag in (
        "--model",
        "--api",
        "--tier",
        "--thread",
        "--new-thread",
        "--schema",
        "--compare",
        "--dry-run",
        "--raw",
        "--no-stream",
        "--max-tokens",
        "--reasoning-effort",
        "--speak",
        "-o",
    ):
        assert flag in text


RAW_TEXT = 'Fix {undefined_name}: {"a": {{b}}} and f"{x!r}" {0}'


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param(f"%%grok --raw\n{RAW_TEXT}", id="cell"),
        pytest.param(f"%grok --raw {RAW_TEXT}", id="line"),
    ],
)
def test_raw_sends_the_text_exactly_as_written(
    grok_kernel: Kernel, emu: Emulator, cell: str
) -> None:
    grok_kernel.ok(cell)
    (sent,) = requests_to(emu, "/responses")
    assert sent["body"]["input"] == RAW_TEXT


def test_without_raw_an_undefined_name_is_an_error(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.run(f"%%grok\n{RAW_TEXT}")
    assert run.reply["ename"] == "UsageError"
    assert "undefined_name" in run.error_text
    assert requests_to(emu, "/responses") == []


def test_raw_applies_to_the_system_prompt_too(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("persona = 'a pirate'")
    grok_kernel.ok('%%grok --raw --api chat --system "Be {persona}."\nAsk {persona}')
    (sent,) = requests_to(emu, "/chat/completions")
    assert sent["body"]["messages"] == [
        {"role": "system", "content": "Be {persona}."},
        {"role": "user", "content": "Ask {persona}"},
    ]


def test_dry_run_shows_the_raw_text(grok_kernel: Kernel, emu: Emulator) -> None:
    run = grok_kernel.ok(f"%%grok --raw --dry-run\n{RAW_TEXT}")
    text = run.only_display()["data"]["text/plain"]
    shown = first_json_object(text)
    assert shown["input"] == RAW_TEXT
    assert emu.control.log() == []
