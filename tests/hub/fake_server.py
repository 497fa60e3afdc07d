"""Run the real server with the fake recognizer (for tests that need a separate process).

Usage: python fake_server.py DB TOKENS MANUALS — prints the URL on one line when ready.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.testing import EnergyDetector, FakeTranscriber

SCRIPTS = (
    "となりの部屋から毎晩すごい泣き声がするんです",
    "もう死にたいって言っているのが聞こえました",
)


def main() -> None:
    db, tokens, manuals = (Path(a) for a in sys.argv[1:4])
    config = ServerConfig(port=0, db=db, tokens=tokens, manuals=manuals)

    def ready(running: RunningServer) -> None:
        print(running.url, flush=True)

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
