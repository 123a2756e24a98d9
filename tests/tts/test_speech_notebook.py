"""``examples/speech.ipynb`` executed end to end by nbclient against the emulator."""

from __future__ import annotations

import base64
import io
import wave
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import miniaudio
import nbformat
import pytest
from nbclient import NotebookClient

if TYPE_CHECKING:
    from xai_magics.emulator import Emulator

pytestmark = pytest.mark.kernel

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "speech.ipynb"


class RecordingClient(NotebookClient):  # type: ignore[misc]
    """Keeps the widgets' custom messages, which a notebook file never stores."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.custom: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def handle_comm_msg(self, outs: Any, msg: dict[str, Any], cell_index: int) -> None:
        super().handle_comm_msg(outs, msg, cell_index)
        data = msg["content"].get("data", {})
        if msg["msg_type"] == "comm_msg" and data.get("method") == "custom":
            content = dict(data["content"], size=sum(len(b) for b in msg.get("buffers", [])))
            self.custom[msg["content"]["comm_id"]].append(content)


def seconds_of(mime: str, clip: bytes) -> float:
    if mime == "audio/mpeg":
        decoded = miniaudio.decode(clip, output_format=miniaudio.SampleFormat.SIGNED16)
        return decoded.num_frames / decoded.sample_rate
    with wave.open(io.BytesIO(clip)) as reader:
        return reader.getnframes() / reader.getframerate()


def audio_clips(cell: Any) -> list[tuple[str, bytes]]:
    clips = []
    for out in cell.outputs:
        html = out.get("data", {}).get("text/html", "") if out.output_type == "display_data" else ""
        if "<audio" in html:
            uri = html.split('src="', 1)[1].split('"', 1)[0]
            header, data = uri.split(",", 1)
            clips.append((header[len("data:") : -len(";base64")], base64.b64decode(data)))
    return clips


def test_speech_notebook_runs_and_every_spoken_cell_keeps_a_playable_clip(
    api_env: dict[str, str], emu: Emulator
) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = RecordingClient(
        nb,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    spoken = [c for c in code if c.source.startswith(("%grok_tts", "%%grok_tts"))]
    spoken.append(next(c for c in code if "Speaker(" in c.source))
    assert len(spoken) == 5
    for cell in spoken:
        kinds = [o.output_type for o in cell.outputs]
        assert "application/vnd.jupyter.widget-view+json" in cell.outputs[0]["data"], cell.source
        [(mime, clip)] = audio_clips(cell)
        assert mime == ("audio/mpeg" if "--codec mp3" in cell.source else "audio/wav")
        assert seconds_of(mime, clip) > 1.0, cell.source
        assert kinds.count("error") == 0

    # %%grok --speak: the answer, then the player, then the clip of the spoken answer
    [answered] = [c for c in code if c.source.startswith("%%grok --speak")]
    answer, player, _clip = answered.outputs
    assert answer["output_type"] == "display_data"
    assert "simulated" in answer["data"]["text/plain"].lower()
    assert answer["metadata"]["xai_magics"]["receipt"]["output_tokens"] > 0
    assert "application/vnd.jupyter.widget-view+json" in player["data"]
    [(mime, clip)] = audio_clips(answered)
    assert mime == "audio/wav"
    assert seconds_of(mime, clip) > 1.0

    # Every player got all its pieces, in order, and was told the stream was complete.
    players = [m for m in client.custom.values() if any("type" in piece for piece in m)]
    assert len(players) == 6
    for messages in players:
        *chunks, end = messages
        assert [m["seq"] for m in chunks] == list(range(1, len(chunks) + 1))
        assert all(m["size"] > 0 for m in chunks)
        assert (end["type"], end["chunks"], end["status"]) == ("end", len(chunks), "complete")

    printed = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "bytes of wav" in printed
    assert "format='mulaw'" in printed
    assert "SpeechResult(voice='ara', format='wav'" in printed
    states = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    shown = [s["state"].get("text", "") for s in states.values()]
    assert any(
        t.startswith("Good morning, Ada! Today we are learning about photosynthesis.")
        for t in shown
    )
    queries = [r["query"] for r in emu.control.log() if r["path"] == "/v1/tts"]
    assert any("voice=ara" in q for q in queries)
