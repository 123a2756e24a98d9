"""``%%grok`` in real JupyterLab (headless Chromium): the answer streams into the widget, hostile
model output never runs (live, after the final render, and in the reopened notebook), and
Jupyter's stop button ends a stream while keeping its text."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from lab_harness import (
    BROWSER_TEST_KEY,
    CHROMIUM,
    CHROMIUM_ARGS,
    LabPage,
    LabServer,
    output_dir_for,
    start_lab,
    write_notebook,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from xai_magics.emulator import Emulator

pytestmark = pytest.mark.browser

HOSTILE = (
    "Start. <script>window.__pwned = 1</script> "
    '<img src=x onerror="window.__pwned = 2"> '
    "<svg onload=\"window.__pwned = 3\"></svg> <iframe srcdoc='<b>x</b>'></iframe> "
    "[click](javascript:window.__pwned=4) ![exfil](http://127.0.0.1:9/?d=secret) "
    "<style>body { display: none }</style> End of the simulated answer."
)

# Anything in the output area that could run, fetch, or restyle the page.
LIVE_ELEMENTS = (
    "script, iframe, img, svg, style, form, meta, base, object, embed, "
    "[onerror], [onload], [onclick], a[href^='javascript' i]"
)


@pytest.fixture(scope="module")
def lab_server(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = start_lab(
        tmp_path_factory.mktemp("lab-grok"),
        {"XAI_BASE_URL": emulator.base_url, "XAI_API_KEY": BROWSER_TEST_KEY},
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def lab(
    browser: Browser, lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield LabPage(page=page, server=lab_server, output_dir=output_dir_for(request.node.nodeid))
    finally:
        context.close()
        lab_server.shutdown_kernels()


def live_state(lab: LabPage, cell: int) -> dict[str, Any]:
    output = lab.cell_locator(cell).locator(".jp-OutputArea")
    result: dict[str, Any] = output.evaluate(
        f"""(el) => ({{
          pwned: window.__pwned === undefined ? null : window.__pwned,
          live: Array.from(el.querySelectorAll('.jp-OutputArea-output'))
            .flatMap(o => Array.from(o.querySelectorAll({LIVE_ELEMENTS!r})))
            .map(e => e.outerHTML),
          text: el.innerText,
          streaming: el.querySelector('.xai-stream') !== null,
          final: el.querySelector('.xai-answer') !== null,
        }})"""
    )
    return result


def test_hostile_answer_streams_and_stays_inert_live_and_reopened(
    lab: LabPage, emu: Emulator
) -> None:
    emu.control.configure(tokens_per_second=40)
    emu.control.inject("answer", "/v1/responses", text=HOSTILE)
    write_notebook(
        lab.server.notebook_dir / "hostile.ipynb", ["%load_ext xai_magics", "%%grok\nBe evil"]
    )
    lab.open_notebook("hostile.ipynb")
    lab.run_all(wait=False)
    lab.page.wait_for_function(
        "() => { const t = document.querySelector('.xai-stream-text');"
        " return t && t.textContent.includes('<script>'); }",
        timeout=60_000,
    )
    during = live_state(lab, 1)
    lab.screenshot("streaming")
    assert during["streaming"]
    assert during["live"] == []
    assert during["pwned"] is None

    lab.wait_for_kernel_idle()
    lab.page.wait_for_selector(".xai-answer")
    after = live_state(lab, 1)
    lab.screenshot("final")
    assert after["final"]
    assert not after["streaming"]
    assert after["live"] == []
    assert after["pwned"] is None
    assert "<script>window.__pwned = 1</script>" in after["text"]  # shown, as text
    assert "End of the simulated answer." in after["text"]
    assert "first token" in after["text"]  # the receipt
    # the view told the kernel it was drawn, so later answers stream into widgets too
    assert lab.kernel_value(
        "__import__('xai_magics.widgets.stream_view').widgets.stream_view"
        ".StreamView.rendered_somewhere"
    )

    lab.save()
    lab.page.reload()
    lab.open_notebook("hostile.ipynb")
    reopened = live_state(lab, 1)
    lab.screenshot("reopened")
    assert reopened["final"]
    assert reopened["live"] == []
    assert reopened["pwned"] is None
    assert "End of the simulated answer." in reopened["text"]


def test_stop_button_ends_the_stream_and_keeps_the_text(lab: LabPage, emu: Emulator) -> None:
    emu.control.configure(tokens_per_second=20)
    emu.control.inject("answer", "/v1/responses", text=" ".join(f"word{i}" for i in range(400)))
    write_notebook(
        lab.server.notebook_dir / "stop.ipynb",
        ["%load_ext xai_magics", "%%grok -o r\nCount", "after = r.status"],
    )
    lab.open_notebook("stop.ipynb")
    lab.run_all(wait=False)
    lab.page.wait_for_function(
        "() => { const t = document.querySelector('.xai-stream-text');"
        " return t && t.textContent.includes('word5'); }",
        timeout=60_000,
    )
    lab.command("notebook:interrupt-kernel")
    lab.page.wait_for_selector(".xai-answer", timeout=30_000)
    lab.wait_for_kernel_idle()
    state = live_state(lab, 1)
    lab.screenshot("stopped")
    assert "stopped after" in state["text"]
    assert "word5" in state["text"]
    assert "word399" not in state["text"]
    assert "Traceback" not in state["text"]
    assert lab.kernel_value("r.status") == "stopped"
    lab.assert_no_console_errors()
