"""This node among others on one PostgreSQL store: every node serves every client.

A :class:`Cluster` joins a :class:`~consult_assist.hub.hub.Hub` to the other nodes:

* its lease (``node_lease.py``): renewed every ``renew_s``; lapsed nodes' calls are ended
  (``node_lost``) by whichever node gets there first, exactly once;
* one LISTEN connection (``node_bus.py``) for the doorbells: events committed by other nodes
  (``doorbell.py`` reads them from the table and hands them to this node's listeners), token
  changes (the token watcher looks at once), forwarded commands and their answers
  (``forward.py``);
* the :class:`~consult_assist.hub.peers.Peers` port the hub asks about calls it does not carry.

A node starts in this order: lease, recovery of its own calls left open by an earlier run,
LISTEN and catch-up, and only then does it take clients (``start`` returns).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from consult_assist.events import Event
from consult_assist.hub.access import SessionAccess
from consult_assist.hub.doorbell import RemoteFeed, RemoteSessions
from consult_assist.hub.forward import ANSWER_S, ANSWERS_CHANNEL, COMMANDS_CHANNEL, Forwarder
from consult_assist.hub.hub import Hub
from consult_assist.hub.node_bus import NodeBus, PgLink
from consult_assist.hub.node_lease import LeaseOptions, NodeLease
from consult_assist.hub.outbox import Stored
from consult_assist.hub.postgres_store import EVENTS_CHANNEL, PostgresStore
from consult_assist.hub.postgres_tokens import TOKENS_CHANNEL

__all__ = ["Cluster"]

log = logging.getLogger(__name__)

START_S = 30.0
"""Seconds a node waits for its first LISTEN and catch-up before it gives up starting."""


class Cluster:
    """Lease, doorbells and forwarded commands of one node; the hub's ``peers``."""

    def __init__(
        self,
        hub: Hub,
        store: PostgresStore,
        *,
        node: str,
        address: str = "",
        lease: LeaseOptions | None = None,
        on_tokens: Callable[[], object] | None = None,
        answer_s: float = ANSWER_S,
    ) -> None:
        self.hub = hub
        self.store = store
        self.node = node
        self.remote = RemoteSessions(node)
        self._work = PgLink(store.url, "work")
        self._lease_link = PgLink(store.url, "lease")
        self.feed = RemoteFeed(self.remote, self._work, hub.fan_out, hub.carries)
        self.forwarder = Forwarder(node, self._work, hub, self._owner_of, answer_s=answer_s)
        self.lease = NodeLease(store, self._lease_link, node=node, address=address, options=lease)
        self._on_tokens = on_tokens
        self.bus = NodeBus(
            store.url,
            {
                EVENTS_CHANNEL: self.feed.rang,
                TOKENS_CHANNEL: self._tokens_changed,
                COMMANDS_CHANNEL: self.forwarder.requested,
                ANSWERS_CHANNEL: self.forwarder.answered,
            },
            self._listening,
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Take the lease, end this node's calls left by an earlier run, listen, catch up."""
        await self.lease.acquire()
        for ended in await self.store.recover():
            log.warning("[%s] recovered after a crash: marked %s", ended.session, ended.reason)
        self.hub.peers = self
        self._tasks = [
            asyncio.create_task(self.bus.run()),
            asyncio.create_task(self.feed.run()),
            asyncio.create_task(self.lease.run(self._lost)),
        ]
        try:
            await asyncio.wait_for(self.bus.ready.wait(), START_S)
        except TimeoutError:
            await self.stop(release=True)
            raise
        log.info("node %s: following %d calls of other nodes", self.node, len(self.remote.live()))

    async def _listening(self, again: bool) -> None:
        await self.feed.catch_up(again)
        await self.forwarder.take()  # commands written for this node while it was away
        if again:
            self._tokens_changed("")

    def _tokens_changed(self, payload: str) -> None:
        if self._on_tokens is not None:
            self._on_tokens()

    def _lost(self) -> None:
        self.hub.abandon("this node was declared lost")

    async def stop(self, *, release: bool) -> None:
        """Stop following the other nodes; ``release``: give the lease up (a clean stop)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.forwarder.aclose()
        if release:
            with contextlib.suppress(Exception):
                await self.lease.release()
        for closing in (self.bus.aclose(), self._work.aclose(), self._lease_link.aclose()):
            with contextlib.suppress(Exception):
                await closing
        self.hub.peers = None

    # --- the hub's Peers port -----------------------------------------------------------------

    def live_sessions(self) -> list[SessionAccess]:
        return self.remote.live()

    def access(self, session: str) -> SessionAccess | None:
        followed = self.remote.followed.get(session)
        return followed.access if followed is not None else None

    def is_live(self, session: str) -> bool | None:
        followed = self.remote.followed.get(session)
        if followed is not None:
            return followed.live
        row = self.store.session(session)
        if row is None or row.node == self.node:
            return None
        return row.live

    def last_seq(self, session: str) -> int | None:
        followed = self.remote.followed.get(session)
        return followed.cursor if followed is not None else None

    def forward(self, event: Event, on_stored: Stored | None) -> bool:
        return self.forwarder.forward(event, on_stored)

    def end(self, session: str, reason: str) -> bool:
        return self.forwarder.end(session, reason)

    def _owner_of(self, session: str) -> str | None:
        followed = self.remote.followed.get(session)
        if followed is not None:
            return followed.node if followed.live else None
        row = self.store.session(session)
        return row.node if row is not None and row.live else None
