"""Run one of the apps against a hub client: connect first, check the role, then the app.

The connection is made before the app takes over the terminal, so an unreachable server or a
wrong token is one sentence (a :class:`~consult_assist.errors.ConsultAssistError`), not a
screen that flashes and vanishes. The app runs on the same event loop as the client.
"""

from __future__ import annotations

import logging
from typing import Literal

from textual.app import App
from textual.logging import TextualHandler

from consult_assist.errors import ConfigError, ConsultAssistError
from consult_assist.hub.client import HubClient

__all__ = ["run_app"]

log = logging.getLogger(__name__)


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
