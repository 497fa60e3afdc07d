"""The write connections of a PostgreSQL store: a few asyncio connections, one statement each.

Why several: one connection runs one statement at a time, so a node with a single write
connection queued every call's appends behind each other's commit (and with ``fsync`` on, each
commit waits for its own WAL flush). PostgreSQL flushes the WAL of concurrent commits together,
so a few connections let a node's calls commit side by side (docs/benchmarks.md, "Write
connections per node").

Which connection: a session's writes always go to the same one (:meth:`WriteConnections.of_session`,
a stable hash of its id), so its statements run in the order they were issued, and a retry never
overtakes a statement of the same session still running elsewhere. Writes that belong to no
session (the health probe, the access log, reading the open sessions of a node, deleting expired
calls) take the least busy one.

Locks: every transaction that writes a session's events holds that session's row first (the
fenced append's UPDATE, ``FOR UPDATE`` when a call is ended, the session's upsert on import), and
the only one that holds several rows (deleting expired calls) takes them in id order before it
touches their events. So connections of one node, or of several, can wait for each other, but
never in a cycle.

Reconnects: a broken connection is replaced at its next use. When one is found broken, the
others opened before that are replaced at their next use too: a restarted server broke them all,
and each would otherwise fail once more after the store came back, telling every client "store
unavailable" again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg

from consult_assist.errors import StoreUnavailable

__all__ = ["DEFAULT_CONNECTIONS", "StoreTimings", "WriteConnections", "why"]

DEFAULT_CONNECTIONS = 4
"""Write connections per store (``store_connections``): enough for a node's calls to share
commits; each is one PostgreSQL backend (a few MB on the database server)."""


@dataclass
class StoreTimings:
    """Counts and seconds of the store's calls: what a node's event loop spends on it."""

    connections: int = 1
    """Write connections of the store (the pool's size)."""
    reads: int = 0
    read_s: float = 0.0
    """Synchronous reads: the event loop waits for each (the sans-I/O connection's pages)."""
    read_max_s: float = 0.0
    writes: int = 0
    write_s: float = 0.0
    """Statements (or transactions) on the write connections (the loop goes on meanwhile)."""
    write_wait_s: float = 0.0
    """Time writes waited for their write connection (other writes queued on it)."""
    write_wait_max_s: float = 0.0

    def add_read(self, seconds: float) -> None:
        self.reads += 1
        self.read_s += seconds
        self.read_max_s = max(self.read_max_s, seconds)

    def add_write(self, waited: float, seconds: float) -> None:
        self.writes += 1
        self.write_s += seconds
        self.write_wait_s += waited
        self.write_wait_max_s = max(self.write_wait_max_s, waited)


class _Slot:
    """One write connection, its lock, and who is using or waiting for it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.born = 0
        """The pool's generation when this connection was opened."""
        self.busy = 0
        """Writes holding or waiting for this connection."""


class WriteConnections:
    """A store's asyncio write connections (autocommit), opened when first used."""

    def __init__(
        self,
        url: str,
        *,
        size: int = DEFAULT_CONNECTIONS,
        connect_args: dict[str, Any],
        timings: StoreTimings,
        location: str,
    ) -> None:
        if size < 1:
            raise ValueError("a store needs at least one write connection")
        self.url = url
        self.size = size
        self.timings = timings
        timings.connections = size
        self._args = connect_args
        self._location = location
        self._slots = [_Slot() for _ in range(size)]
        self._generation = 0
        """Bumped whenever a connection is found broken: older ones are replaced when next used."""

    def of_session(self, session: str) -> int:
        """The connection that carries ``session``'s writes (the same in every process)."""
        return zlib.crc32(session.encode("utf-8", "surrogatepass")) % self.size

    def least_busy(self) -> int:
        """The connection with the fewest writes holding or waiting for it (lowest on a tie)."""
        return min(range(self.size), key=lambda i: self._slots[i].busy)

    @contextlib.asynccontextmanager
    async def use(self, index: int) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """Connection ``index``, alone, (re)connected if needed; the write is timed."""
        slot = self._slots[index]
        asked = time.perf_counter()
        slot.busy += 1
        try:
            async with slot.lock:
                began = time.perf_counter()
                try:
                    conn = await self._connected(slot)
                    try:
                        yield conn
                    finally:
                        if conn.broken:
                            self._generation += 1  # the others may be dead too
                finally:
                    self.timings.add_write(began - asked, time.perf_counter() - began)
        finally:
            slot.busy -= 1

    async def _connected(self, slot: _Slot) -> psycopg.AsyncConnection[Any]:
        conn = slot.conn
        if conn is not None:
            if not conn.closed and not conn.broken and slot.born >= self._generation:
                return conn
            # Broken, or opened before another connection broke (probably dead too): replace
            # it now rather than fail a write on it.
            slot.conn = None
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()
        born = self._generation
        try:
            slot.conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, **self._args
            )
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot reach the store {self._location}: {why(exc)}") from None
        slot.born = born
        return slot.conn

    def open_count(self) -> int:
        """Connections currently open."""
        return sum(1 for s in self._slots if s.conn is not None and not s.conn.closed)

    def close(self) -> None:
        """Drop every connection without a loop (the server ends their sessions)."""
        for slot in self._slots:
            if slot.conn is not None and not slot.conn.closed:
                slot.conn.pgconn.finish()
            slot.conn = None

    async def aclose(self) -> None:
        """Close every connection (waiting for none that is in use: the store is closing)."""
        for slot in self._slots:
            conn, slot.conn = slot.conn, None
            if conn is not None:
                with contextlib.suppress(psycopg.Error, OSError):
                    await conn.close()


def why(exc: BaseException) -> str:
    """The first line of a driver error (libpq's messages run over several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
