"""Run one node (the real ``serve`` path, ``run_server``) with the fake recognizer, as a process.

Usage: python node_server.py MANUALS 'JSON of ServerConfig keys' — prints one JSON line when it
serves: ``{"url": …, "metrics": …, "node": …, "pid": …}``. The speech model is not what the
multi-node tests are about, so the recognizer is FakeTranscriber (the VAD is the energy one).
SIGTERM drains it like ``consult-assist serve``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.testing import EnergyDetector, FakeTranscriber

SCRIPTS = (
    "となりの部屋から毎晩すごい泣き声がするんです",
    "子どもが叩かれているみたいで、あざもありました",
    "もう死にたいって言っているのが聞こえました",
)


def main() -> None:
    manuals, keys = Path(sys.argv[1]), json.loads(sys.argv[2])
    config = ServerConfig(port=0, manuals=manuals, **keys)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def ready(running: RunningServer) -> None:
        line = {"url": running.url, "metrics": running.metrics, "node": running.node,
                "pid": os.getpid()}  # fmt: skip
        print(json.dumps(line), flush=True)

    asyncio.run(
        run_server(
            config,
            transcriber=FakeTranscriber(SCRIPTS, compute_s=0.01),
            options_for=lambda rate: RecognizerOptions(),
            detector_factory=EnergyDetector,
            ready=ready,
        )
    )


if __name__ == "__main__":
    main()
