"""The SQLite adapter of the store port: one file in WAL mode, the single-node default.

Durability: each append is its own transaction. ``synchronous=NORMAL`` in WAL mode survives a
killed process (``kill -9``) without losing a committed event; only a power cut can lose the last
transactions, which ``synchronous="FULL"`` (one fsync per event) prevents at a cost in latency.

The port's coroutines run the SQLite call inline: a local file answers in microseconds, and
running it on the loop keeps the commit-then-send order without a thread hop. A full disk or a
locked database is :class:`~consult_assist.errors.StoreUnavailable` (the hub holds the events
and retries); a used seq or text SQLite cannot encode is a plain StoreError.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NoReturn

from consult_assist.errors import StoreError, StoreUnavailable
from consult_assist.events import Event, SessionEnded, SessionStarted
from consult_assist.hub.migrations import VERSIONS_TABLE, pending
from consult_assist.hub.store import (
    SESSION_COLUMNS,
    EventRow,
    SessionRow,
    now_iso,
    pick_session,
    session_row,
)
from consult_assist.wire import encode_event, event_from_dict

__all__ = ["SqliteStore"]

log = logging.getLogger(__name__)

_SESSION_SELECT = f"SELECT {SESSION_COLUMNS} FROM sessions"


class SqliteStore:
    """Sessions and their events in one SQLite file (WAL)."""

    def __init__(self, path: Path, *, node: str = "", synchronous: str = "NORMAL") -> None:
        self.path = path
        self.location = str(path)
        self.node = node
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect(path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA busy_timeout=5000")
            self.applied = self._migrate()
            """The migrations this opening applied (names), oldest first."""
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from None

    def _connect(self, path: Path) -> sqlite3.Connection:
        """The connection (one place to change how the file is opened)."""
        return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)

    def _migrate(self) -> list[str]:
        self._db.execute(VERSIONS_TABLE["sqlite"])
        have = [r[0] for r in self._db.execute("SELECT version FROM schema_migrations")]
        done = []
        for migration in pending(have, self.location):
            # One transaction per migration, its version row included: all of it or none.
            self._db.executescript(
                "BEGIN IMMEDIATE;\n"
                + migration.sqlite
                + f"\nINSERT INTO schema_migrations VALUES ({migration.version},"
                f" '{migration.name}', '{now_iso()}');\nCOMMIT;"
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
        self._db.close()

    async def aclose(self) -> None:
        self.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------------

    async def append(self, event: Event) -> str:
        return self.append_now(event)

    def append_now(self, event: Event) -> str:
        """:meth:`append`, synchronously (tests and tools outside an event loop)."""
        if event.seq <= 0:
            raise StoreError(f"event {event.type} of {event.session} has no seq")
        body = encode_event(event)
        try:
            with self._tx():
                if isinstance(event, SessionStarted):
                    self._insert_session(event)
                if not self._insert_event(event, body):
                    return body  # already stored: a retry of a commit that went through
                self._db.execute(
                    "UPDATE sessions SET last_seq = MAX(last_seq, ?) WHERE id = ?",
                    (event.seq, event.session),
                )
                if isinstance(event, SessionEnded):
                    self._db.execute(
                        "UPDATE sessions SET ended_at = ?, end_reason = ?, duration_s = ?"
                        " WHERE id = ?",
                        (now_iso(), event.reason, event.at, event.session),
                    )
        except (sqlite3.Error, UnicodeError) as exc:
            _raise(f"cannot store event {event.session}#{event.seq}", exc)
        return body

    def _insert_session(self, started: SessionStarted) -> None:
        meta = dict(started.meta)
        self._db.execute(
            "INSERT INTO sessions (id, owner, started_by, training, source, started_at,"
            " last_seq, meta, node) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (
                started.session,
                str(meta.get("handler", "")),
                str(meta.get("started_by", "")),
                int(bool(meta.get("training", False))),
                str(meta.get("source", "")),
                str(meta.get("started_at", "")),
                json.dumps(meta, ensure_ascii=False),
                self.node,
            ),
        )

    def _insert_event(self, event: Event, body: str) -> bool:
        """Insert the row; False if the same event is already there (StoreError if another)."""
        cursor = self._db.execute(
            "INSERT INTO events (session, seq, type, at, stored_at, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session, seq) DO NOTHING",
            (event.session, event.seq, event.type, event.at, time.time(), body),
        )
        if cursor.rowcount == 1:
            return True
        [(there,)] = self._db.execute(
            "SELECT body FROM events WHERE session = ? AND seq = ?", (event.session, event.seq)
        ).fetchall()
        if there != body:
            raise StoreError(
                f"cannot store event {event.session}#{event.seq}: that seq holds another event"
            )
        return False

    async def probe(self) -> None:
        try:
            with self._tx():
                self._db.execute(
                    "INSERT INTO store_probe (node, at) VALUES (?, ?)"
                    " ON CONFLICT (node) DO UPDATE SET at = excluded.at",
                    (self.node, time.time()),
                )
        except sqlite3.Error as exc:
            _raise("the store cannot take a write", exc)

    async def recover(self, reason: str = "interrupted") -> list[SessionEnded]:
        return self.recover_now(reason)

    def recover_now(self, reason: str = "interrupted") -> list[SessionEnded]:
        """:meth:`recover`, synchronously."""
        ended = []
        # One SQLite file has one node: whatever is open was left by this server's last run.
        open_rows = self._db.execute(_SESSION_SELECT + " WHERE ended_at IS NULL").fetchall()
        for row in map(session_row, open_rows):
            last_at = self._db.execute(
                "SELECT COALESCE(MAX(at), 0) FROM events WHERE session = ?", (row.id,)
            ).fetchone()[0]
            event = SessionEnded(session=row.id, seq=row.last_seq + 1, at=last_at, reason=reason)
            self.append_now(event)
            ended.append(event)
            log.warning("[%s] was live when the server stopped; marked %s", row.id, reason)
        return ended

    async def import_session(self, row: SessionRow, events: Sequence[EventRow]) -> None:
        try:
            with self._tx():
                self._db.execute(
                    "INSERT INTO sessions (id, owner, started_by, training, source, started_at,"
                    " ended_at, end_reason, duration_s, last_seq, meta, node)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    " ended_at = excluded.ended_at, end_reason = excluded.end_reason,"
                    " duration_s = excluded.duration_s, last_seq = excluded.last_seq",
                    (
                        row.id,
                        row.owner,
                        row.started_by,
                        int(row.training),
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
                self._db.executemany(
                    "INSERT INTO events (session, seq, type, at, stored_at, body)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session, seq) DO NOTHING",
                    [(row.id, e.seq, e.type, e.at, e.stored_at, e.body) for e in events],
                )
        except (sqlite3.Error, UnicodeError) as exc:
            _raise(f"cannot import session {row.id}", exc)

    @contextmanager
    def _tx(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full) may leave the transaction open: end it, or the next
            # BEGIN fails too.
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    # --- reading ------------------------------------------------------------------------------

    def session(self, session: str) -> SessionRow | None:
        row = self._db.execute(_SESSION_SELECT + " WHERE id = ?", (session,)).fetchone()
        return session_row(row) if row else None

    def sessions(self, *, live_only: bool = False, limit: int | None = None) -> list[SessionRow]:
        sql = _SESSION_SELECT + (" WHERE ended_at IS NULL" if live_only else "")
        sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [session_row(r) for r in self._db.execute(sql).fetchall()]

    def bodies(self, session: str, after: int = 0, limit: int = -1) -> list[tuple[int, str]]:
        return list(
            self._db.execute(
                "SELECT seq, body FROM events WHERE session = ? AND seq > ? ORDER BY seq LIMIT ?",
                (session, after, limit),
            ).fetchall()
        )

    def events(self, session: str, after: int = 0) -> list[Event]:
        return [event_from_dict(json.loads(body)) for _, body in self.bodies(session, after)]

    def event_rows(self, session: str, after: int = 0, limit: int = -1) -> list[EventRow]:
        return [
            EventRow(*r)
            for r in self._db.execute(
                "SELECT seq, type, at, stored_at, body FROM events"
                " WHERE session = ? AND seq > ? ORDER BY seq LIMIT ?",
                (session, after, limit),
            )
        ]

    def stored_at(self, session: str) -> Iterator[tuple[int, float]]:
        yield from self._db.execute(
            "SELECT seq, stored_at FROM events WHERE session = ? ORDER BY seq", (session,)
        )

    def find(self, prefix: str) -> SessionRow:
        rows = self._db.execute(
            _SESSION_SELECT + " WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 3",
            (len(prefix), prefix),
        ).fetchall()
        return pick_session(rows, prefix, self.location)

    def schema_version(self) -> int:
        return int(
            self._db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[
                0
            ]
        )


def _raise(what: str, exc: BaseException) -> NoReturn:
    if isinstance(exc, StoreError):
        raise exc
    if isinstance(exc, sqlite3.OperationalError):
        raise StoreUnavailable(f"{what}: {exc}") from None
    raise StoreError(f"{what}: {exc}") from None
