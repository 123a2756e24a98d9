"""``%grok_tts`` / ``%%grok_tts``: speak text in the notebook, playing while the audio streams in.

The cell shows an ``AudioPlayer`` that starts with the first piece of audio, then an ordinary
audio output of the finished clip, so a saved notebook still plays without a kernel (the live
player hides that copy while it holds the audio). The magic returns the ``SpeechResult`` (bytes,
format, duration, cost).
"""

from __future__ import annotations

import html
import re
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.display import Audio, display
from traitlets import Float, Int, Unicode

from xai_magics.audio import Codec
from xai_magics.magics._typing import argument, magic_arguments, parse_argstring
from xai_magics.magics.key_prompt import ask_for_missing_key, forget_rejected_key
from xai_magics.speech import SpeechInputError, SpeechResult, check_request, speak, wire_codec
from xai_magics.templates import TemplateError, interpolate

if TYPE_CHECKING:
    import argparse

    from xai_magics.spend import Bound, Ticket
    from xai_magics.widgets.audio_player import AudioPlayer

__all__ = ["KeptClip", "TTSMagics", "audio_output", "record_speech_spend", "split_options"]

# Every option takes a value, so the options end at the first word that is not one of them.
_OPTION = re.compile(r"\s*(--?[A-Za-z][\w-]*)(?:=(\S+)|\s+(\S+))")


def split_options(line: str) -> tuple[str, str]:
    """``(options, text)``: the text is kept exactly as written (quotes, spacing, punctuation)."""
    pos = 0
    while True:
        rest = line[pos:]
        if rest.lstrip().startswith("-- ") or rest.strip() == "--":
            end = pos + rest.index("--") + 2
            return line[:pos], line[end:].strip()
        match = _OPTION.match(rest)
        if match is None:
            return line[:pos], rest.strip()
        pos += match.end()


@dataclass(frozen=True)
class KeptClip:
    """The whole clip as an ordinary output: an ``<audio>`` element and a line of text."""

    html: str
    text: str

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": self.text}


def audio_output(result: SpeechResult, *, player: AudioPlayer | None = None) -> KeptClip:
    """The clip as an ordinary ``<audio>`` output, saved with the notebook.

    ``player`` is the live ``AudioPlayer`` of the same cell: while it holds the audio it hides
    this copy, so the cell shows one player; where it cannot play (a saved notebook, a reloaded
    page, nbconvert) this copy shows.
    """
    clip, mime = result.clip()
    output = Audio(data=clip, autoplay=False)  # type: ignore[no-untyped-call]
    # IPython labels raw bytes as WAV; MP3 must say what it is or browsers refuse it.
    output.mimetype = mime
    tag = f' data-xai-clip="{html.escape(player.uid)}"' if player is not None else ""
    audio_html = output._repr_html_()  # type: ignore[no-untyped-call]
    return KeptClip(
        html=f'<div class="xai-audio-clip"{tag}>{audio_html}</div>',
        text=f"<audio clip: {result.duration_s:.1f} s, {mime}>",
    )


@magics_class
class TTSMagics(Magics):
    """Text to speech with xAI's voices."""

    voice = Unicode("eve", help="Voice used when --voice is not given.").tag(config=True)
    language = Unicode("en", help="Language used when --language is not given.").tag(config=True)
    codec = Unicode("wav", help="Clip format used when --codec is not given.").tag(config=True)
    sample_rate = Int(24000, help="Sample rate used when --sample-rate is not given.").tag(
        config=True
    )
    speed = Float(1.0, help="Speaking speed used when --speed is not given.").tag(config=True)
    max_embed_mb = Float(
        20.0,
        help="Largest clip kept in the notebook; a bigger one is only played (use --codec mp3).",
    ).tag(config=True)

    @no_var_expand
    @magic_arguments()
    @argument("--voice", "-v", help="eve (default), ara, rex, sal, leo, or a custom voice id.")
    @argument("--language", "-l", help="BCP-47 language such as en, fr, pt-BR, or auto.")
    @argument(
        "--codec",
        "-c",
        help="wav (default) and pcm stream and play at once; mp3 arrives whole and is smaller.",
    )
    @argument("--speed", "-s", type=float, help="0.7 to 1.5 (default 1.0).")
    @argument(
        "--sample-rate", type=int, help="8000, 16000, 22050, 24000 (default), 44100 or 48000."
    )
    @argument("text", nargs="*", help="What to say (or put it in the cell below %%%%grok_tts).")
    @line_cell_magic
    def grok_tts(self, line: str, cell: str | None = None) -> SpeechResult:
        """Speak TEXT (the rest of the line, or the cell) aloud with Grok's voice.

        ``%grok_tts [options] TEXT`` or ``%%grok_tts [options]`` with the text in the cell;
        ``{name}`` takes the value of a variable, ``{{name}}`` keeps the braces. The audio plays
        while it streams in; the cell keeps a playable clip and returns a ``SpeechResult``.
        """
        options_text, text = split_options(line)
        if cell is not None:
            options_text, text = line, cell.strip()
        # A malformed option raises UsageError from IPython's parser, with the usage line.
        args: argparse.Namespace = parse_argstring(self.grok_tts, options_text)  # type: ignore[misc]
        text = self._fill(text)
        sample_rate = args.sample_rate or self.sample_rate
        speed = args.speed if args.speed is not None else self.speed
        try:
            voice, language, codec = check_request(
                text,
                voice=args.voice or self.voice,
                language=args.language or self.language,
                codec=args.codec or self.codec,
                sample_rate=sample_rate,
                speed=speed,
            )
        except SpeechInputError as exc:
            raise UsageError(str(exc)) from None
        if codec not in ("mp3", "wav", "pcm"):
            raise UsageError(f"%grok_tts plays mp3, wav or pcm, not {codec!r}.")
        return self._speak(text, voice, language, codec, sample_rate, speed)

    def _fill(self, text: str) -> str:
        if self.shell is None:
            raise UsageError("%grok_tts needs an IPython shell")
        namespace = self.shell.user_ns
        try:
            return interpolate(
                text,
                namespace.__getitem__,
                candidates=lambda: [name for name in namespace if not name.startswith("_")],
            )
        except TemplateError as exc:
            raise UsageError(str(exc)) from None

    def _speak(
        self, text: str, voice: str, language: str, codec: Codec, sample_rate: int, speed: float
    ) -> SpeechResult:
        from xai_magics.client import AuthenticationError, MissingAPIKeyError, XAIClient, XAIError
        from xai_magics.widgets.audio_player import AudioPlayer

        ask_for_missing_key()
        ticket = _admit_speech(text)
        try:
            client = XAIClient()
        except MissingAPIKeyError as exc:
            ticket.release()
            raise UsageError(str(exc)) from None
        player = AudioPlayer(codec=wire_codec(codec), sample_rate=sample_rate, text=text)
        player.filename = f"grok-{voice}"
        display(player)  # type: ignore[no-untyped-call]
        started = time.monotonic()
        try:
            result = speak(
                text,
                client=client,
                voice=voice,
                language=language,
                codec=codec,
                sample_rate=sample_rate,
                speed=None if speed == 1.0 else speed,
                player=player,
            )
        except KeyboardInterrupt:
            if player.status != "stopped":
                player.clear("Stopped.")
            raise
        except XAIError as exc:
            # The service's answer (bad key, rate limit, connection lost) says what to do: one
            # line, as every magic reports it, not a traceback through the socket code.
            player.finish("error", str(exc))
            dropped = forget_rejected_key() if isinstance(exc, AuthenticationError) else ""
            raise UsageError(str(exc) + dropped) from None
        except Exception as exc:
            player.finish("error", str(exc))
            raise
        finally:
            client.close()
            ticket.release()
        record_speech_spend(result, time.monotonic() - started)
        megabytes = len(result.audio) / 1e6
        if megabytes > self.max_embed_mb:
            print(
                f"The clip ({megabytes:.0f} MB) is not kept in the notebook: it is bigger than "
                f"TTSMagics.max_embed_mb ({self.max_embed_mb:g} MB). Use --codec mp3 for a "
                "clip about eight times smaller, or save it with .save(path).",
                file=sys.stderr,
            )
        elif len(result.audio):
            display(audio_output(result, player=player))  # type: ignore[no-untyped-call]
        if not result.complete:
            print(result.note, file=sys.stderr)
        return result


def _admit_speech(text: str) -> Ticket:
    """The spend guard's admission: speech is priced per character, so exactly, before it is
    sent; past the budget, nothing is spoken."""
    from xai_magics.speech import speech_cost_usd
    from xai_magics.spend import BudgetRefused, exact_bound, spend_guard

    def bound() -> Bound:
        return exact_bound(speech_cost_usd(len(text)), f"{len(text):,} characters to speak")

    try:
        return spend_guard().admit(
            bound, what="this speech", stoppable=False, instead="speak a shorter text"
        )
    except BudgetRefused as exc:
        raise UsageError(str(exc)) from None


def record_speech_spend(result: SpeechResult, elapsed_s: float) -> None:
    """Speech is billed per character: it belongs in ``%grok_usage`` and the status bar."""
    from xai_magics.history.hooks import note_receipt
    from xai_magics.usage import Receipt, session_ledger

    receipt = Receipt(
        model_requested=f"tts ({result.voice})",
        model=f"tts ({result.voice})",
        endpoint="tts",
        tier_requested=None,
        tier=None,
        cost_usd=result.cost_usd,
        elapsed_s=elapsed_s,
        status="completed" if result.complete else "incomplete",
    )
    session_ledger().record(receipt)
    spoken = f"{result.duration_s:.1f} s of {result.codec} audio, voice {result.voice}"
    note_receipt(receipt, kind="tts", prompt=result.text, answer=spoken)
