"""Node liveness: each node renews a lease row; a node whose lease lapses has its calls ended.

A node holds a row in ``node_leases`` and renews it every ``renew_s``. Times are the
database's clock (``clock_timestamp()``), so nodes whose clocks differ still agree. The row
expires ``lease_s - renew_s`` after a renewal, and every node looks for lapsed rows at each of
its own renewals, so a node that dies has its open calls ended with ``session.ended`` reason
``node_lost`` within ``lease_s`` of its last renewal.

Exactly once, however many nodes look at the same time: a lapsed row is taken by deleting it
(the row lock lets one node do it), and each end is a fenced append
(:meth:`~consult_assist.hub.postgres_store.PostgresStore.end_open_sessions`), which only one
writer can make at the seq after the call's last event. Open calls of a node that has no row
at all (its reaper stopped half-way, or it never came back after a release) are ended the same
way. A node that finds its own row gone was declared lost: its calls are already ended, so it
drops what it still holds of them (``on_lost``) and takes a new lease. Renewals run in a thread
of their own (``_Heartbeat``): a node whose event loop is busy is not dead.

The row's ``started_at`` identifies one run of a node (its *epoch*): two processes started with
the same ``--node`` name would renew each other's row, so a node that finds its name's row
still being renewed by someone else refuses to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from consult_assist.errors import ConfigError, StoreError, StoreUnavailable
from consult_assist.events import SessionEnded
from consult_assist.hub.node_bus import PgLink
from consult_assist.hub.postgres_store import CONNECT_ARGS, CONNECT_TIMEOUT_S, PostgresStore

__all__ = ["LeaseOptions", "NodeLease"]

log = logging.getLogger(__name__)

_NOW = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"
_LOOK = f"SELECT renewed_at, expires_at, {_NOW} FROM node_leases WHERE node = %s"
_TAKE = f"""
INSERT INTO node_leases (node, address, started_at, renewed_at, expires_at)
VALUES (%(node)s, %(address)s, {_NOW}, {_NOW}, {_NOW} + %(expiry)s)
ON CONFLICT (node) DO UPDATE SET address = excluded.address, started_at = excluded.started_at,
    renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
RETURNING started_at
"""
_RENEW = (
    f"UPDATE node_leases SET renewed_at = {_NOW}, expires_at = {_NOW} + %s, address = %s"
    " WHERE node = %s AND started_at = %s RETURNING expires_at"
)
_RELEASE = "DELETE FROM node_leases WHERE node = %s AND started_at = %s"
_LAPSED = f"DELETE FROM node_leases WHERE expires_at < {_NOW} AND node <> %s RETURNING node"
_ORPHANED = (
    "SELECT DISTINCT s.node FROM sessions s WHERE s.ended_at IS NULL AND s.node <> %s"
    " AND NOT EXISTS (SELECT 1 FROM node_leases l WHERE l.node = s.node)"
)
_ALIVE = f"SELECT count(*) FROM node_leases WHERE expires_at >= {_NOW}"
_SWEEP = "DELETE FROM commands WHERE created_at < %s AND state <> 'pending'"
_SWEEP_EVERY_S = 60.0
_COMMANDS_KEPT_S = 3600.0
"""Answered forwarded commands are kept this long (for someone looking into a problem)."""


@dataclass(frozen=True)
class LeaseOptions:
    """How a node proves it is alive. Seconds."""

    lease_s: float = 10.0
    """A node silent this long after its last renewal is declared lost (its calls end with
    ``node_lost``). At least twice ``renew_s``."""
    renew_s: float = 2.5
    """Seconds between renewals, and between looks for lapsed nodes."""

    def __post_init__(self) -> None:
        if not self.renew_s > 0 or self.lease_s < 2 * self.renew_s:
            raise ConfigError(
                f"lease_s ({self.lease_s:g}) must be at least twice lease_renew_s "
                f"({self.renew_s:g}), and lease_renew_s more than 0"
            )

    @property
    def expiry_s(self) -> float:
        """How long after a renewal the row says it expires (then seen within ``renew_s``)."""
        return self.lease_s - self.renew_s


class NodeLease:
    """This node's lease, and the reaping of other nodes' lapsed ones (asyncio, own link)."""

    def __init__(
        self,
        store: PostgresStore,
        link: PgLink,
        *,
        node: str,
        address: str = "",
        options: LeaseOptions | None = None,
    ) -> None:
        self.store = store
        self.node = node
        self.address = address
        self.options = options or LeaseOptions()
        self.epoch: float | None = None
        """``started_at`` of the row this run holds (None: none held)."""
        self.valid_until = 0.0
        """Monotonic time until which the last renewal is known to hold."""
        self.times_lost = 0
        self.reaped = 0
        """Calls of lost nodes this node ended (``node_lost``)."""
        self.nodes_alive = 0
        self._link = link
        self._swept = 0.0
        self._heartbeat: _Heartbeat | None = None
        self._again: asyncio.Task[None] | None = None

    @property
    def held(self) -> bool:
        """Whether this node's lease is held and was renewed recently enough to be valid."""
        return self.epoch is not None and time.monotonic() < self.valid_until

    async def acquire(self, *, patience_s: float | None = None) -> None:
        """Take this node's lease row; wait out a lapsing row of an earlier run of this node.

        A row with this name that is still renewed meanwhile belongs to another live process:
        ConfigError (two nodes must not share a name).
        """
        options = self.options
        rows = await self._link.fetch(_LOOK, (self.node,))
        if rows and rows[0][1] > rows[0][2]:
            renewed, expires, now = rows[0]
            log.warning(
                "node %s: a lease with this name is still held (expires in %.1f s): waiting for"
                " it to lapse (an earlier run that stopped without releasing it?)",
                self.node,
                expires - now,
            )
            deadline = time.monotonic() + (patience_s or options.lease_s) + options.renew_s
            while rows and rows[0][1] > rows[0][2] and time.monotonic() < deadline:
                await asyncio.sleep(min(options.renew_s, max(0.05, rows[0][1] - rows[0][2])))
                rows = await self._link.fetch(_LOOK, (self.node,))
                if rows and rows[0][0] != renewed:
                    raise ConfigError(
                        f"another node named {self.node!r} is running on this store (it renews "
                        "its lease): give each node its own --node name"
                    )
        [(epoch,)] = await self._link.fetch(
            _TAKE, {"node": self.node, "address": self.address, "expiry": options.expiry_s}
        )
        self.epoch = float(epoch)
        self.valid_until = time.monotonic() + options.expiry_s
        log.info("node %s: lease taken (renewed every %.1f s)", self.node, options.renew_s)

    async def renew(self) -> bool:
        """Renew the lease; False when it was lost (another node declared this one lost)."""
        if self.epoch is None:
            return False
        began = time.monotonic()
        rows = await self._link.fetch(
            _RENEW, (self.options.expiry_s, self.address, self.node, self.epoch)
        )
        if not rows:
            self.epoch = None
            self.times_lost += 1
            return False
        self.valid_until = began + self.options.expiry_s
        return True

    async def release(self) -> None:
        """Give the lease up (a clean stop: nobody will end this node's calls as lost)."""
        await self.stop_renewing()
        if self.epoch is not None:
            await self._link.fetch(_RELEASE, (self.node, self.epoch))
            self.epoch = None
            log.info("node %s: lease released", self.node)

    async def reap(self) -> list[SessionEnded]:
        """End the open calls of every node whose lease lapsed (or that has none)."""
        lapsed = {row[0] for row in await self._link.fetch(_LAPSED, (self.node,))}
        for node in sorted(lapsed):
            log.error("node %s stopped renewing its lease: ending its calls (node_lost)", node)
        orphaned = {row[0] for row in await self._link.fetch(_ORPHANED, (self.node,))}
        ended: list[SessionEnded] = []
        for node in sorted(lapsed | orphaned):
            for event in await self.store.end_open_sessions(node, "node_lost"):
                log.warning("[%s] ended: its node %s was lost", event.session, node)
                ended.append(event)
        self.reaped += len(ended)
        [(alive,)] = await self._link.fetch(_ALIVE)
        self.nodes_alive = int(alive)
        if time.monotonic() - self._swept > _SWEEP_EVERY_S:
            self._swept = time.monotonic()
            await self._link.fetch(_SWEEP, (time.time() - _COMMANDS_KEPT_S,))
        return ended

    async def run(self, on_lost: Callable[[], None]) -> None:
        """Renew (from a thread) and reap (here) every ``renew_s`` until cancelled; ``on_lost``
        when the lease was lost, then a new one is taken."""
        loop = asyncio.get_running_loop()

        def lost() -> None:  # on the loop, told by the heartbeat thread
            log.error(
                "node %s: its lease was taken: other nodes declared it lost and ended its"
                " calls; dropping them here and taking a new lease",
                self.node,
            )
            on_lost()
            self._again = loop.create_task(self._acquire_again())

        self._heartbeat = _Heartbeat(self, lambda: loop.call_soon_threadsafe(lost))
        self._heartbeat.start()
        try:
            while True:
                await asyncio.sleep(self.options.renew_s)
                try:
                    await self.reap()
                except StoreUnavailable as exc:
                    log.warning("node %s: cannot look for lost nodes now: %s", self.node, exc)
                except StoreError as exc:
                    log.error("node %s: ending lost nodes' calls failed: %s", self.node, exc)
        finally:
            self._heartbeat.stopping.set()

    async def _acquire_again(self) -> None:
        while self.epoch is None:
            try:
                await self.acquire()
            except StoreUnavailable as exc:
                log.error("node %s: cannot take a new lease yet: %s", self.node, exc)
                await asyncio.sleep(self.options.renew_s)

    async def stop_renewing(self) -> None:
        """Stop the heartbeat thread and wait for it (before a release)."""
        if self._again is not None:
            self._again.cancel()
            await asyncio.gather(self._again, return_exceptions=True)
        heartbeat = self._heartbeat
        if heartbeat is not None:
            heartbeat.stopping.set()
            await asyncio.to_thread(heartbeat.join, 2 * CONNECT_TIMEOUT_S)
            self._heartbeat = None


class _Heartbeat(threading.Thread):
    """Renews one lease every ``renew_s`` from its own thread and connection.

    A node whose event loop is busy for seconds (a burst of clients, a slow machine) is still
    alive and carrying its calls: renewing from the loop would let its lease lapse and another
    node end its calls as lost. A thread keeps renewing as long as the process runs (psycopg
    releases the GIL while it waits), so only a dead, frozen or cut-off node lapses.
    """

    def __init__(self, lease: NodeLease, lost: Callable[[], object]) -> None:
        super().__init__(name=f"lease {lease.node}", daemon=True)
        self.lease = lease
        self.stopping = threading.Event()
        self._lost = lost
        self._conn: psycopg.Connection[Any] | None = None
        self._failing = False

    def run(self) -> None:
        lease = self.lease
        while not self.stopping.wait(lease.options.renew_s):
            epoch = lease.epoch
            if epoch is None:
                continue  # a new lease is being taken on the loop
            began = time.monotonic()
            try:
                rows = (
                    self._connection()
                    .execute(_RENEW, (lease.options.expiry_s, lease.address, lease.node, epoch))
                    .fetchall()
                )
            except psycopg.Error as exc:
                if not self._failing:
                    log.error("node %s: cannot renew its lease: %s", lease.node, exc)
                self._failing = True
                self._close()
                continue
            if self._failing:
                log.warning("node %s: lease renewed again", lease.node)
                self._failing = False
            if self.stopping.is_set() or lease.epoch != epoch:
                continue
            if rows:
                lease.valid_until = began + lease.options.expiry_s
            else:
                lease.epoch = None
                lease.times_lost += 1
                self._lost()
        self._close()

    def _connection(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            args = {**CONNECT_ARGS, "application_name": f"consult-assist lease {self.lease.node}"}
            conn = self._conn = psycopg.connect(self.lease.store.url, autocommit=True, **args)
        return conn

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
