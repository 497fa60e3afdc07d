"""The apps' update stream: connect, follow sessions, apply every update until the app closes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from textual.css.query import NoMatches

from consult_assist.errors import ConsultAssistError
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.tui.wording import problem_code

__all__ = ["follow"]

log = logging.getLogger(__name__)


async def follow(
    client: HubClient,
    target: str,
    *,
    server: str,
    apply: Callable[[Update], None],
    history: dict[str, int],
) -> None:
    """Subscribe to ``target`` and hand every update to ``apply``, in order.

    ``history`` is filled with the last seq of every call live before the subscription:
    those events are shown but are not news (no bell for them).
    """
    try:
        if client.identity is None:
            await client.connect()
        history.update({s.id: s.last_seq for s in await client.sessions()})
        await client.subscribe(target)
    except ConsultAssistError as exc:
        log.warning("cannot follow %s: %s", target, exc)
        apply(ConnectionState("failed", str(exc), code=problem_code(exc) or "unreachable"))
        return
    apply(ConnectionState("connected", server))
    async for update in client.updates():
        try:
            apply(update)
        except NoMatches:
            # The panels are composed once and never removed while the app runs, so a
            # missing one means the app is being torn down under this worker: stop here.
            log.debug("app closing; %s not applied", update)
            return
