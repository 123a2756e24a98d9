"""Fixtures for tests in a real browser: one JupyterLab and one Chromium per session, a fresh
page per test.

    def test_something(lab: LabPage, notebook_dir: Path) -> None:
        write_notebook(notebook_dir / "x.ipynb", ["%load_ext xai_magics", "%%grok\\nhello"])
        lab.open_notebook("x.ipynb")
        lab.run_all()
        lab.screenshot("answered")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lab_harness import (
    BROWSER_TEST_KEY,
    CHROMIUM,
    CHROMIUM_ARGS,
    FRONT_ENDS,
    NOTEBOOK7,
    LabPage,
    LabServer,
    lab_page_on,
    start_lab,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

    from xai_magics.emulator import Emulator


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser drives a browser."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab_server(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1 whose kernels talk to the session's emulator."""
    work_dir = tmp_path_factory.mktemp("jupyterlab")
    server = start_lab(
        work_dir,
        {
            "XAI_BASE_URL": emulator.base_url,
            "XAI_API_KEY": BROWSER_TEST_KEY,
            "XAI_MAGICS_DATA_DIR": str(work_dir / "batch-jobs"),
        },
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def notebook_dir(lab_server: LabServer) -> Path:
    """The server's root: write notebooks here, open them by file name."""
    return lab_server.notebook_dir


class _Chromium:
    """Playwright and its Chromium, from a process's first browser test to its last one.

    Playwright's sync API keeps an event loop running on the main thread while it lives, and a
    later test that calls ``asyncio.run`` would fail for that alone: so it stops as soon as the
    browser tests are over (an xdist worker goes on with other modules after them).
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is None:
            if not os.path.exists(CHROMIUM):
                pytest.fail(
                    f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
                )
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        return self._browser

    def stop(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


_CHROMIUM = _Chromium()


@pytest.fixture
def browser() -> Browser:
    """Debian's headless Chromium (CI installs the `chromium` package), shared by the tests."""
    return _CHROMIUM.browser()


@pytest.fixture
def lab(
    browser: Browser, lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    """A fresh browser context on the session's JupyterLab; screenshots go to
    test-output/browser/<test>/, and a failing test leaves a last screenshot there."""
    yield from lab_page_on(browser, lab_server, request)


@pytest.fixture
def notebook7(
    browser: Browser, lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    """Like ``lab``, in Notebook 7 (served by the same server at /tree and /notebooks)."""
    yield from lab_page_on(browser, lab_server, request, NOTEBOOK7)


@pytest.fixture(params=FRONT_ENDS)
def front_end(
    browser: Browser, lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    """A page in each supported front end in turn: JupyterLab, then Notebook 7."""
    yield from lab_page_on(browser, lab_server, request, request.param)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell a failed test at teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Stop Chromium after the last browser test, once its pages are closed."""
    try:
        return (yield)
    finally:
        if nextitem is None or nextitem.get_closest_marker("browser") is None:
            _CHROMIUM.stop()
