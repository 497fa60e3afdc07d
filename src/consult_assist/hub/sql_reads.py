"""The read half of the store port in SQL, shared by the SQLite and PostgreSQL adapters.

Both databases hold the same tables (``hub/migrations.py``) and answer these reads with the same
statements; what differs is written by each adapter: how a statement runs (:meth:`_query`:
SQLite's one connection, PostgreSQL's read connection with its timings and errors), the
parameter mark, how "no limit" is said, and the two places where the dialects part (the
search filter and the order of a search by start time, kept as instants).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from consult_assist.events import Event
from consult_assist.hub.record_search import SessionFilter
from consult_assist.hub.store import (
    ACCESS_COLUMNS,
    SESSION_COLUMNS,
    AccessEntry,
    EventRow,
    SessionRow,
    access_filter,
    pick_session,
    session_row,
)
from consult_assist.wire import event_from_dict

__all__ = ["SESSION_SELECT", "SqlReads"]

SESSION_SELECT = f"SELECT {SESSION_COLUMNS} FROM sessions"


class SqlReads:
    """Sessions, events and the access log, read with SQL both databases understand."""

    MARK: ClassVar[str]
    """The parameter mark of the driver: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    ALL: ClassVar[Any]
    """The LIMIT that means no limit: ``-1`` (SQLite) or ``None`` (PostgreSQL's NULL)."""
    NEWEST_FIRST: ClassVar[str]
    """ORDER BY of a search: start times carry their own offsets, so they order as instants."""
    location: str

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read and return its rows."""
        raise NotImplementedError

    def _filter(self, *, since: str, owner: str, text: str, live_only: bool) -> SessionFilter:
        """The WHERE clause of a search in this database's dialect."""
        raise NotImplementedError

    def session(self, session: str) -> SessionRow | None:
        rows = self._query(f"{SESSION_SELECT} WHERE id = {self.MARK}", (session,))
        return session_row(rows[0]) if rows else None

    def sessions(self, *, live_only: bool = False, limit: int | None = None) -> list[SessionRow]:
        sql = SESSION_SELECT + (" WHERE ended_at IS NULL" if live_only else "")
        sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [session_row(r) for r in self._query(sql)]

    def search(
        self,
        *,
        since: str = "",
        owner: str = "",
        text: str = "",
        live_only: bool = False,
        limit: int | None = None,
    ) -> list[SessionRow]:
        found = self._filter(since=since, owner=owner, text=text, live_only=live_only)
        sql = SESSION_SELECT + found.where + self.NEWEST_FIRST
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [session_row(r) for r in self._query(sql, found.params)]

    def bodies(self, session: str, after: int = 0, limit: int = -1) -> list[tuple[int, str]]:
        rows = self._query(
            f"SELECT seq, body FROM events WHERE session = {self.MARK} AND seq > {self.MARK}"
            f" ORDER BY seq LIMIT {self.MARK}",
            (session, after, self.ALL if limit < 0 else limit),
        )
        return [(int(seq), str(body)) for seq, body in rows]

    def events(self, session: str, after: int = 0) -> list[Event]:
        return [event_from_dict(json.loads(body)) for _, body in self.bodies(session, after)]

    def event_rows(self, session: str, after: int = 0, limit: int = -1) -> list[EventRow]:
        rows = self._query(
            "SELECT seq, type, at, stored_at, body FROM events"
            f" WHERE session = {self.MARK} AND seq > {self.MARK} ORDER BY seq LIMIT {self.MARK}",
            (session, after, self.ALL if limit < 0 else limit),
        )
        return [EventRow(*r) for r in rows]

    def stored_at(self, session: str) -> Iterator[tuple[int, float]]:
        yield from self._query(
            f"SELECT seq, stored_at FROM events WHERE session = {self.MARK} ORDER BY seq",
            (session,),
        )

    def find(self, prefix: str) -> SessionRow:
        rows = self._query(
            f"{SESSION_SELECT} WHERE substr(id, 1, {self.MARK}) = {self.MARK} ORDER BY id LIMIT 3",
            (len(prefix), prefix),
        )
        return pick_session(rows, prefix, self.location)

    def accesses(
        self, *, session: str | None = None, since: float | None = None, limit: int = 10_000
    ) -> list[AccessEntry]:
        where, params = access_filter(session, since, self.MARK)
        rows = self._query(
            f"SELECT {ACCESS_COLUMNS} FROM access_log{where} ORDER BY at DESC, id DESC"
            f" LIMIT {self.MARK}",
            (*params, limit),
        )
        return [AccessEntry(*r) for r in reversed(rows)]

    def schema_version(self) -> int:
        [(version,)] = self._query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(version)
