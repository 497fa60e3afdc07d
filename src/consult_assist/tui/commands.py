"""``consult-assist handler`` and ``consult-assist supervisor``: connect, then run the app.

The connection is made before the app takes over the terminal, so an unreachable server or a
wrong token is one sentence on stderr (exit 1), not a screen that flashes and vanishes. The app
runs on the same event loop as the websocket client it is given.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Literal

from textual.app import App
from textual.logging import TextualHandler

from consult_assist.errors import ConfigError, ConsultAssistError
from consult_assist.hub.client import HubClient, WebSocketHubClient
from consult_assist.tui.settings import TuiConfig

__all__ = ["handler_command", "make_client", "run_app", "server_and_token", "supervisor_command"]

log = logging.getLogger(__name__)


def server_and_token(args: argparse.Namespace) -> tuple[str, str]:
    """--server/--token, else CONSULT_ASSIST_SERVER/CONSULT_ASSIST_TOKEN; ConfigError if unset."""
    server = getattr(args, "server", None) or os.environ.get("CONSULT_ASSIST_SERVER", "")
    token = getattr(args, "token", None) or os.environ.get("CONSULT_ASSIST_TOKEN", "")
    if not server:
        raise ConfigError(
            "no server given: pass --server ws://HOST:PORT/ or set CONSULT_ASSIST_SERVER"
        )
    if not token:
        raise ConfigError("no token given: pass --token TOKEN or set CONSULT_ASSIST_TOKEN")
    if not server.startswith(("ws://", "wss://")):
        raise ConfigError(f"the server URL must start with ws:// or wss:// (got {server!r})")
    return server, token


def make_client(server: str, token: str) -> HubClient:
    """The websocket client the commands use (reconnects with backoff, resumes by seq)."""
    return WebSocketHubClient(server, token)


def handler_command(args: argparse.Namespace) -> int:
    """Run the handler app against a server."""
    from consult_assist.tui.handler import make_handler_app

    server, token = server_and_token(args)
    config = TuiConfig(server=server, replay_speed=float(getattr(args, "speed", 1.0) or 1.0))
    client = make_client(server, token)
    return asyncio.run(run_app(client, ("handler", "trainer"), make_handler_app(config, client)))


def supervisor_command(args: argparse.Namespace) -> int:
    """Run the supervisor app against a server."""
    from consult_assist.tui.supervisor import make_supervisor_app

    server, token = server_and_token(args)
    config = TuiConfig(server=server)
    client = make_client(server, token)
    return asyncio.run(run_app(client, ("supervisor",), make_supervisor_app(config, client)))


async def run_app(
    client: HubClient,
    roles: tuple[Literal["handler", "supervisor", "trainer"], ...],
    app: App[int],
) -> int:
    """Connect ``client`` (one sentence on failure), check its role, run ``app``, close."""
    try:
        identity = await client.connect()
        if identity.role not in roles:
            raise ConfigError(
                f"this token is {identity.name}'s, a {identity.role} token; "
                f"this app needs a {' or '.join(roles)} token"
            )
        # Log records must not scribble over the screen: while the app runs they go to it.
        root = logging.getLogger()
        saved = root.handlers[:]
        root.handlers = [TextualHandler()]
        try:
            await app.run_async()
        finally:
            root.handlers = saved
    except ConsultAssistError:
        await client.close()
        raise
    await client.close()
    return app.return_code or 0
