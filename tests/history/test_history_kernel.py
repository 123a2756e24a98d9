"""History in real kernels: a thread continued after a restart, usage summed across sessions,
the DataFrame form, search, show, clear, the file's mode and a canary key absent from it."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.kernels import Execution, Kernel
from tests.magics.kernel_harness import (
    CANARY_KEY,
    assert_inert_html,
    requests_to,
    text_table_rows,
)

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def notebook(tmp_path: Path) -> str:
    return str(tmp_path / "lesson.ipynb")


@pytest.fixture
def kernel(emu: Emulator, data_dir: Path, notebook: str) -> Iterator[Kernel]:
    """A kernel as jupyter_server starts one for ``lesson.ipynb``, with its own data dir."""
    k = Kernel(
        {
            "XAI_API_KEY": CANARY_KEY,
            "XAI_BASE_URL": emu.base_url,
            "XAI_MAGICS_DATA_DIR": str(data_dir),
            "JPY_SESSION_NAME": notebook,
        }
    )
    try:
        load(k)
        yield k
    finally:
        k.shutdown()


def load(kernel: Kernel) -> None:
    kernel.ok("%load_ext xai_magics")
    kernel.ok('%config GrokMagics.display = "text"')


def in_cell(kernel: Kernel, code: str, cell_id: str) -> Execution:
    """Run ``code`` as JupyterLab does: the cell's id in the request's metadata."""
    content = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    msg = kernel.kc.session.msg("execute_request", content)
    msg["metadata"]["cellId"] = cell_id
    kernel.kc.shell_channel.send(msg)
    execution = kernel.collect(msg["header"]["msg_id"])
    assert execution.ok, execution.error_text
    return execution


def plain(execution: Execution) -> str:
    """What a terminal would read: printed text, then each display's text/plain."""
    parts = [execution.stdout] + [str(d["data"].get("text/plain", "")) for d in execution.displays]
    return "\n\n".join(part for part in parts if part)


def test_a_thread_continues_after_a_restart_and_usage_all_counts_both_sessions(
    kernel: Kernel, emu: Emulator, data_dir: Path, notebook: str
) -> None:
    in_cell(kernel, "%%grok --thread tides -o first\nMy name is Ada.", "cell-1")
    first_id = kernel.value("first.response_id")
    first_cost = kernel.value("first.cost_usd")
    kernel.restart()
    load(kernel)
    # Tab offers the thread an earlier kernel of this notebook recorded.
    assert kernel.complete("%%grok --thread ti") == (["tides"], "ti")

    in_cell(kernel, "%%grok --thread tides -o second\nWhat is my name?", "cell-2")
    body = requests_to(emu, "/responses")[-1]["body"]
    assert body["previous_response_id"] == first_id
    second_cost = kernel.value("second.cost_usd")

    threads = text_table_rows(plain(kernel.ok("%grok_thread")))
    assert [(r["thread"], r["turns"]) for r in threads] == [("tides", "2")]

    # This session alone by default; --all sums the history of both.
    session = text_table_rows(plain(kernel.ok("%grok_usage")))
    assert session[-1]["requests"] == "1"
    everything = kernel.ok("%grok_usage --all")
    rows = text_table_rows(plain(everything))
    assert rows[-1]["model"] == "total"
    assert rows[-1]["requests"] == "2"
    assert rows[-1]["cost"] == f"${first_cost + second_cost:.6f}"
    [chart] = [d for d in everything.displays if "image/svg+xml" in d["data"]]
    assert "<script" not in chart["data"]["image/svg+xml"]
    assert "2 requests" in chart["data"]["text/plain"]

    kernel.ok("%grok_history -o calls")
    assert kernel.value("len(calls)") == 2
    assert kernel.value("list(calls.cell_id)") == ["cell-2", "cell-1"]
    assert kernel.value("set(calls.notebook)") == {notebook}
    assert kernel.value("calls.session.nunique()") == 2
    assert kernel.value("list(calls.prompt)") == ["What is my name?", "My name is Ada."]
    assert kernel.value("str(calls.time.dtype)").startswith("datetime64")

    store = data_dir / "history.sqlite3"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    on_disk = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith("history"))
    assert b"My name is Ada." in on_disk
    assert CANARY_KEY.encode() not in on_disk


def test_history_lists_searches_shows_and_clears(kernel: Kernel, emu: Emulator) -> None:
    emu.control.inject("answer", "/v1/responses", text="Tides follow the **moon**.")
    in_cell(kernel, "%grok Why are there tides?", "cell-a")
    in_cell(kernel, "%grok --compare grok-4.3,grok-3-mini -- Haiku about rain", "cell-b")

    listed = text_table_rows(plain(kernel.ok("%grok_history")))
    assert [r["prompt"] for r in listed] == [
        "Haiku about rain",
        "Haiku about rain",
        "Why are there tides?",
    ]
    assert sorted(r["model"] for r in listed[:2]) == ["grok-3-mini", "grok-4.3"]
    assert {r["notebook"] for r in listed} == {"lesson.ipynb"}
    kernel.ok("%grok_history --frame")
    assert kernel.value("sorted(_.cell_id)") == ["cell-a", "cell-b", "cell-b"]

    found = text_table_rows(plain(kernel.ok("%grok_history --search MOON")))
    assert [r["prompt"] for r in found] == ["Why are there tides?"]
    shown = kernel.ok(f"%grok_history --show {found[0]['id']}").only_display()
    assert "<strong>moon</strong>" in shown["data"]["text/html"]
    assert "cell-a" in shown["data"]["text/plain"]

    kernel.ok("%config GrokMagics.history = False")
    in_cell(kernel, "%grok Not recorded", "cell-c")
    kernel.ok("%config GrokMagics.history = True")
    assert len(text_table_rows(plain(kernel.ok("%grok_history")))) == 3

    kept = kernel.ok("%grok_history --clear --before 2000-01-01")
    assert "Forgot 0 recorded call(s)" in kept.stdout
    gone = kernel.ok("%grok_history --clear")
    assert "Forgot 3 recorded call(s)" in gone.stdout
    assert "No recorded calls yet." in kernel.ok("%grok_history").stdout


def test_a_speech_clip_is_an_entry(kernel: Kernel) -> None:
    in_cell(kernel, "clip = %grok_tts Hello from the history", "cell-tts")
    kernel.ok("%grok_history -o calls")
    row = kernel.value("calls.iloc[0][['kind', 'prompt', 'outcome', 'cell_id']].tolist()")
    assert row == ["tts", "Hello from the history", "ok", "cell-tts"]
    assert kernel.value("float(calls.iloc[0].cost_usd)") == kernel.value("clip.cost_usd") > 0
    assert "audio" in kernel.value("calls.iloc[0].answer")


def test_a_reset_thread_stays_forgotten_after_a_restart(kernel: Kernel, emu: Emulator) -> None:
    in_cell(kernel, "%%grok --thread notes\nRemember 42.", "cell-1")
    kernel.restart()
    load(kernel)
    assert "Forgot 1 thread(s): notes" in kernel.ok("%grok_thread --reset notes").stdout
    kernel.restart()
    load(kernel)
    assert "No threads yet" in kernel.ok("%grok_thread").stdout
    in_cell(kernel, "%%grok --thread notes\nWhat number?", "cell-2")
    assert "previous_response_id" not in requests_to(emu, "/responses")[-1]["body"]


def test_help_describes_the_history(kernel: Kernel) -> None:
    shown = kernel.ok("%grok_history?")
    help_text = str(shown.reply) + str(shown.messages)
    for words in ("--search", "--frame", "--clear", "history.sqlite3", "GrokMagics.history"):
        assert words in help_text


def test_tab_completes_the_history_options(kernel: Kernel) -> None:
    assert kernel.complete("%grok_history --s") == (["--search", "--show", "--since"], "--s")
    assert "--before" in kernel.complete("%grok_history --clear --")[0]
    assert kernel.complete("%grok_usage --a") == (["--all"], "--a")


def test_a_hostile_call_is_inert_in_the_list_and_shown_whole(kernel: Kernel, emu: Emulator) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    emu.control.inject("answer", "/v1/responses", text=hostile)
    in_cell(kernel, "%%grok --raw\n<img src=y onerror=alert(4)> please", "cell-h")
    listed = kernel.ok("%grok_history").only_display()["data"]["text/html"]
    assert_inert_html(listed)
    shown = kernel.ok("%grok_history --show 1").only_display()["data"]["text/html"]
    assert_inert_html(shown)
    assert "&lt;img src=y onerror=alert(4)&gt;" in shown


def test_mistakes_are_one_line(kernel: Kernel) -> None:
    for line, says in [
        ("%grok_history --show 999", "No call #999"),
        ("%grok_history --since yesterday", "is not a date"),
        ("%grok_history --before 2026-01-01", "--before DATE goes with --clear"),
    ]:
        failed = kernel.run(line)
        assert not failed.ok
        assert says in failed.error_text
        assert "Traceback" not in failed.error_text
