"""Drive real JupyterLab in headless Chromium: a server, a browser, and a page on one notebook.

JupyterLab runs as a subprocess on 127.0.0.1 (a free port, a random token, the news popup off,
settings and runtime files in a temporary directory) with the emulator's URL and a test key in
its environment, so kernels it starts talk to the emulator. Chromium is Debian's, driven through
Python Playwright; `playwright install` is never needed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

if TYPE_CHECKING:
    import pytest
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page

ROOT = Path(__file__).resolve().parents[2]
OUTPUT_ROOT = ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("XAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The front ends one server offers: JupyterLab at /lab, Notebook 7 at /tree and /notebooks.
LAB = "lab"
NOTEBOOK7 = "notebook7"
FRONT_ENDS = (LAB, NOTEBOOK7)
# Notebook 7's own errors (notebook 7.6.5 with jupyterlab 4.6.6); they say nothing about our
# code: its shortcuts plugin reads the schema of a plugin it has not loaded (raised with our
# extension disabled too), and its file browser's restore, on a server where JupyterLab pages
# were open before, asks for a JupyterLab command the notebook page does not have. On such a
# server its static files named like JupyterLab's (MathJax's fonts) are refused: jupyter_server's
# FileFindHandler caches a file's place by name alone, across both front ends' static folders.
NOTEBOOK7_OWN_ERRORS = (
    "Cannot read properties of undefined (reading 'schema')",
    "Command 'filebrowser:open-path' not registered",
    "status of 403 (Forbidden): /static/notebook/",
)
THEMES_PLUGIN = "@jupyterlab/apputils-extension:themes"
# The kernel reads these; the emulator accepts any key but a designated bad one.
BROWSER_TEST_KEY = "xai-browser-test-key"


@dataclass
class LabServer:
    """A running `jupyter lab` process and how to reach it."""

    base_url: str
    token: str
    notebook_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def notebook_url(self, name: str, front_end: str = LAB) -> str:
        """Where ``front_end`` (JupyterLab or Notebook 7, both served here) opens a notebook."""
        if front_end == NOTEBOOK7:
            return f"{self.base_url}/notebooks/{name}?token={self.token}"
        # `reset`: start from an empty workspace, not the tabs an earlier test left open.
        return f"{self.base_url}/lab/tree/{name}?reset&token={self.token}"

    def api(self, path: str) -> Any:
        """GET a server REST route, as JSON."""
        return self._send("GET", path)

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def shutdown_kernels(self) -> None:
        """End every session, so kernels of earlier tests do not compete for the CPU."""
        for session in self.api("/api/sessions"):
            self._send("DELETE", f"/api/sessions/{session['id']}")

    def put_settings(self, plugin_id: str, values: Mapping[str, Any]) -> None:
        """Store a plugin's user settings through the server, which checks them against the
        plugin's schema; pages loaded afterwards see them."""
        self._send("PUT", f"/lab/api/settings/{plugin_id}", {"raw": json.dumps(dict(values))})

    def stop(self) -> None:
        """SIGTERM lets the server shut its kernels down; SIGKILL if it does not exit."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def _write_quiet_settings(settings_dir: Path) -> None:
    """No news popup and no update check: they overlay screenshots and reach the internet."""
    notification = settings_dir / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def start_lab(work_dir: Path, env_overrides: Mapping[str, str], timeout_s: float = 90) -> LabServer:
    """Start JupyterLab on a free port of 127.0.0.1 and wait until it answers."""
    notebook_dir = work_dir / "notebooks"
    settings_dir = work_dir / "settings"
    runtime_dir = work_dir / "runtime"
    for directory in (notebook_dir, settings_dir, runtime_dir, work_dir / "workspaces"):
        directory.mkdir(parents=True, exist_ok=True)
    _write_quiet_settings(settings_dir)
    token = secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(runtime_dir),
        "JUPYTER_CONFIG_DIR": str(work_dir / "config"),
        "IPYTHONDIR": str(work_dir / "ipython"),
        **env_overrides,
    }
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        "--ServerApp.port=0",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebook_dir}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={work_dir / 'workspaces'}",
        "--LabApp.news_url=",
        # Notebook 7 (its server extension loads with JupyterLab's) gets the same settings.
        "--JupyterNotebookApp.expose_app_in_browser=True",
        f"--JupyterNotebookApp.user_settings_dir={settings_dir}",
        f"--JupyterNotebookApp.workspaces_dir={work_dir / 'workspaces'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root; JupyterLab refuses that otherwise
    log_path = work_dir / "jupyterlab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early:\n{log_path.read_text()}")
        server_files = list(runtime_dir.glob("jpserver-*.json"))
        if server_files:
            info = json.loads(server_files[0].read_text() or "{}")
            if info.get("port"):
                server = LabServer(
                    base_url=f"http://127.0.0.1:{info['port']}",
                    token=token,
                    notebook_dir=notebook_dir,
                    process=process,
                    log_path=log_path,
                )
                try:
                    server.api("/api/status")
                except (urllib.error.URLError, ConnectionError):
                    pass
                else:
                    return server
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"jupyter lab did not answer in {timeout_s} s:\n{log_path.read_text()}")


def python_notebook(cells: Sequence[str] = ()) -> nbformat.NotebookNode:
    """A notebook for the python3 kernel (no kernel picker) holding code cells."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    return notebook


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """A Python notebook of code cells (not typed into the editor: auto-indent mangles code)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(python_notebook(cells), path)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


# JavaScript run in the page. `app` is JupyterLab itself (exposed by expose_app_in_browser).
_CURRENT_NOTEBOOK = "window.jupyterapp.shell.currentWidget"
# Idle, and every cell's execute reply in: the kernel reports idle on iopub before the reply
# (which sets the cell's execution count) arrives on the shell channel.
_KERNEL_IDLE = f"""() => {{
  const panel = {_CURRENT_NOTEBOOK};
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected'
    && panel.content.widgets.every((cell) => cell.model.executionState !== 'running');
}}"""


@dataclass
class LabPage:
    """A browser page on JupyterLab, with helpers for the steps tests take on a notebook."""

    page: Page
    server: LabServer
    output_dir: Path
    front_end: str = LAB
    console_errors: list[str] = field(default_factory=list)
    dark: bool = False
    _shots: int = 0

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            # a failed load names no resource in its text: say which one
            url = message.location.get("url", "") if message.text.startswith("Failed to") else ""
            where = f": {urllib.parse.urlsplit(url).path}" if url else ""
            self.console_errors.append(message.text + where)

    def _on_page_error(self, error: Error) -> None:
        self.console_errors.append(f"uncaught: {error}\n{error.stack or ''}".rstrip())

    def open_notebook(self, name: str, timeout_ms: int = 60_000) -> None:
        """Open a notebook from the server's root and wait until its kernel is idle."""
        self.page.goto(self.server.notebook_url(name, self.front_end))
        self.page.wait_for_function(
            f"""() => {{
              const app = window.jupyterapp;
              const panel = app && {_CURRENT_NOTEBOOK};
              return !!panel && !!panel.context && panel.context.path === {json.dumps(name)}
                && panel.context.isReady;
            }}""",
            timeout=timeout_ms,
        )
        self.wait_for_kernel_idle(timeout_ms)

    def wait_for_kernel_idle(
        self, timeout_ms: int = 60_000, *, every_ms: int | None = None
    ) -> None:
        """``every_ms``: look that often instead of on every animation frame (which makes the
        page draw frames while it waits: a benchmark's instrument must not)."""
        self.page.wait_for_function(
            _KERNEL_IDLE, timeout=timeout_ms, polling="raf" if every_ms is None else every_ms
        )

    def wait_for(self, predicate: str, timeout_ms: int = 60_000) -> None:
        """Wait until the JavaScript `predicate` (a function source) is true; fail at once, with
        the traceback, if a cell of the current notebook raises meanwhile."""
        self.page.wait_for_function(
            f"""() => ({predicate})() || !!{_CURRENT_NOTEBOOK}.node.querySelector(
                 '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')""",
            timeout=timeout_ms,
        )
        failures = self.notebook_locator().locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        if failures.count():
            raise AssertionError("a cell failed:\n" + "\n".join(failures.all_inner_texts()))

    def command(self, command_id: str, args: Mapping[str, Any] | None = None) -> Any:
        """Execute a JupyterLab command and return its (JSON-able) result."""
        return self.page.evaluate(
            "async ([id, args]) => { const r = await window.jupyterapp.commands.execute(id, args);"
            " return r === undefined || typeof r === 'object' ? null : r; }",
            [command_id, dict(args or {})],
        )

    def run_all(self, wait: bool = True, timeout_ms: int = 60_000) -> None:
        """Run every cell; with `wait`, until the kernel has answered them all and is idle."""
        if not wait:
            self.page.evaluate(
                "() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
            )
            return
        self.command("notebook:run-all-cells")
        self.wait_for_kernel_idle(timeout_ms)

    def kernel_run(self, code: str) -> None:
        """Run code in the notebook's kernel without adding a cell; raise if it fails."""
        reply = self.page.evaluate(
            f"""async (code) => {{
              const kernel = {_CURRENT_NOTEBOOK}.sessionContext.session.kernel;
              const reply = await kernel.requestExecute({{ code }}).done;
              return reply.content;
            }}""",
            code,
        )
        if reply["status"] != "ok":
            raise AssertionError(f"kernel error: {reply.get('ename')}: {reply.get('evalue')}")

    def kernel_value(self, expression: str) -> Any:
        """The value of a JSON-able Python expression in the notebook's kernel."""
        self.kernel_run(f"import json as _json; _browser_value = _json.dumps({expression})")
        reply = self.page.evaluate(
            f"""async () => {{
              const kernel = {_CURRENT_NOTEBOOK}.sessionContext.session.kernel;
              const reply = await kernel.requestExecute({{
                code: '', silent: true, user_expressions: {{ v: '_browser_value' }}
              }}).done;
              return reply.content.user_expressions.v;
            }}"""
        )
        return json.loads(ast.literal_eval(reply["data"]["text/plain"]))

    def cell_count(self) -> int:
        return int(self.page.evaluate(f"() => {_CURRENT_NOTEBOOK}.content.widgets.length"))

    def cell_source(self, index: int) -> str:
        return str(
            self.page.evaluate(
                f"(i) => {_CURRENT_NOTEBOOK}.content.widgets[i].model.sharedModel.getSource()",
                index,
            )
        )

    def cell_outputs(self, index: int) -> list[dict[str, Any]]:
        """The cell's outputs as nbformat JSON."""
        outputs = self.page.evaluate(
            f"(i) => {_CURRENT_NOTEBOOK}.content.widgets[i].model.outputs.toJSON()", index
        )
        return list(outputs)

    def select_cell(self, index: int) -> None:
        self.page.evaluate(
            f"(i) => {{ const nb = {_CURRENT_NOTEBOOK}.content; nb.activeCellIndex = i;"
            " nb.mode = 'command'; }",
            index,
        )

    def notebook_locator(self) -> Any:
        """The current notebook's panel (other tabs may hold cells too)."""
        panel_id = self.page.evaluate(f"() => {_CURRENT_NOTEBOOK}.id")
        return self.page.locator(f"#{panel_id}")

    def cell_locator(self, index: int) -> Any:
        return self.notebook_locator().locator(".jp-Cell").nth(index)

    def use_theme(self, *, dark: bool) -> None:
        """Switch JupyterLab's theme and wait until the page shows it (the choice is stored in
        the server's settings: a test that goes dark switches back before it ends, and the page
        fixture does if the test failed in the dark)."""
        theme = "JupyterLab Dark" if dark else "JupyterLab Light"
        self.command("apputils:change-theme", {"theme": theme})
        self.dark = dark
        light = "false" if dark else "true"
        self.page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
        self.page.wait_for_timeout(500)  # the theme's stylesheet applies a moment later

    def save(self) -> None:
        self.command("docmanager:save")

    def screenshot(self, step: str) -> Path:
        """Save a numbered screenshot of the whole page for people to look at."""
        self._shots += 1
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{self._shots:02d}-{_slug(step)}.png"
        self.page.screenshot(path=str(path))
        return path

    def assert_no_console_errors(self) -> None:
        known = NOTEBOOK7_OWN_ERRORS if self.front_end == NOTEBOOK7 else ()
        errors = [e for e in self.console_errors if not any(k in e for k in known)]
        assert errors == [], "browser console errors:\n" + "\n".join(errors)


def output_dir_for(nodeid: str) -> Path:
    """test-output/browser/<test id>/: screenshots and notes for one test."""
    return OUTPUT_ROOT / _slug(nodeid.split("::", 1)[-1])


def lab_page_on(
    browser: Browser, server: LabServer, request: pytest.FixtureRequest, front_end: str = LAB
) -> Iterator[LabPage]:
    """The body of a page fixture on ``server`` (the session's JupyterLab, or another), in
    ``front_end``: JupyterLab or Notebook 7."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    lab_page = LabPage(
        page=page,
        server=server,
        output_dir=output_dir_for(request.node.nodeid),
        front_end=front_end,
    )
    try:
        yield lab_page
    finally:
        report: Any = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            lab_page.screenshot("failed")
        context.close()
        if lab_page.dark:  # the next test's pages start light
            server.put_settings(THEMES_PLUGIN, {"theme": "JupyterLab Light"})
        server.shutdown_kernels()
