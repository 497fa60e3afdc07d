"""``consult-assist devices``: the microphones (audio input devices) this machine has.

No sound device is not an error (a sentence, exit 0); no PortAudio library is one sentence on
stderr (exit 1), raised by :func:`~consult_assist.audio.mic.list_devices`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any, TextIO

from consult_assist.audio.mic import list_devices

__all__ = ["devices", "run"]


def devices(out: TextIO, *, as_json: bool = False, backend: Any = None) -> int:
    """List the microphones; ``backend`` is the ``sounddevice`` module or a fake of it."""
    found = list_devices(backend=backend)
    if as_json:
        out.write(json.dumps([asdict(d) for d in found], ensure_ascii=False, indent=2) + "\n")
        return 0
    if not found:
        out.write("no microphones found: this machine has no audio input device.\n")
        return 0
    width = max(len("name"), *(len(d.name) for d in found))
    out.write(f"  {'index':>5}  {'name':<{width}}  {'channels':>8}  {'rate':>6}  host API\n")
    for d in found:
        mark = "*" if d.is_default else " "
        out.write(
            f"{mark} {d.index:>5}  {d.name:<{width}}  {d.channels:>8}  "
            f"{d.default_rate:>6}  {d.hostapi}\n"
        )
    out.write("* default input; choose another by index or by a part of its name\n")
    return 0


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``devices [--json]``."""
    return devices(out, as_json=args.json)
