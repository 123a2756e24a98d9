"""``%grok_models`` and ``%grok_usage`` in a kernel; the status feed the ledger drives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.kernels import Kernel

from .kernel_harness import assert_inert_html, text_table_rows

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


def test_models_lists_prices_per_million(grok_kernel: Kernel, emu: Emulator) -> None:
    out = grok_kernel.ok("%grok_models").only_display()
    text = out["data"]["text/plain"]
    assert_inert_html(out["data"]["text/html"])
    row = next(line for line in text.splitlines() if line.startswith("grok-4.3 "))
    assert "$1.25" in row
    assert "$0.20" in row
    assert "$2.50" in row
    assert "grok-4.3-latest" in row


def test_usage_sums_calls_tokens_and_cost_by_model(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%%grok -o a\nOne")
    grok_kernel.ok("%%grok -o b\nTwo")
    grok_kernel.ok("%%grok -m grok-3-mini -o c\nThree")
    text = grok_kernel.ok("%grok_usage").only_display()["data"]["text/plain"]
    rows = {row["model"]: row for row in text_table_rows(text)}
    assert rows["grok-4.3"]["requests"] == "2"
    assert rows["grok-3-mini"]["requests"] == "1"
    assert rows["grok-4.3"]["tier"] == "default"
    expected = grok_kernel.value("round(a.cost_usd + b.cost_usd + c.cost_usd, 6)")
    assert rows["total"]["requests"] == "3"
    assert abs(float(rows["total"]["cost"].lstrip("$")) - expected) < 1e-6
    assert rows["total"]["estimated"] == "-"  # every cost here was reported by the server
    calls = grok_kernel.ok("%grok_usage --calls").only_display()["data"]["text/plain"]
    assert len(text_table_rows(calls)) == 3


def test_usage_shows_what_the_prompt_cache_saved(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%%grok --thread saving -o a\nA first question, long enough to cache.")
    grok_kernel.ok("%%grok --thread saving -o b\nAnd a second one.")
    cached = grok_kernel.value("a.usage.cached_input_tokens + b.usage.cached_input_tokens")
    assert cached > 0  # the second turn re-read the first from the cache
    text = grok_kernel.ok("%grok_usage").only_display()["data"]["text/plain"]
    row = next(row for row in text_table_rows(text) if row["model"] == "grok-4.3")
    # grok-4.3: $1.25 per million input tokens, $0.20 cached
    assert row["cached"] == f"{cached:,}"
    assert row["cache saved"] == f"${cached * (12500 - 2000) / 1e10:.6f}"
    assert "cache saved" in text


def test_spend_reaches_the_status_feed(grok_kernel: Kernel, emu: Emulator) -> None:
    grok_kernel.ok("%%grok -o a\nOne")
    snapshot = grok_kernel.value("dict(__import__('xai_magics.status').status.snapshot())")
    assert snapshot["calls"] == 1
    assert abs(snapshot["spend_usd"] - grok_kernel.value("a.cost_usd")) < 1e-12


def test_reload_ext_keeps_one_configurable_and_working_magics(
    grok_kernel: Kernel, emu: Emulator
) -> None:
    grok_kernel.ok("%reload_ext xai_magics")
    names = grok_kernel.value(
        "[type(c).__name__ for c in get_ipython().configurables if 'Magics' in type(c).__name__]"
    )
    assert names.count("GrokMagics") == 1
    grok_kernel.ok('%config GrokMagics.display = "widget"')
    assert grok_kernel.ok("%%grok\nStill here?").only_display()
    for magic in ("grok_batch", "grok_tts"):  # registered alongside when installed
        assert grok_kernel.value(f"get_ipython().find_line_magic({magic!r}) is not None")
