"""TeX links in answers, in the MathJax of JupyterLab and of Notebook 7: every payload that beats
MathJax's own link filter is answered by the emulator through %%grok, typeset, and every link is
clicked, in the fresh output, in the live view while it streams, in the Markdown copy rendered by
the front end's Markdown renderer, and (in JupyterLab; Notebook 7 uses its packages) in the
notebook saved, closed and reopened without a kernel, shown in the light and the dark theme. The
live view typesets each block as it completes, with the same neutralised TeX."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lab_harness import NOTEBOOK7, LabPage, LabServer, write_notebook

from tests.inert_html import TEX_LINKS, TEX_MACROS

if TYPE_CHECKING:
    from playwright.sync_api import Dialog, Page, Route

    from xai_magics.emulator import Emulator

SAFE_URL = "https://example.com/"
BENIGN = f"Benign: $x^2$ and $$\\frac{{a}}{{b}}$$ and $\\href{{{SAFE_URL}}}{{ok}}$ and $a < b$."
ANSWER = "\n\n".join(
    [BENIGN] + [f"{name}:\n\n{payload}" for name, payload in {**TEX_LINKS, **TEX_MACROS}.items()]
)
NOTEBOOK = "math-links.ipynb"
CELLS = [
    "%load_ext xai_magics",
    "%%grok --output answer\nShow me some math.",
    "from IPython.display import display\n"
    "display({'text/markdown': answer.mime_bundle()[0]['text/markdown']}, raw=True)",
]
HTML_CELL, MARKDOWN_CELL = 1, 2
WEB = {"http:", "https:", "mailto:"}

# In the page: the output of cell i, its typeset math, and every element with an href (MathML
# too), with the protocol the browser resolves it to.
_OUTPUT = "window.jupyterapp.shell.currentWidget.content.widgets[i].node"
_MATH_COUNT = f"(i) => {_OUTPUT}.querySelectorAll('.jp-OutputArea-output mjx-container').length"
_HREFS = f"""(i) => Array.from({_OUTPUT}.querySelectorAll('.jp-OutputArea-output [href]'))
  .map((el) => {{
    const raw = el.getAttribute('href');
    let protocol = 'unparsable:';
    try {{ protocol = new URL(raw, document.baseURI).protocol; }} catch (e) {{}}
    return {{ tag: el.localName, raw, protocol }};
  }})"""


@dataclass
class Watch:
    """Everything the clicks could cause: pages opened, navigations, dialogs."""

    popups: list[Page] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def attach(self, page: Page) -> None:
        page.on("dialog", self.on_dialog)
        page.on(
            "framenavigated",
            lambda frame: (
                self.navigations.append(frame.url) if frame.parent_frame is None else None
            ),
        )


@pytest.fixture
def watch(front_end: LabPage) -> Watch:
    lab = front_end
    watch = Watch()
    context = lab.page.context

    def on_page(page: Page) -> None:
        watch.popups.append(page)
        watch.attach(page)

    def answer_web(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<p>the web</p>")

    # No internet here: any web page a link opens is answered, so the popup shows its real URL.
    context.route(lambda url: not url.startswith(lab.server.base_url), answer_web)
    context.on("page", on_page)
    watch.attach(lab.page)
    return watch


def _typeset(lab: LabPage, index: int, at_least: int) -> int:
    """Wait until MathJax has typeset the cell's output and stopped adding to it."""
    lab.page.wait_for_function(f"(i) => ({_MATH_COUNT})(i) >= {at_least}", arg=index)
    count = -1
    while (now := int(lab.page.evaluate(_MATH_COUNT, index))) != count:
        count = now
        lab.page.wait_for_timeout(500)
    return count


def _click_every_link(lab: LabPage, index: int, watch: Watch, where: str) -> None:
    """Click each link of the output as a user would: nothing runs, nothing leaves the web."""
    links = lab.cell_locator(index).locator(".jp-OutputArea-output a")
    for link in links.all():
        link.scroll_into_view_if_needed()
        link.click()
    lab.page.wait_for_timeout(800)  # a javascript: target, had one run, would have by now
    lab.screenshot(f"{where} clicked")
    assert lab.page.evaluate("() => window.__xaiPwned") is None, where
    for popup in watch.popups:
        if popup.is_closed():
            continue
        popup.wait_for_load_state()
        assert popup.evaluate("() => window.__xaiPwned") is None, (where, popup.url)
        assert popup.url.split(":")[0] in ("http", "https"), (where, popup.url)
        popup.close()
    watch.popups.clear()


def _screenshot_dark(lab: LabPage, where: str) -> None:
    """The answer in the dark theme, still inert; the theme is light again afterwards."""
    lab.use_theme(dark=True)
    lab.cell_locator(HTML_CELL).evaluate("(el) => el.scrollIntoView({block: 'start'})")
    lab.screenshot(f"{where}, dark")
    assert lab.page.evaluate("() => window.__xaiPwned") is None
    lab.use_theme(dark=False)


def _check(lab: LabPage, watch: Watch, where: str) -> None:
    """The HTML output and the Markdown copy: typeset, links safe, clicks harmless."""
    for index, copy in ((HTML_CELL, "html"), (MARKDOWN_CELL, "markdown copy")):
        label = f"{where}, {copy}"
        typeset = _typeset(lab, index, at_least=len(TEX_LINKS))
        output = lab.cell_locator(index).locator(".jp-OutputArea-output")
        benign = output.locator("p").first  # x^2, a fraction, the safe link, a < b
        assert benign.locator("mjx-container").count() == 4, label
        assert benign.locator("mjx-msup").count() == 1, label
        assert benign.locator("mjx-mfrac").count() == 1, label
        assert benign.locator("mjx-merror").count() == 0, label  # "&lt;" would be an error
        hrefs: list[dict[str, Any]] = lab.page.evaluate(_HREFS, index)
        assert [h for h in hrefs if h["protocol"] not in WEB] == [], label
        _click_every_link(lab, index, watch, label)
        safe = [h for h in hrefs if h["tag"] == "a" and h["raw"] == SAFE_URL]
        assert len(safe) == 1, (label, hrefs, typeset)
    assert watch.dialogs == [], watch.dialogs
    # the page itself went only to the Jupyter server (and to about:blank before reopening)
    server = lab.server.base_url + "/"
    away = [url for url in watch.navigations if url != "about:blank" and not url.startswith(server)]
    assert away == [], watch.navigations


def test_no_tex_link_runs_or_leaves_the_web_fresh_live_markdown_or_reopened(
    front_end: LabPage, lab_server: LabServer, notebook_dir: Path, emu: Emulator, watch: Watch
) -> None:
    lab = front_end
    # Paced so the live view is drawn, and cut into small pieces on the wire.
    emu.control.configure(tokens_per_second=300, stream_chunk_bytes=7)
    emu.control.inject("answer", "/v1/responses", text=ANSWER)
    write_notebook(notebook_dir / NOTEBOOK, CELLS)
    lab.open_notebook(NOTEBOOK)
    lab.page.evaluate(
        """() => { window.__xaiLive = []; window.__xaiSampler = setInterval(() => {
             for (const live of document.querySelectorAll('.xai-stream')) {
               window.__xaiLive.push({
                 text: live.textContent.length,
                 hasHref: live.textContent.includes('\\\\href'),
                 math: live.querySelectorAll('mjx-container').length,
                 protocols: Array.from(live.querySelectorAll('[href]')).map((el) => {
                   try { return new URL(el.getAttribute('href'), document.baseURI).protocol; }
                   catch (e) { return 'unparsable:'; }
                 }),
               });
             }
           }, 50); }"""
    )
    lab.run_all(wait=False)
    lab.cell_locator(HTML_CELL).locator(".xai-receipt").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()
    live = lab.page.evaluate(
        "() => { clearInterval(window.__xaiSampler); return window.__xaiLive; }"
    )
    assert any(sample["hasHref"] for sample in live), "the live view was never seen"
    # Blocks are typeset as they complete (the extension lends the typesetter), and their TeX
    # links, as those of the final output, point only at the web.
    assert any(sample["math"] for sample in live), "the live view was never typeset"
    live_protocols = {p for sample in live for p in sample["protocols"]}
    assert live_protocols <= WEB, live_protocols
    assert lab.page.evaluate("() => window.__xaiPwned") is None

    _check(lab, watch, "fresh")
    saved = lab.cell_outputs(HTML_CELL)
    (final,) = [o for o in saved if "text/html" in o.get("data", {})]
    assert final["data"]["text/markdown"] == lab.kernel_value(
        "answer.mime_bundle()[0]['text/markdown']"
    )
    if lab.front_end == NOTEBOOK7:
        # Notebook 7 renders and sanitises with JupyterLab's own packages: reopening without a
        # kernel is checked in JupyterLab only, to keep the suite fast.
        _screenshot_dark(lab, "fresh")
        lab.assert_no_console_errors()
        return

    lab.save()
    lab_server.shutdown_kernels()
    lab.page.goto("about:blank")
    lab.page.goto(lab_server.notebook_url(NOTEBOOK, lab.front_end))
    lab.page.wait_for_function(
        f"""() => {{ const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
              return !!panel && !!panel.context && panel.context.path === {json.dumps(NOTEBOOK)}
                && panel.context.isReady; }}"""
    )
    _check(lab, watch, "reopened")
    _screenshot_dark(lab, "reopened")
    lab.assert_no_console_errors()
