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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import astuple
from pathlib import Path
from typing import Any, NoReturn

from consult_assist.errors import StoreError, StoreUnavailable
from consult_assist.events import Event, SessionEnded, SessionStarted
from consult_assist.hub.migrations import VERSIONS_TABLE, pending
from consult_assist.hub.record_search import (
    SessionFilter,
    compact_index,
    ensure_index,
    forget_words,
    session_filter,
)
from consult_assist.hub.sql_reads import SESSION_SELECT, SqlReads
from consult_assist.hub.sqlite_files import open_database, quick_check
from consult_assist.hub.store import (
    ACCESS_COLUMNS,
    AccessEntry,
    EventRow,
    SessionRow,
    now_iso,
    session_row,
)
from consult_assist.wire import encode_event

__all__ = ["SqliteStore"]

log = logging.getLogger(__name__)


class SqliteStore(SqlReads):
    """Sessions and their events in one SQLite file (WAL)."""

    def __init__(
        self,
        path: Path,
        *,
        node: str = "",
        synchronous: str = "NORMAL",
        key_file: Path | None = None,
        verify: bool = False,
    ) -> None:
        """Open (or create) the store at ``path``.

        ``key_file``: open it with SQLCipher and that key (``sqlite_files.read_key``).
        ``verify``: read every page first (``PRAGMA quick_check``), as the server does at start.
        """
        self.path = path
        self.location = str(path)
        self.node = node
        try:
            opened = open_database(path, key_file=key_file)
        except OSError as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from None
        self.encrypted = opened.encrypted
        self._db = opened.connection
        self._errors = opened.errors
        self._unavailable = opened.unavailable
        self._write_errors: tuple[type[BaseException], ...] = (*opened.errors, UnicodeError)
        """What a write may raise: the driver's errors, and text it cannot encode."""
        try:
            if verify:
                quick_check(opened, self.location)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA busy_timeout=5000")
            # Deleted records (records purge) are overwritten, not left in free pages.
            self._db.execute("PRAGMA secure_delete=ON")
            self.applied = self._migrate()
            """The migrations this opening applied (names), oldest first."""
            self.indexed = ensure_index(self._db, self._errors)
            """Whether the words of calls are indexed (FTS5); without, :meth:`search` scans."""
        except StoreError:
            self._db.close()
            raise
        except self._errors as exc:
            self._db.close()
            raise StoreError(f"cannot open the store {path}: {exc}") from None

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

    async def append_after_end(self, event: Event) -> str:
        row = self.session(event.session)
        if row is None or row.live:
            raise StoreError(f"cannot store {event.type} of {event.session}: the call is not ended")
        if event.seq != row.last_seq + 1:
            raise StoreError(f"cannot store {event.session}#{event.seq}: not the next seq")
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
        except self._write_errors as exc:
            _raise(f"cannot store event {event.session}#{event.seq}", exc, self._unavailable)
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
        except self._errors as exc:
            _raise("the store cannot take a write", exc, self._unavailable)

    async def recover(self, reason: str = "interrupted") -> list[SessionEnded]:
        return self.recover_now(reason)

    def recover_now(self, reason: str = "interrupted") -> list[SessionEnded]:
        """:meth:`recover`, synchronously."""
        ended = []
        # One SQLite file has one node: whatever is open was left by this server's last run.
        open_rows = self._db.execute(SESSION_SELECT + " WHERE ended_at IS NULL").fetchall()
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
        except self._write_errors as exc:
            _raise(f"cannot import session {row.id}", exc, self._unavailable)

    async def log_access(self, entry: AccessEntry) -> None:
        self.log_access_now(entry)

    def log_access_now(self, entry: AccessEntry) -> None:
        """:meth:`log_access`, synchronously."""
        try:
            with self._tx():
                self._db.execute(
                    f"INSERT INTO access_log ({ACCESS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    astuple(entry),
                )
        except self._write_errors as exc:
            _raise("cannot add to the access log", exc, self._unavailable)

    async def purge(self, sessions: Sequence[str]) -> int:
        return self.purge_now(sessions)

    def purge_now(self, sessions: Sequence[str]) -> int:
        """:meth:`purge`, synchronously."""
        deleted = 0
        try:
            with self._tx():
                for session in sessions:
                    # The condition is repeated here so that no caller can delete a live call.
                    row = self._db.execute(
                        "SELECT 1 FROM sessions WHERE id = ? AND ended_at IS NOT NULL", (session,)
                    ).fetchone()
                    if row is None:
                        continue
                    self._db.execute("DELETE FROM events WHERE session = ?", (session,))
                    self._db.execute("DELETE FROM sessions WHERE id = ?", (session,))
                    if self.indexed:
                        forget_words(self._db, session)
                    deleted += 1
            if deleted and self.indexed:
                compact_index(self._db)  # no trigram of a deleted call left in a segment
            if deleted:
                # secure_delete zeroed the rows in the WAL's pages; copy them over the
                # database's and empty the WAL, so no deleted word stays on disk in either.
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except self._write_errors as exc:
            _raise("cannot delete expired calls", exc, self._unavailable)
        return deleted

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
                with suppress(*self._errors):
                    self._db.execute("ROLLBACK")
            raise

    # --- reading (the statements: sql_reads.py) ----------------------------------------------

    MARK = "?"
    ALL = -1
    # julianday(): stored times carry their own offsets; newest first as instants.
    NEWEST_FIRST = " ORDER BY julianday(started_at) DESC, id DESC"

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._db.execute(sql, params).fetchall()
        return rows

    def _filter(self, *, since: str, owner: str, text: str, live_only: bool) -> SessionFilter:
        return session_filter(
            since=since, owner=owner, text=text, live_only=live_only, indexed=self.indexed
        )


def _raise(what: str, exc: BaseException, unavailable: tuple[type[BaseException], ...]) -> NoReturn:
    if isinstance(exc, StoreError):
        raise exc
    if isinstance(exc, unavailable):
        raise StoreUnavailable(f"{what}: {exc}") from None
    raise StoreError(f"{what}: {exc}") from None
