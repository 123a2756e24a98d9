"""``python -m xai_magics.emulator``: serve the emulated xAI API until interrupted."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence
from dataclasses import fields

from xai_magics.emulator.knobs import Knobs
from xai_magics.emulator.server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xai_magics.emulator",
        description="Serve a simulated xAI API (chat, responses, models, files, batches, TTS).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    for knob in fields(Knobs):
        default = getattr(Knobs(), knob.name)
        flag = "--" + knob.name.replace("_", "-")
        text = f"{knob.metadata['help'].replace('``', '')} (default {default!r})"
        if isinstance(default, bool):
            parser.add_argument(flag, type=_boolean, default=None, metavar="BOOL", help=text)
        else:
            parser.add_argument(flag, type=type(default), default=None, help=text)
    return parser


def _boolean(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    knobs = {
        k.name: getattr(args, k.name) for k in fields(Knobs) if getattr(args, k.name) is not None
    }
    emulator = Emulator(port=args.port, host=args.host, **knobs).start()
    print(f"xAI emulator (simulated answers) listening on {emulator.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
