"""A real server on loopback (real websockets, real SQLite file) with a fake recognizer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.hub.auth import add_token
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.hub.server import ConnectionLimits
from consult_assist.testing import EnergyDetector, FakeTranscriber

SCRIPTS = (
    "となりの部屋から毎晩すごい泣き声がするんです",
    "子どもが叩かれているみたいで、あざもありました",
    "もう死にたいって言っているのが聞こえました",
)


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    db: Path
    running: RunningServer
    transcriber: FakeTranscriber


def make_tokens(path: Path) -> dict[str, str]:
    return {
        "sato": add_token(path, "sato", "handler"),
        "suzuki": add_token(path, "suzuki", "handler"),
        "tanaka": add_token(path, "tanaka", "supervisor"),
        "kato": add_token(path, "kato", "trainer"),
    }


@contextlib.asynccontextmanager
async def live_server(
    tmp_path: Path, root: Path, limits: ConnectionLimits | None = None
) -> AsyncIterator[LiveServer]:
    tokens_path = tmp_path / "tokens.json"
    tokens = make_tokens(tokens_path)
    config = ServerConfig(
        port=0, tokens=tokens_path, db=tmp_path / "store.db", manuals=root / "manuals"
    )
    transcriber = FakeTranscriber(SCRIPTS, compute_s=0.01)
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(
            config,
            transcriber=transcriber,
            options_for=lambda rate: RecognizerOptions(),
            detector_factory=EnergyDetector,
            limits=limits,
            ready=ready.set_result,
            stop=stop,
        )
    )
    done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises the start-up error
    running = ready.result()
    try:
        yield LiveServer(running.url, tokens, running.db, running, transcriber)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest.fixture
async def server(tmp_path: Path, root: Path) -> AsyncIterator[LiveServer]:
    async with live_server(tmp_path, root) as s:
        yield s
