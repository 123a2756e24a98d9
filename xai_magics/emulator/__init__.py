"""A faithful emulator of the xAI API on 127.0.0.1, for tests and offline demos.

Every answer it gives is simulated. ``Emulator`` runs the server in a background thread;
``EmulatorControl`` injects faults, reads the request log and changes knobs over HTTP.
"""

from __future__ import annotations

from xai_magics.emulator.control import EmulatorControl
from xai_magics.emulator.server import Emulator

__all__ = ["Emulator", "EmulatorControl"]
