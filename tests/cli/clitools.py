"""Helpers of the command-line tests: a real server on its own thread, certificates, audio."""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from consult_assist.config import ServerConfig
from consult_assist.hub.auth import add_token
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call

__all__ = ["FIXTURE_MANUAL", "UNIT", "LiveServer", "self_signed", "start_server", "tone_file"]

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
FIXTURE_MANUAL = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "manual"


@dataclass
class LiveServer:
    """A real server (fake recognizer) on its own thread and event loop, for ``main()``."""

    url: str
    tokens: dict[str, str]
    db: Path
    stop: Callable[[], None]
    running: RunningServer


def start_server(tmp_path: Path, *, tls: tuple[Path, Path] | None = None) -> LiveServer:
    """Start a server in a thread: ``consult-assist`` commands run their own event loop."""
    tokens_file = tmp_path / "tokens.json"
    tokens = {
        name: add_token(tokens_file, name, role)
        for name, role in (("sato", "handler"), ("tanaka", "supervisor"), ("kato", "trainer"))
    }
    config = ServerConfig(
        port=0,
        tokens=tokens_file,
        db=tmp_path / "store.db",
        manuals=FIXTURE_MANUAL,
        tls_cert=tls[0] if tls else None,
        tls_key=tls[1] if tls else None,
    )
    loop = asyncio.new_event_loop()
    started: queue.Queue[RunningServer | BaseException] = queue.Queue()
    stop = asyncio.Event()

    async def serve() -> None:
        await run_server(
            config,
            transcriber=FakeTranscriber(),
            detector_factory=EnergyDetector,
            ready=started.put,
            stop=stop,
        )

    def run() -> None:
        try:
            loop.run_until_complete(serve())
        except BaseException as exc:  # the test reads it from the queue
            started.put(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    running = started.get(timeout=60 * UNIT)
    if isinstance(running, BaseException):
        raise running

    def stop_it() -> None:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30 * UNIT)

    return LiveServer(running.url, tokens, config.db or tmp_path, stop_it, running)


def self_signed(tmp_path: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (openssl), as a lab or an internal CA makes."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    argv += ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}"]
    argv += ["-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1"]
    subprocess.run(argv, check=True, capture_output=True)
    return cert, key


def tone_file(path: Path, seconds: float) -> Path:
    """A mono 16 kHz WAV of tone bursts (speech to the fake recognizer), ``seconds`` long."""
    bursts = [(0.3 + 2.0 * i, 1.5 + 2.0 * i) for i in range(int(seconds // 2))]
    audio = tone_call(bursts, total_s=seconds)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((audio * 32767).astype("<i2").tobytes())
    return path
