"""``serve`` in the test's own event loop, started and stopped one way for every test that
needs a whole server with a recognizer of its choosing (real model, fake, or a slow one)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.hub.serve import RunningServer, run_server

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


@contextlib.asynccontextmanager
async def in_process_server(
    config: ServerConfig,
    transcriber: Transcriber,
    *,
    start_s: float = 60.0,
    stop_s: float = 60.0,
    **options: Any,
) -> AsyncIterator[RunningServer]:
    """Run ``run_server(config, transcriber=…, **options)`` until the block ends.

    Yields the running server once it is ready; an error during start-up is raised at once
    rather than waited out. Default recognizer options unless ``options_for`` is given. The
    server is stopped and awaited (up to ``stop_s`` × the test unit) when the block ends.
    """
    options.setdefault("options_for", lambda rate: RecognizerOptions())
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(config, transcriber=transcriber, ready=ready.set_result, stop=stop, **options)
    )
    done, _ = await asyncio.wait(
        {task, ready}, timeout=start_s * UNIT, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        task.result()  # raises the start-up error
    if ready not in done:
        stop.set()
        task.cancel()
        raise TimeoutError(f"the server was not ready within {start_s * UNIT:.0f} s")
    try:
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, stop_s * UNIT)
