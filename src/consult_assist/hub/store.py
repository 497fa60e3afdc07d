"""The event store: one SQLite file in WAL mode; every event is committed before it is sent.

Tables: ``sessions`` (one row per call) and ``events`` (every event of every session, keyed by
``(session, seq)``, with the wire JSON as ``body`` and ``stored_at``, the wall-clock time of the
commit). ``notes``, ``help_requests`` and ``advice`` are views over ``events``, for people who
open the file with ``sqlite3``.

Durability: each append is its own transaction. ``synchronous=NORMAL`` in WAL mode survives a
killed process (``kill -9``) without losing a committed event; only a power cut can lose the last
transactions, which ``synchronous="FULL"`` (one fsync per event) prevents at a cost in latency.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from consult_assist.errors import StoreError
from consult_assist.events import Event, SessionEnded, SessionStarted
from consult_assist.hub.record_search import ensure_index, session_filter
from consult_assist.paths import data_dir
from consult_assist.wire import encode_event, event_from_dict

__all__ = ["SessionRow", "Store", "default_db_path", "new_session_id"]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    started_by TEXT NOT NULL,
    training INTEGER NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    end_reason TEXT,
    duration_s REAL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at REAL NOT NULL,
    stored_at REAL NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_type ON events(type);
CREATE VIEW IF NOT EXISTS notes AS
    SELECT session, seq, at, json_extract(body, '$.by') AS author,
           json_extract(body, '$.text') AS text, stored_at
    FROM events WHERE type = 'note';
CREATE VIEW IF NOT EXISTS help_requests AS
    SELECT session, seq, at, json_extract(body, '$.by') AS author,
           json_extract(body, '$.reason') AS reason, stored_at
    FROM events WHERE type = 'help.request';
CREATE VIEW IF NOT EXISTS advice AS
    SELECT session, seq, at, json_extract(body, '$.by') AS author,
           json_extract(body, '$.text') AS text, stored_at
    FROM events WHERE type = 'advice';
"""


def default_db_path() -> Path:
    """<data dir>/consult-assist.db."""
    return data_dir() / "consult-assist.db"


def new_session_id(now: datetime | None = None) -> str:
    """A readable, sortable, unique id: ``20261123-143012-7f3a``."""
    when = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"{when}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class SessionRow:
    """One call as the store knows it."""

    id: str
    owner: str
    started_by: str
    training: bool
    source: str
    started_at: str
    ended_at: str | None
    end_reason: str | None
    duration_s: float | None
    last_seq: int
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.ended_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "started_by": self.started_by,
            "training": self.training,
            "source": self.source,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "end_reason": self.end_reason,
            "duration_s": self.duration_s,
            "last_seq": self.last_seq,
            "live": self.live,
            "meta": dict(self.meta),
        }


class Store:
    """Sessions and their events in one SQLite file (WAL)."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            self.indexed = ensure_index(self._db)
            """Whether the words of calls are indexed (FTS5); without, :meth:`search` scans."""
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------------

    def create_session(self, started: SessionStarted) -> None:
        """Insert the session row and its ``session.started`` event (seq 1) in one transaction."""
        meta = dict(started.meta)
        try:
            with self._tx():
                self._db.execute(
                    "INSERT INTO sessions (id, owner, started_by, training, source, started_at,"
                    " last_seq, meta) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                    (
                        started.session,
                        str(meta.get("handler", "")),
                        str(meta.get("started_by", "")),
                        int(bool(meta.get("training", False))),
                        str(meta.get("source", "")),
                        str(meta.get("started_at", "")),
                        json.dumps(meta, ensure_ascii=False),
                    ),
                )
                self._insert(started)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record session {started.session}: {exc}") from None

    def append(self, event: Event) -> str:
        """Commit one stamped event; returns its wire JSON (what is then sent)."""
        try:
            with self._tx():
                body = self._insert(event)
                if isinstance(event, SessionEnded):
                    self._db.execute(
                        "UPDATE sessions SET ended_at = ?, end_reason = ?, duration_s = ?"
                        " WHERE id = ?",
                        (_now_iso(), event.reason, event.at, event.session),
                    )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot store event {event.session}#{event.seq}: {exc}") from None
        return body

    def _insert(self, event: Event) -> str:
        if event.seq <= 0:
            raise StoreError(f"event {event.type} of {event.session} has no seq")
        body = encode_event(event)
        self._db.execute(
            "INSERT INTO events (session, seq, type, at, stored_at, body)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (event.session, event.seq, event.type, event.at, time.time(), body),
        )
        self._db.execute(
            "UPDATE sessions SET last_seq = ? WHERE id = ?", (event.seq, event.session)
        )
        return body

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    def recover(self, reason: str = "interrupted") -> list[SessionEnded]:
        """End every session left open by a crash; returns the ``session.ended`` events added."""
        ended = []
        for row in self.sessions(live_only=True):
            last_at = self._db.execute(
                "SELECT COALESCE(MAX(at), 0) FROM events WHERE session = ?", (row.id,)
            ).fetchone()[0]
            event = SessionEnded(session=row.id, seq=row.last_seq + 1, at=last_at, reason=reason)
            self.append(event)
            ended.append(event)
            log.warning("[%s] was live when the server stopped; marked %s", row.id, reason)
        return ended

    # --- reading ------------------------------------------------------------------------------

    def session(self, session: str) -> SessionRow | None:
        row = self._db.execute(_SESSION_SELECT + " WHERE id = ?", (session,)).fetchone()
        return _row(row) if row else None

    def sessions(self, *, live_only: bool = False, limit: int | None = None) -> list[SessionRow]:
        """Sessions, newest first."""
        sql = _SESSION_SELECT + (" WHERE ended_at IS NULL" if live_only else "")
        sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_row(r) for r in self._db.execute(sql).fetchall()]

    def search(
        self,
        *,
        since: str = "",
        owner: str = "",
        text: str = "",
        live_only: bool = False,
        limit: int | None = None,
    ) -> list[SessionRow]:
        """Sessions started since ``since`` (ISO 8601), of ``owner``, whose transcript or notes
        contain ``text``; newest first (see :mod:`~consult_assist.hub.record_search`)."""
        found = session_filter(
            since=since, owner=owner, text=text, live_only=live_only, indexed=self.indexed
        )
        # julianday(): stored times carry their own offsets; newest first as instants.
        sql = _SESSION_SELECT + found.where + " ORDER BY julianday(started_at) DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_row(r) for r in self._db.execute(sql, found.params).fetchall()]

    def bodies(self, session: str, after: int = 0, limit: int = -1) -> list[tuple[int, str]]:
        """``(seq, wire JSON)`` of the events of ``session`` with seq > ``after``, in order."""
        return list(
            self._db.execute(
                "SELECT seq, body FROM events WHERE session = ? AND seq > ? ORDER BY seq LIMIT ?",
                (session, after, limit),
            ).fetchall()
        )

    def events(self, session: str, after: int = 0) -> list[Event]:
        """The events of ``session`` with seq > ``after``, decoded."""
        return [event_from_dict(json.loads(body)) for _, body in self.bodies(session, after)]

    def stored_at(self, session: str) -> Iterator[tuple[int, float]]:
        """``(seq, commit time)`` of every event of a session (for delivery-latency benches)."""
        yield from self._db.execute(
            "SELECT seq, stored_at FROM events WHERE session = ? ORDER BY seq", (session,)
        )

    def find(self, prefix: str) -> SessionRow:
        """The one session whose id starts with ``prefix`` (StoreError if none or several)."""
        rows = self._db.execute(
            _SESSION_SELECT + " WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 3",
            (len(prefix), prefix),
        ).fetchall()
        if not rows:
            raise StoreError(f"no session {prefix!r} in {self.path}")
        if len(rows) > 1 and not any(r[0] == prefix for r in rows):
            ids = ", ".join(r[0] for r in rows)
            raise StoreError(f"{prefix!r} matches several sessions ({ids}…): give more of the id")
        exact = [r for r in rows if r[0] == prefix]
        return _row(exact[0] if exact else rows[0])


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


_SESSION_SELECT = (
    "SELECT id, owner, started_by, training, source, started_at, ended_at, end_reason,"
    " duration_s, last_seq, meta FROM sessions"
)


def _row(r: Sequence[Any]) -> SessionRow:
    return SessionRow(
        id=r[0],
        owner=r[1],
        started_by=r[2],
        training=bool(r[3]),
        source=r[4],
        started_at=r[5],
        ended_at=r[6],
        end_reason=r[7],
        duration_s=r[8],
        last_seq=r[9],
        meta=json.loads(r[10]),
    )


def _now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")
