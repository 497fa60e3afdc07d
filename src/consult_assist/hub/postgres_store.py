"""The PostgreSQL adapter of the store port (psycopg 3), for one or several nodes.

Connections: a few asyncio ones (:class:`psycopg.AsyncConnection`, ``postgres_writers.py``)
for the writes, so a commit, or an outage, never blocks the event loop and a node's calls commit
side by side (each session always on the same one); and a plain one for the short reads the
sans-I/O connection asks for synchronously and for the commands (``records``, ``tokens``,
``store``). psycopg 3 has both behind one API, which is why it was chosen over asyncpg (async
only); it also installs with its own libpq (``psycopg[binary]``).

Failures: a lost connection, a server shutting down or a full disk is
:class:`~consult_assist.errors.StoreUnavailable`; the next call reconnects (bounded by
``CONNECT_TIMEOUT_S``, and TCP keepalives with a user timeout bound a silent network). While the
store is known to be down, reads fail at once for ``RETRY_READS_S`` instead of each waiting for a
timeout on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any, NoReturn

import psycopg

from consult_assist.errors import SessionClosed, StoreError, StoreUnavailable
from consult_assist.events import Event, SessionEnded, SessionStarted
from consult_assist.hub.migrations import VERSIONS_TABLE, pending
from consult_assist.hub.postgres_sql import APPEND, APPEND_AFTER_END, OPEN_OF_NODE, OPEN_SESSION
from consult_assist.hub.postgres_writers import (
    DEFAULT_CONNECTIONS,
    StoreTimings,
    WriteConnections,
    why,
)
from consult_assist.hub.record_search import SessionFilter, session_filter
from consult_assist.hub.sql_reads import SqlReads
from consult_assist.hub.store import (
    ACCESS_COLUMNS,
    AccessEntry,
    EventRow,
    SessionRow,
    now_iso,
    redact_url,
)
from consult_assist.wire import encode_event

__all__ = [
    "CONNECT_ARGS",
    "CONNECT_TIMEOUT_S",
    "EVENTS_CHANNEL",
    "RETRY_READS_S",
    "PostgresStore",
]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3
"""Seconds a (re)connection may take before the store counts as unavailable."""
RETRY_READS_S = 1.0
"""After a failed reconnection, reads fail at once for this long."""
EVENTS_CHANNEL = "consult_assist_events"
"""NOTIFY channel rung at the commit of every event, payload ``"<session> <seq>"``: a doorbell
for other nodes, which read the rows themselves (no payload limit, no gap, no duplicate)."""
_MIGRATION_LOCK = 0x63615F6D  # "ca_m": serialises nodes migrating the same database at once
CONNECT_ARGS: dict[str, Any] = {  # libpq settings of every connection a node opens
    "connect_timeout": CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "application_name": "consult-assist",
}
_ACCESS_BATCH = 1000
"""Access-log lines written in one statement at most (6 parameters each; PostgreSQL takes
65,535 per statement)."""


@dataclass
class _AccessBatch:
    """Access-log lines that go to the store in one statement, and its outcome."""

    entries: list[AccessEntry]
    done: asyncio.Future[None]


class PostgresStore(SqlReads):
    """Sessions, events, tokens and node leases in a PostgreSQL database."""

    def __init__(self, url: str, *, node: str = "", connections: int = DEFAULT_CONNECTIONS) -> None:
        if connections < 1:
            raise StoreError("a PostgreSQL store needs at least one write connection")
        self.url = url
        self.location = redact_url(url)
        self.node = node
        self._conn: psycopg.Connection[Any] | None = None
        self._down_until = 0.0
        self._access: _AccessBatch | None = None
        """Access-log lines gathering for one write (see :meth:`log_access`)."""
        self.timings = StoreTimings()
        """Where this store's time goes (reads block the event loop; writes queue)."""
        self.writers = WriteConnections(
            url,
            size=connections,
            connect_args=CONNECT_ARGS,
            timings=self.timings,
            location=self.location,
        )
        """The write connections (opened when first used)."""
        try:
            self.applied = self._migrate(self._sync())
            """The migrations this opening applied (names), oldest first."""
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the store {self.location}: {why(exc)}") from None
        except StoreUnavailable as exc:
            raise StoreError(str(exc).replace("cannot reach", "cannot open", 1)) from None

    # --- connections --------------------------------------------------------------------------

    def _sync(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        if time.monotonic() < self._down_until:
            raise StoreUnavailable(f"the store {self.location} is unavailable")
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, **CONNECT_ARGS)
        except psycopg.Error as exc:
            self._down_until = time.monotonic() + RETRY_READS_S
            raise StoreUnavailable(f"cannot reach the store {self.location}: {why(exc)}") from None
        self._down_until = 0.0
        return self._conn

    def _migrate(self, conn: psycopg.Connection[Any]) -> list[str]:
        done = []
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(VERSIONS_TABLE["postgres"])
            have = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
            for migration in pending(have, self.location):
                if migration.postgres:
                    conn.execute(migration.postgres.encode())
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                    (migration.version, migration.name, now_iso()),
                )
                log.info(
                    "store %s: migrated to version %d (%s)",
                    self.location,
                    migration.version,
                    migration.name,
                )
                done.append(f"{migration.version}: {migration.name}")
        return done

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self.writers.close()

    async def aclose(self) -> None:
        await self.writers.aclose()
        if self._conn is not None:
            self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connection(self) -> psycopg.Connection[Any]:
        """The synchronous connection (autocommit), for the tokens and the commands."""
        return self._sync()

    # --- writing ------------------------------------------------------------------------------

    async def append_after_end(self, event: Event) -> str:
        body = encode_event(event)
        what = f"cannot store {event.type} {event.session}#{event.seq} after the call"
        params = self._append_params(event, body)
        async with self.writers.use(self.writers.of_session(event.session)) as conn:
            try:
                row = await (await conn.execute(APPEND_AFTER_END, params)).fetchone()
            except (psycopg.Error, UnicodeError) as exc:
                _raise(what, exc)
        if row is None or not row[0]:
            raise StoreError(f"{what}: the call is not ended, or that seq is taken")
        return body

    async def append(self, event: Event) -> str:
        if event.seq <= 0:
            raise StoreError(f"event {event.type} of {event.session} has no seq")
        body = encode_event(event)
        what = f"cannot store event {event.session}#{event.seq}"
        if await self._append_fenced(event, body, what):
            return body
        # Not written: a retry of a commit whose answer was lost (the same body is there), or
        # an event this session cannot take (its seq is used, or the session has ended).
        async with self.writers.use(self.writers.of_session(event.session)) as conn:
            try:
                cur = await conn.execute(
                    "SELECT e.body, s.end_reason FROM sessions s LEFT JOIN events e"
                    " ON e.session = s.id AND e.seq = %s WHERE s.id = %s",
                    (event.seq, event.session),
                )
                there = await cur.fetchone()
            except psycopg.Error as exc:
                _raise(what, exc)
        if there is not None and there[0] == body:
            return body
        if there is not None and there[1] is not None:
            raise SessionClosed(f"{what}: the session has ended ({there[1]})")
        if there is not None and there[0] is not None:
            raise StoreError(f"{what}: that seq holds another event")
        raise StoreError(f"{what}: the session is not open at seq {event.seq - 1}")

    async def _append_fenced(self, event: Event, body: str, what: str) -> bool:
        """Write ``event`` if it is its open session's next; True if this call wrote it."""
        params = self._append_params(event, body)
        # The session's own connection, one statement at a time: its row is inserted before
        # its first event, and its events go in the order the hub's writer issues them.
        async with self.writers.use(self.writers.of_session(event.session)) as conn:
            try:
                if isinstance(event, SessionStarted):
                    await conn.execute(*self._session_insert(event))
                cur = await conn.execute(APPEND, params)
                row = await cur.fetchone()
            except (psycopg.Error, UnicodeError) as exc:
                _raise(what, exc)
        return row is not None and bool(row[0])

    @staticmethod
    def _append_params(event: Event, body: str) -> dict[str, Any]:
        ended = isinstance(event, SessionEnded)
        return {
            "session": event.session,
            "seq": event.seq,
            "type": event.type,
            "at": event.at,
            "stored_at": time.time(),
            "body": body,
            "ended_at": now_iso() if ended else None,
            "reason": event.reason if isinstance(event, SessionEnded) else None,
            "duration": event.at if ended else None,
            "channel": EVENTS_CHANNEL,
            "payload": f"{event.session} {event.seq}",
        }

    def _session_insert(self, started: SessionStarted) -> tuple[str, tuple[Any, ...]]:
        meta = dict(started.meta)
        return (
            "INSERT INTO sessions (id, owner, started_by, training, source, started_at,"
            " last_seq, meta, node) VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            (
                started.session,
                str(meta.get("handler", "")),
                str(meta.get("started_by", "")),
                bool(meta.get("training", False)),
                str(meta.get("source", "")),
                str(meta.get("started_at", "")),
                json.dumps(meta, ensure_ascii=False),
                self.node,
            ),
        )

    async def probe(self) -> None:
        async with self.writers.use(self.writers.least_busy()) as conn:
            try:
                await conn.execute(
                    "INSERT INTO store_probe (node, at) VALUES (%s, %s)"
                    " ON CONFLICT (node) DO UPDATE SET at = excluded.at",
                    (self.node, time.time()),
                )
            except psycopg.Error as exc:
                _raise("the store cannot take a write", exc)

    async def recover(self, reason: str = "interrupted") -> list[SessionEnded]:
        ended = await self.end_open_sessions(self.node, reason)
        for event in ended:
            log.warning("[%s] was live when the node stopped; marked %s", event.session, reason)
        return ended

    async def end_open_sessions(self, node: str, reason: str) -> list[SessionEnded]:
        """End every open session of ``node`` with ``session.ended`` (``reason``), exactly once.

        Safe to run on several nodes at once, and beside the owner if it is still writing: each
        end is a fenced append (``APPEND``), so of all who try, one writes it, at the seq after
        the session's last event. Returns the ends this call wrote.
        """
        async with self.writers.use(self.writers.least_busy()) as conn:
            try:
                rows = await (await conn.execute(OPEN_OF_NODE, (node,))).fetchall()
            except psycopg.Error as exc:
                _raise(f"cannot read the open sessions of node {node!r}", exc)
        ended = []
        for session, *_ in rows:
            event = await self._end_locked(session, reason)
            if event is not None:
                ended.append(event)
        return ended

    async def _end_locked(self, session: str, reason: str) -> SessionEnded | None:
        """End one open session at the seq after its last event, holding its row.

        ``FOR UPDATE`` takes the session row's lock first, so an owner still appending waits
        for this transaction and then finds the session ended (its fenced append writes
        nothing): the end cannot be starved by a fast writer. None if it was already ended.
        The one row is the only lock held, so this cannot deadlock with any other write.
        """
        what = f"cannot end session {session}"
        async with self.writers.use(self.writers.of_session(session)) as conn:
            try:
                async with conn.transaction():
                    cur = await conn.execute(OPEN_SESSION + " FOR UPDATE OF s", (session,))
                    row = await cur.fetchone()
                    if row is None:
                        return None  # ended by someone else
                    last_seq, last_at = row
                    event = SessionEnded(
                        session=session, seq=last_seq + 1, at=last_at, reason=reason
                    )
                    cur = await conn.execute(
                        APPEND, self._append_params(event, encode_event(event))
                    )
                    written = await cur.fetchone()
            except psycopg.Error as exc:
                _raise(what, exc)
        if written is None or not written[0]:
            raise StoreError(f"{what}: its row changed under the lock")
        return event

    async def import_session(self, row: SessionRow, events: Sequence[EventRow]) -> None:
        # The session's row (the upsert) is locked before its events, as every writer does.
        async with self.writers.use(self.writers.of_session(row.id)) as conn:
            try:
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO sessions (id, owner, started_by, training, source,"
                        " started_at, ended_at, end_reason, duration_s, last_seq, meta, node)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                        " ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at,"
                        " end_reason = excluded.end_reason, duration_s = excluded.duration_s,"
                        " last_seq = excluded.last_seq",
                        (
                            row.id,
                            row.owner,
                            row.started_by,
                            row.training,
                            row.source,
                            row.started_at,
                            row.ended_at,
                            row.end_reason,
                            row.duration_s,
                            row.last_seq,
                            json.dumps(dict(row.meta), ensure_ascii=False),
                            row.node,
                        ),
                    )
                    async with conn.cursor() as cur:
                        await cur.executemany(
                            "INSERT INTO events (session, seq, type, at, stored_at, body)"
                            " VALUES (%s, %s, %s, %s, %s, %s)"
                            " ON CONFLICT (session, seq) DO NOTHING",
                            [(row.id, e.seq, e.type, e.at, e.stored_at, e.body) for e in events],
                        )
            except (psycopg.Error, UnicodeError) as exc:
                _raise(f"cannot import session {row.id}", exc)

    async def log_access(self, entry: AccessEntry) -> None:
        """Add ``entry``; lines that arrive while a line waits for its connection go with it.

        A new call seen by every supervisor logs one ``view`` per supervisor at once: one
        statement (and one commit) for all of them instead of a queue of them in front of the
        calls' appends on every write connection.
        """
        batch = self._access
        if batch is not None and len(batch.entries) < _ACCESS_BATCH:
            batch.entries.append(entry)
            await asyncio.shield(batch.done)  # raises what the write raised
            return
        batch = self._access = _AccessBatch([entry], asyncio.get_running_loop().create_future())
        try:
            async with self.writers.use(self.writers.least_busy()) as conn:
                if self._access is batch:
                    self._access = None  # lines from now on go with the next write
                rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch.entries))
                values = [value for line in batch.entries for value in astuple(line)]
                try:
                    await conn.execute(
                        f"INSERT INTO access_log ({ACCESS_COLUMNS}) VALUES {rows}", values
                    )
                except (psycopg.Error, UnicodeError) as exc:
                    _raise("cannot add to the access log", exc)
        except BaseException as exc:
            if self._access is batch:
                self._access = None
            failed = exc if isinstance(exc, Exception) else StoreUnavailable("interrupted")
            batch.done.set_exception(failed)
            batch.done.exception()  # whoever joined raises it; nobody else need look
            raise
        batch.done.set_result(None)

    async def purge(self, sessions: Sequence[str]) -> int:
        # Deleted rows stay in the table's files until VACUUM reuses their space
        # (docs/security.md: retention): autovacuum does it, VACUUM FULL at once.
        # The sessions' rows are locked first, in id order, then their events: every other
        # writer holds a session's row before it touches the session's events and holds one
        # row at most, so no two writers wait for each other in a cycle (no deadlock), and an
        # event written after the call (a note) is either deleted with it or refused after.
        async with self.writers.use(self.writers.least_busy()) as conn:
            try:
                async with conn.transaction():
                    cur = await conn.execute(
                        "SELECT id FROM sessions WHERE id = ANY(%s) AND ended_at IS NOT NULL"
                        " ORDER BY id FOR UPDATE",
                        (list(sessions),),
                    )
                    ended = [r[0] for r in await cur.fetchall()]
                    await conn.execute("DELETE FROM events WHERE session = ANY(%s)", (ended,))
                    await conn.execute("DELETE FROM sessions WHERE id = ANY(%s)", (ended,))
            except psycopg.Error as exc:
                _raise("cannot delete expired calls", exc)
        return len(ended)

    # --- reading (the statements: sql_reads.py) ----------------------------------------------

    MARK = "%s"
    ALL = None
    NEWEST_FIRST = " ORDER BY NULLIF(started_at, '')::timestamptz DESC NULLS LAST, id DESC"

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        began = time.perf_counter()
        conn = self._sync()
        try:
            return conn.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            _raise("cannot read the store", exc)
        finally:
            self.timings.add_read(time.perf_counter() - began)

    def _filter(self, *, since: str, owner: str, text: str, live_only: bool) -> SessionFilter:
        return session_filter(
            since=since, owner=owner, text=text, live_only=live_only, postgres=True
        )


def _raise(what: str, exc: BaseException) -> NoReturn:
    if isinstance(exc, StoreError):
        raise exc
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        raise StoreUnavailable(f"{what}: {why(exc)}") from None
    raise StoreError(f"{what}: {why(exc)}") from None
