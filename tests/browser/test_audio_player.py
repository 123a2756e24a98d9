"""The AudioPlayer in real JupyterLab (headless Chromium): speech starts playing while it is
still streaming in, every piece is scheduled and played, words light up, the console stays clean."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from lab_harness import LabPage, write_notebook

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

TEXT = (
    "Good morning, class. Today the notebook speaks while the audio is still arriving, "
    "and every word is highlighted as it is said."
)
PLAYER = ".xai-audio-player"


def test_speech_plays_before_the_last_piece_arrives_and_every_piece_is_scheduled(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    # Paced at twice real time, as a service would send it: ~40 pieces over ~3 s.
    emu.control.configure(tts_realtime_factor=0.5)
    write_notebook(notebook_dir / "speech.ipynb", ["%load_ext xai_magics", f"%grok_tts {TEXT}"])
    lab.open_notebook("speech.ipynb")
    lab.run_all(wait=False)

    player = lab.notebook_locator().locator(PLAYER)
    lab.page.wait_for_function(
        f"() => {{ const el = document.querySelector('{PLAYER}');"
        " return el && Number(el.dataset.chunksReceived) >= 3; }",
        timeout=60_000,
    )
    lab.screenshot("streaming")
    # no seeking into audio that has not arrived: the bar follows playback until the end
    seek_while_streaming = player.evaluate(
        "el => [el.dataset.status, el.querySelector('.xai-audio-seek').disabled]"
    )
    assert seek_while_streaming in (["streaming", True], ["complete", False])
    lab.page.wait_for_function(
        f"() => document.querySelector('{PLAYER} .xai-audio-current').textContent.trim() !== ''",
        timeout=30_000,
    )
    highlighted = player.locator(".xai-audio-current").inner_text().strip()
    lab.screenshot("a word highlighted")
    lab.page.wait_for_function(
        f"() => {{ const d = document.querySelector('{PLAYER}').dataset;"
        " return d.status === 'complete' && d.chunksExpected !== ''"
        " && d.chunksEnded === d.chunksExpected; }",
        timeout=60_000,
    )
    lab.wait_for_kernel_idle()
    data = player.evaluate("el => ({...el.dataset})")
    lab.screenshot("played to the end")

    expected = int(data["chunksExpected"])
    assert expected > 10
    assert data["chunksReceived"] == data["chunksScheduled"] == str(expected)
    assert 1 <= int(data["playingStartedAtChunk"]) < expected
    assert data["audioState"] == "running"
    assert highlighted
    assert highlighted in TEXT
    # The saved clip sits under the live player, as an ordinary <audio> element, hidden while
    # the player holds the audio: one player per cell.
    clip = lab.cell_locator(1).locator("audio source")
    assert clip.get_attribute("type") == "audio/wav"
    assert lab.cell_locator(1).locator("audio").is_hidden()
    assert player.locator(".xai-audio-download").is_visible()
    assert player.locator(".xai-audio-seek").is_enabled()

    # Reopened, the player has no audio (custom messages are not saved): the clip shows.
    lab.save()
    lab.page.reload()
    lab.open_notebook("speech.ipynb")
    lab.cell_locator(1).locator("audio").wait_for(state="visible")
    restored = lab.notebook_locator().locator(PLAYER)
    restored.wait_for(state="visible")
    assert TEXT in restored.inner_text()
    assert restored.locator(".xai-audio-bar").is_hidden()  # a player with nothing to play
    lab.screenshot("reopened: the kept clip plays")
    lab.assert_no_console_errors()


def test_mp3_clip_plays_pauses_resumes_and_downloads_whole(
    lab: LabPage, notebook_dir: Path, emu: Emulator
) -> None:
    write_notebook(
        notebook_dir / "mp3.ipynb",
        ["%load_ext xai_magics", "%grok_tts --codec mp3 --voice leo One clip, arriving whole."],
    )
    lab.open_notebook("mp3.ipynb")
    lab.run_all()
    player = lab.notebook_locator().locator(PLAYER)
    lab.page.wait_for_function(
        f"() => {{ const d = document.querySelector('{PLAYER}').dataset;"
        " return d.chunksScheduled === '1' && d.audioState === 'running'; }"
    )
    player.locator(".xai-audio-play").click()
    lab.page.wait_for_function(
        f"() => document.querySelector('{PLAYER}').dataset.audioState === 'suspended'"
    )
    lab.screenshot("paused")
    player.locator(".xai-audio-play").click()
    lab.page.wait_for_function(
        f"() => document.querySelector('{PLAYER}').dataset.chunksEnded === '1'", timeout=30_000
    )
    with lab.page.expect_download() as download_info:
        player.locator(".xai-audio-download").click()
    download = download_info.value
    saved = Path(download.path()).read_bytes()
    lab.screenshot("played and downloaded")

    # Seek: half-way through, and it plays on from there.
    duration = float(player.locator(".xai-audio-seek").get_attribute("max") or 0)
    assert duration > 1
    player.locator(".xai-audio-seek").fill(str(duration / 2))
    lab.page.wait_for_function(
        f"() => {{ const d = document.querySelector('{PLAYER}').dataset;"
        f" return d.audioState === 'running' && Number(d.position) > {duration / 2 + 0.1}; }}",
        timeout=30_000,
    )
    position = float(player.evaluate("el => el.dataset.position"))
    assert duration / 2 < position <= duration
    lab.screenshot("seeked half-way")

    source = lab.cell_locator(1).locator("audio source")
    kept = base64.b64decode((source.get_attribute("src") or ",").split(",", 1)[1])
    assert download.suggested_filename == "grok-leo.mp3"
    assert source.get_attribute("type") == "audio/mpeg"
    assert saved == kept  # the player's download is exactly the clip the notebook keeps
    assert saved[:2] in (b"\xff\xf3", b"\xff\xfb", b"ID")
    lab.assert_no_console_errors()
