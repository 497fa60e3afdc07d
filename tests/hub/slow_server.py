"""Run the real server with a slow fake recognizer (each batch takes real seconds).

Usage: python slow_server.py DB TOKENS MANUALS BATCH_S DRAIN_S — prints the URL when ready.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.testing import EnergyDetector, FakeTranscriber


class SlowTranscriber(FakeTranscriber):
    """Every batch blocks its worker thread for ``batch_s`` seconds."""

    def __init__(self, batch_s: float) -> None:
        super().__init__(["となりの部屋から毎晩すごい泣き声がするんです"], compute_s=batch_s)
        self.batch_s = batch_s

    def decode_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        time.sleep(self.batch_s)
        return super().decode_batch(requests)


def main() -> None:
    db, tokens, manuals = (Path(a) for a in sys.argv[1:4])
    batch_s, drain_s = float(sys.argv[4]), float(sys.argv[5])
    config = ServerConfig(
        port=0,
        db=db,
        tokens=tokens,
        manuals=manuals,
        drain_s=drain_s,
        drain_calls_s=0.0,  # SIGTERM ends the calls at once: the transcription drain is timed
        max_sessions_per_token=0,
    )

    def ready(running: RunningServer) -> None:
        print(running.url, flush=True)

    asyncio.run(
        run_server(
            config,
            transcriber=SlowTranscriber(batch_s),
            options_for=lambda rate: RecognizerOptions(partials=False, speculative_finals=False),
            detector_factory=EnergyDetector,
            ready=ready,
        )
    )


if __name__ == "__main__":
    main()
