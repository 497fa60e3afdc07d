"""``consult-assist demo``: the whole system in one command, for a newcomer.

Starts a server in this process on loopback with throwaway tokens and store, replays a sample
call in real time as a training session for a demo handler, and opens the handler app on it.
The exact command that opens the supervisor app beside it is printed first. Without a
terminal (or with ``--no-ui``) the live transcript is printed instead of the app.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from consult_assist import paths
from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.events import SessionEnded
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import ConnectionState, WebSocketHubClient
from consult_assist.hub.serve import RunningServer, run_server

__all__ = ["demo_command", "resolve_sample"]

log = logging.getLogger(__name__)

DEFAULT_SAMPLE = "neighbour-night"
HANDLER, SUPERVISOR, TRAINER = "demo-handler", "demo-supervisor", "demo-trainer"


def resolve_sample(name: str) -> Path:
    """A sample call by name (``neighbour-night``) or a path to any audio file."""
    path = Path(name)
    if path.is_file():
        return path
    candidate = paths.samples_dir() / f"{name}.flac"
    if candidate.is_file():
        return candidate
    names = sorted(p.stem for p in paths.samples_dir().glob("*.flac"))
    raise ConfigError(f"no sample call {name!r}; choose one of: {', '.join(names) or '(none)'}")


def _port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return 0  # taken: let the server pick a free one
    return preferred


def demo_command(args: argparse.Namespace, out: TextIO) -> int:
    sample = resolve_sample(args.sample)
    ui = not args.no_ui and sys.stdin.isatty() and out.isatty()
    with tempfile.TemporaryDirectory(prefix="consult-assist-demo-") as tmp:
        return asyncio.run(_demo(args, out, sample, Path(tmp), ui))


async def _demo(args: argparse.Namespace, out: TextIO, sample: Path, tmp: Path, ui: bool) -> int:
    from consult_assist.commands import load_transcriber, recognizer_options

    tokens = tmp / "tokens.json"
    handler = add_token(tokens, HANDLER, "handler")
    supervisor = add_token(tokens, SUPERVISOR, "supervisor")
    trainer = add_token(tokens, TRAINER, "trainer")
    config = ServerConfig(
        port=_port(args.port), tokens=tokens, db=tmp / "demo.db", manuals=args.manuals
    )
    args.model, args.device, args.compute_type = config.model, config.device, config.compute_type
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    out.write("consult-assist demo: loading the speech model (the first run assembles it)…\n")
    out.flush()
    server = asyncio.create_task(
        run_server(
            config,
            transcriber=lambda: load_transcriber(args),
            options_for=lambda rate: recognizer_options(args, source_rate=rate),
            ready=ready.set_result,
            stop=stop,
        )
    )
    waiters: set[asyncio.Future[Any]] = {server, ready}
    done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if server in done:
        server.result()
    running = ready.result()
    out.write(
        f"\nserver: {running.url} (throwaway tokens and store, gone when the demo ends)\n"
        f"call:   {sample.name}, replayed at {args.speed:g}× as a training call\n\n"
        "Open the supervisor view in another terminal:\n\n"
        f"  consult-assist supervisor --server {running.url} --token {supervisor}\n\n"
    )
    out.flush()
    try:
        if ui:
            await _with_app(running.url, handler, trainer, sample, args.speed)
        else:
            await _with_printer(running.url, handler, trainer, sample, args.speed, out)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server, 30)
    return 0


async def _start_replay(url: str, trainer: str, sample: Path, speed: float) -> WebSocketHubClient:
    from consult_assist.hub.replay import replay_file

    client = WebSocketHubClient(url, trainer, reconnect=False)
    await client.connect()
    await replay_file(client, sample, speed=speed, training=True, for_handler=HANDLER)
    return client


async def _with_app(url: str, handler: str, trainer: str, sample: Path, speed: float) -> None:
    from consult_assist.tui.commands import run_app
    from consult_assist.tui.handler import make_handler_app
    from consult_assist.tui.settings import TuiConfig

    client = WebSocketHubClient(url, handler)
    app = make_handler_app(TuiConfig(server=url, replay_speed=speed), client)

    async def replay_when_up() -> None:
        await asyncio.sleep(0.5)  # let the app subscribe; it would catch up by seq anyway
        replayer = await _start_replay(url, trainer, sample, speed)
        await asyncio.sleep(3600 * 4)
        await replayer.close()

    replay = asyncio.create_task(replay_when_up())
    try:
        await run_app(client, ("handler",), app)
    finally:
        replay.cancel()
        with contextlib.suppress(BaseException):
            await replay


async def _with_printer(
    url: str, handler: str, trainer: str, sample: Path, speed: float, out: TextIO
) -> None:
    from consult_assist.commands import LivePrinter

    client = WebSocketHubClient(url, handler)
    await client.connect()
    await client.subscribe("mine")
    replayer = await _start_replay(url, trainer, sample, speed)
    printer = LivePrinter(out)
    try:
        async for update in client.updates():
            if isinstance(update, ConnectionState):
                out.write(f"  (connection {update.state}: {update.detail})\n")
                continue
            printer.print(update)
            if isinstance(update, SessionEnded):
                out.write("\n--- the call record draft, ready for review " + "-" * 30 + "\n\n")
                out.write(await client.record(update.session))
                break
    finally:
        await replayer.close()
        await client.close()
