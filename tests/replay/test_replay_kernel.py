"""``%grok_replay`` in real kernels: cells recorded against the emulator with a canary key,
then played in a fresh kernel with no key and no network: the same answers, receipts that say
"replayed", nothing spent, a miss in one line, a hostile answer still inert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.kernels import Kernel
from tests.magics.kernel_harness import CANARY_KEY, assert_inert_html, text_table_rows
from tests.replay.test_cassette_client import DEAD_URL

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

CELLS = [
    "%%grok\nExplain <b>tables</b> in two lines",
    "%%grok --no-stream -m grok-3-mini\nA short poem about rivers",
    "%%grok --api chat\nA chat answer",
    "%%grok --thread t1\nFirst turn of the thread",
    "%%grok --thread t1\nSecond turn of the thread",
]
SPEECH = (
    "clip = %grok_tts --codec pcm --sample-rate 8000 Hello from the cassette\n"
    "import hashlib; hashlib.sha256(clip.audio).hexdigest()"
)
HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(2)</script>"


def answer(run: Any) -> dict[str, str]:
    data = run.only_display()["data"]
    return {
        "markdown": data["text/markdown"],
        "html": data["text/html"],
        "plain": data["text/plain"],
    }


def strip_receipt(text: str) -> str:
    """The answer without its receipt line (timings and the cost wording differ)."""
    return text.rsplit("\n\n", 1)[0]


@pytest.fixture(scope="module")
def recorded(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The cells run live against the emulator while recording, and what they showed."""
    emulator.control.reset()
    path = tmp_path_factory.mktemp("replay") / "lesson.grok.jsonl"
    kernel = Kernel({"XAI_API_KEY": CANARY_KEY, "XAI_BASE_URL": emulator.base_url})
    try:
        kernel.ok("%load_ext xai_magics")
        kernel.ok(f"%grok_replay record {path}")
        emulator.control.inject("answer", "/v1/responses", text=HOSTILE)
        hostile = answer(kernel.ok("%%grok\nbe evil"))
        shown = [answer(kernel.ok(cell)) for cell in CELLS]
        audio = kernel.ok(SPEECH)
        usage = text_table_rows(kernel.ok("%grok_usage").only_display()["data"]["text/plain"])
        status = kernel.ok("%grok_replay status").stdout
    finally:
        kernel.shutdown()
    return {
        "path": path,
        "hostile": hostile,
        "shown": shown,
        "audio": audio.displays[-1]["data"]["text/plain"],
        "usage": usage,
        "status": status,
    }


@pytest.fixture(scope="module")
def player(recorded: dict[str, Any]) -> Iterator[Kernel]:
    """A fresh kernel with no key, pointed at nothing, playing the cassette at once."""
    kernel = Kernel({"XAI_BASE_URL": DEAD_URL})
    try:
        kernel.ok("%load_ext xai_magics")
        kernel.ok('%config GrokMagics.display = "text"')
        kernel.ok(f"%grok_replay play {recorded['path']} --pace instant")
        yield kernel
    finally:
        kernel.shutdown()


def test_recording_counts_and_keeps_no_key(recorded: dict[str, Any]) -> None:
    assert "recording into" in recorded["status"]
    assert f"{len(CELLS) + 2} exchanges recorded" in recorded["status"]
    text = recorded["path"].read_text()
    assert CANARY_KEY not in text
    assert CANARY_KEY[4:20] not in text
    assert "Bearer" not in text


def test_played_cells_show_the_recorded_answers(
    recorded: dict[str, Any], player: Kernel, emu: Emulator
) -> None:
    before = len(emu.control.log())
    for cell, live in zip(CELLS, recorded["shown"], strict=True):
        run = player.ok(cell)
        played = answer(run)
        assert strip_receipt(played["markdown"]) == strip_receipt(live["markdown"]), cell
        assert "replayed, $0 (recorded at $" in played["plain"], cell
    assert player.ok(SPEECH).displays[-1]["data"]["text/plain"] == recorded["audio"]
    assert len(emu.control.log()) == before


def test_replayed_calls_cost_nothing_in_usage(recorded: dict[str, Any], player: Kernel) -> None:
    player.ok("%grok_usage --clear")
    player.ok(CELLS[0])
    player.ok(SPEECH)
    rows = text_table_rows(player.ok("%grok_usage").only_display()["data"]["text/plain"])
    assert {r["model"] for r in rows} == {"grok-4.3 (replayed)", "tts (eve) (replayed)", "total"}
    assert {r["cost"] for r in rows} == {"$0"}
    live_cost = next(r["cost"] for r in recorded["usage"] if r["model"] == "grok-4.3")
    assert live_cost.startswith("$0.0")


def test_a_miss_is_one_line_naming_the_closest_cell(player: Kernel) -> None:
    run = player.run("%%grok\nExplain <b>tables</b> in three lines")
    assert not run.ok
    (line,) = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert line.startswith("UsageError: no recorded answer in lesson.grok.jsonl")
    assert "closest recorded: POST /v1/responses (grok-4.3, “Explain <b>tables</b> in two" in line
    assert "Traceback" not in run.error_text
    assert "miss" in player.ok("%grok_replay status").stdout


def test_a_hostile_answer_replays_as_inert_as_it_came(
    recorded: dict[str, Any], player: Kernel
) -> None:
    played = answer(player.ok("%%grok\nbe evil"))
    assert_inert_html(played["html"])
    assert strip_receipt(played["markdown"]) == strip_receipt(recorded["hostile"]["markdown"])
    assert "<script>" not in played["html"]


def test_off_goes_back_to_the_network(recorded: dict[str, Any], player: Kernel) -> None:
    assert "replay is off" in player.ok("%grok_replay off").stdout
    run = player.run(CELLS[0])
    assert "XAI_API_KEY is not set" in run.error_text
    player.ok(f"%grok_replay play {recorded['path']} --pace instant")


def test_default_cassette_sits_next_to_the_notebook(tmp_path: Path) -> None:
    notebook = tmp_path / "lesson.ipynb"
    kernel = Kernel({"JPY_SESSION_NAME": str(notebook)})
    try:
        kernel.ok("%load_ext xai_magics")
        assert (
            f"recording into {tmp_path / 'lesson.grok.jsonl'}"
            in kernel.ok("%grok_replay record").stdout
        )
        kernel.ok(
            "import os; del os.environ['JPY_SESSION_NAME']; globals().pop('__session__', None)"
        )
        run = kernel.ok(f"import os; os.chdir({str(tmp_path)!r})\n%grok_replay record")
        assert "recording into notebook.grok.jsonl" in run.stdout
        assert "The notebook's path is not known here" in run.stderr
        assert kernel.complete("%grok_replay p") == (["play"], "p")
        assert kernel.complete("%grok_replay play --p") == (["--pace"], "--p")
        assert kernel.complete("%grok_replay play ") == (
            sorted(["lesson.grok.jsonl", "notebook.grok.jsonl"]),
            "",
        )
        (help_page,) = kernel.ok("%grok_replay?").reply["payload"]
        assert "--pace" in help_page["data"]["text/plain"]
        assert "never holds the API key" in help_page["data"]["text/plain"]
        run = kernel.run("%grok_replay play missing.grok.jsonl")
        assert "UsageError: no cassette at missing.grok.jsonl" in run.error_text
        assert "Traceback" not in run.error_text
    finally:
        kernel.shutdown()


def test_a_batch_job_replays_in_a_fresh_data_dir(emu: Emulator, tmp_path: Path) -> None:
    """No job store to re-attach to: the batch is created, filled and polled from the cassette
    (its name's per-run nonce is the new run's), and polling ends on the recorded final state."""
    cassette = tmp_path / "batch.grok.jsonl"
    frame = (
        "import pandas as pd\ndf = pd.DataFrame({'q': ['Why blue?', 'Why green?', 'Why salty?']})"
    )
    ask = "out = %grok_batch df --prompt 'Answer: {q}' --wait\nout['answer'].tolist()"
    live = Kernel(
        {
            "XAI_API_KEY": CANARY_KEY,
            "XAI_BASE_URL": emu.base_url,
            "XAI_MAGICS_DATA_DIR": str(tmp_path / "live"),
        }
    )
    try:
        live.ok(f"%load_ext xai_magics\n{frame}")
        live.ok(f"%grok_replay record {cassette}")
        answers = live.ok(ask).displays[-1]["data"]["text/plain"]
        # create, list, add, polls until done, results: how many polls depends on timing
        status = live.ok("%grok_replay status").stdout
        assert int(status.split(": ")[-1].split()[0]) >= 5, status
    finally:
        live.shutdown()
    assert CANARY_KEY not in cassette.read_text()
    played = Kernel({"XAI_BASE_URL": DEAD_URL, "XAI_MAGICS_DATA_DIR": str(tmp_path / "played")})
    try:
        played.ok(f"%load_ext xai_magics\n{frame}")
        played.ok(f"%grok_replay play {cassette} --pace instant")
        assert played.ok(ask).displays[-1]["data"]["text/plain"] == answers
        assert "0 misses" in played.ok("%grok_replay status").stdout
        usage = played.ok("%grok_usage").only_display()["data"]["text/plain"]
        rows = text_table_rows(usage)
        assert rows[0]["model"] == "grok-4.3 (batch) (replayed)"
        assert rows[-1]["cost"] == "$0"
    finally:
        played.shutdown()
