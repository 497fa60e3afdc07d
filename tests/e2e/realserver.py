"""The real server with the real model, in this test's event loop (end-to-end tests)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from inprocess import in_process_server

from consult_assist.asr.models import install_default_model
from consult_assist.asr.whisper import WhisperOptions, WhisperTranscriber
from consult_assist.config import ServerConfig
from consult_assist.hub.serve import RunningServer

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


@contextlib.asynccontextmanager
async def real_server(
    root: Path, tokens: Path, db: Path, *, start_s: float = 60.0, stop_s: float = 60.0
) -> AsyncIterator[RunningServer]:
    """``serve`` on a free port with the default model on CPU, the checkout's manuals and a
    SQLite store at ``db``; stopped (and waited for, up to ``stop_s``) when the block ends."""
    model = install_default_model(root / "models")
    transcriber = WhisperTranscriber(WhisperOptions(model=str(model), device="cpu"))
    config = ServerConfig(port=0, tokens=tokens, db=db, manuals=root / "manuals")
    async with in_process_server(config, transcriber, start_s=start_s, stop_s=stop_s) as running:
        yield running


async def wait_until(predicate: Callable[[], object], timeout_s: float) -> None:
    """Poll ``predicate`` every 0.1 s until it holds (a bounded wait, not a timed assertion)."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout_s)
