"""The terminal apps, and the demo that shows them: ``handler``, ``supervisor``, ``demo``.

``handler`` and ``supervisor`` connect before the app takes over the terminal, so an
unreachable server or a wrong token is one sentence on stderr (exit 1). ``demo`` starts a
server in this process on loopback with throwaway tokens and store, replays a sample call in
real time as a training session for a demo handler, and opens the handler app on it; the
command that opens the supervisor app beside it is printed first. Without a terminal (or with
``--no-ui``) the live transcript and the call record are printed instead of the app.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shlex
import shutil
import socket
import ssl
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.cli.client_tls import client_ssl_context
from consult_assist.cli.credentials import client_token
from consult_assist.cli.output import LivePrinter, install_progress
from consult_assist.cli.recognition import model_options, stream_options
from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.events import SessionEnded
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import (
    ConnectionState,
    HubClient,
    WebSocketHubClient,
    server_urls,
)
from consult_assist.hub.replay import replay_file
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.launch import run_app
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.supervisor import make_supervisor_app

__all__ = [
    "AppOptions",
    "DemoOptions",
    "demo",
    "handler",
    "make_client",
    "program",
    "resolve_sample",
    "run",
    "server_and_token",
    "server_url",
    "supervisor",
    "supervisor_command",
]

log = logging.getLogger(__name__)

DEFAULT_SAMPLE = "neighbour-night"
HANDLER, SUPERVISOR, TRAINER = "demo-handler", "demo-supervisor", "demo-trainer"


# -- handler and supervisor --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AppOptions:
    """``consult-assist handler|supervisor``."""

    server: str = ""
    """ws://HOST:PORT/, or several comma-separated (empty: CONSULT_ASSIST_SERVER)."""
    token: str = ""
    """The access token (``credentials.client_token`` found it: file, environment, prompt)."""
    speed: float = 1.0
    """Handler: × real time for training files started from the app."""
    ssl_context: ssl.SSLContext | None = None
    """How a wss:// server is trusted (``--ca-file``); None: the system's CAs."""


def server_url(server: str) -> str:
    """The given server, else CONSULT_ASSIST_SERVER; ConfigError if unset or not ws(s)://."""
    server = server or os.environ.get("CONSULT_ASSIST_SERVER", "")
    if not server:
        raise ConfigError(
            "no server given: pass --server ws://HOST:PORT/ or set CONSULT_ASSIST_SERVER"
        )
    server_urls(server)  # one URL or several, each ws:// or wss://
    return server


def server_and_token(server: str, token: str) -> tuple[str, str]:
    """The given server (else CONSULT_ASSIST_SERVER) and token; ConfigError if unset."""
    server = server_url(server)
    token = token or os.environ.get("CONSULT_ASSIST_TOKEN", "")
    if not token:
        raise ConfigError("no token given: pass --token-file FILE or set CONSULT_ASSIST_TOKEN")
    return server, token


def make_client(server: str, token: str, ssl_context: ssl.SSLContext | None = None) -> HubClient:
    """The websocket client the apps use (reconnects with backoff, resumes by seq; with
    several comma-separated URLs it moves to the next node when one is lost)."""
    return WebSocketHubClient(server_urls(server), token, ssl_context=ssl_context)


def handler(options: AppOptions) -> int:
    """Run the handler app against a server."""
    server, token = server_and_token(options.server, options.token)
    config = TuiConfig(server=server, replay_speed=options.speed or 1.0)
    client = make_client(server, token, options.ssl_context)
    return asyncio.run(run_app(client, ("handler", "trainer"), make_handler_app(config, client)))


def supervisor(options: AppOptions) -> int:
    """Run the supervisor app against a server."""
    server, token = server_and_token(options.server, options.token)
    client = make_client(server, token, options.ssl_context)
    app = make_supervisor_app(TuiConfig(server=server), client)
    return asyncio.run(run_app(client, ("supervisor",), app))


# -- demo --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DemoOptions:
    """``consult-assist demo``."""

    sample: str = DEFAULT_SAMPLE
    """A sample call's name (``neighbour-night``) or the path of any audio file."""
    speed: float = 1.0
    """× real time."""
    port: int = 8765
    """Websocket port; when it is taken, any free one."""
    ui: bool = True
    """Open the handler app (when there is a terminal); False prints the transcript."""
    manuals: Path | None = None
    """Manuals folder (default: ./manuals)."""
    model: ModelOptions = field(default_factory=ModelOptions)
    stream: StreamOptions = field(default_factory=StreamOptions)


def program() -> str:
    """How to run this command again from the current folder, as typed into a shell.

    ``consult-assist`` when that is what the shell finds; else the path of the script that is
    running (``.venv/bin/consult-assist`` from a clone whose venv is not on PATH, the README's
    way), or ``python -m consult_assist.cli`` with this interpreter.
    """
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is None or argv0.name in ("__main__.py", "-c") or argv0.suffix == ".py":
        return f"{_shown(Path(sys.executable))} -m consult_assist.cli"
    found = shutil.which("consult-assist")
    if found is not None and Path(found).resolve() == argv0.resolve():
        return "consult-assist"
    return _shown(argv0)


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it, quoted for a shell."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        text = str(absolute.relative_to(Path.cwd()))
    except ValueError:
        text = str(absolute)
    return shlex.quote(text)


def supervisor_command(url: str, token_file: Path) -> str:
    """The command that opens the supervisor app on the demo's server.

    The token is read from a file only this user can read, not given as an argument: other
    users of the machine can read arguments in ``ps``.
    """
    return f"{program()} supervisor --server {url} --token-file {token_file}"


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


def demo(options: DemoOptions, out: TextIO) -> int:
    """The whole system in one command, for a newcomer (see the module docstring)."""
    sample = resolve_sample(options.sample)
    ui = options.ui and sys.stdin.isatty() and out.isatty()
    with tempfile.TemporaryDirectory(prefix="consult-assist-demo-") as tmp:
        return asyncio.run(_demo(options, out, sample, Path(tmp), ui))


async def _demo(options: DemoOptions, out: TextIO, sample: Path, tmp: Path, ui: bool) -> int:
    tokens = tmp / "tokens.json"
    handler_token = add_token(tokens, HANDLER, "handler")
    supervisor_token = add_token(tokens, SUPERVISOR, "supervisor")
    trainer = add_token(tokens, TRAINER, "trainer")
    supervisor_file = tmp / "supervisor.token"
    paths.write_private_text(supervisor_file, supervisor_token + "\n")
    config = ServerConfig(
        port=_port(options.port), tokens=tokens, db=tmp / "demo.db", manuals=options.manuals
    )
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    out.write("consult-assist demo: loading the speech model (the first run assembles it)…\n")
    out.flush()
    server = asyncio.create_task(
        run_server(
            config,
            transcriber=lambda: load_transcriber(options.model, progress=install_progress()),
            options_for=options.stream.recognizer_options,
            ready=ready.set_result,
            stop=stop,
        )
    )
    waiters: set[asyncio.Future[Any]] = {server, ready}
    done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if server in done:
        server.result()
    running = ready.result()
    command = supervisor_command(running.url, supervisor_file)
    out.write(
        f"\nserver: {running.url} (throwaway tokens and store, gone when the demo ends)\n"
        f"call:   {sample.name}, replayed at {options.speed:g}× as a training call\n\n"
        "Open the supervisor view in another terminal (from this folder):\n\n"
        f"  {command}\n\n" + ("(the handler app shows it again with F1)\n\n" if ui else "")
    )
    out.flush()
    try:
        if ui:
            await _with_app(running.url, handler_token, trainer, sample, options.speed, command)
        else:
            await _with_printer(running.url, handler_token, trainer, sample, options.speed, out)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server, 30)
    return 0


async def _start_replay(url: str, trainer: str, sample: Path, speed: float) -> WebSocketHubClient:
    client = WebSocketHubClient(url, trainer, reconnect=False)
    await client.connect()
    await replay_file(client, sample, speed=speed, training=True, for_handler=HANDLER)
    return client


async def _with_app(
    url: str, token: str, trainer: str, sample: Path, speed: float, command: str
) -> None:
    client = WebSocketHubClient(url, token)
    app = make_handler_app(
        TuiConfig(server=url, replay_speed=speed), client, supervisor_command=command
    )

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
    url: str, token: str, trainer: str, sample: Path, speed: float, out: TextIO
) -> None:
    client = WebSocketHubClient(url, token)
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


# -- from the parsed flags ---------------------------------------------------------------------


def run(args: argparse.Namespace, out: TextIO) -> int | None:
    """Run ``handler``, ``supervisor`` or ``demo``."""
    if args.command in ("handler", "supervisor"):
        server_url(args.server)  # an unset server is said before a token is asked for
        app = AppOptions(
            server=args.server,
            token=client_token(token=args.token, token_file=args.token_file),
            speed=getattr(args, "speed", 1.0),
            ssl_context=client_ssl_context(args.ca_file, insecure=args.insecure_skip_verify),
        )
        return handler(app) if args.command == "handler" else supervisor(app)
    if args.command == "demo":
        options = DemoOptions(
            sample=args.sample,
            speed=args.speed,
            port=args.port,
            ui=not args.no_ui,
            manuals=args.manuals,
            model=model_options(args, manuals=args.manuals),
            stream=stream_options(args),
        )
        return demo(options, out)
    return None
