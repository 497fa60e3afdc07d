"""Versioned schema migrations of the event store, one list for SQLite and PostgreSQL.

Each :class:`Migration` carries the same change in both dialects; an adapter applies the
pending ones in order, each in one transaction with its row in ``schema_migrations``, when the
store is opened (``consult-assist store migrate`` does only that, and says what it did).
Version 1 is the schema as it was before migrations existed, written with ``IF NOT EXISTS`` in
SQLite, so a file made by an older release is simply recorded as version 1 and carried on.

To change the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from consult_assist.errors import StoreError

__all__ = ["MIGRATIONS", "VERSIONS_TABLE", "Migration", "pending"]


@dataclass(frozen=True)
class Migration:
    """One schema change, in both dialects (an empty script: nothing to do in that one)."""

    version: int
    name: str
    sqlite: str
    postgres: str


VERSIONS_TABLE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    "postgres": "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
}
"""The table that records which migrations a database has."""

_INITIAL_SQLITE = """
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

# Bodies stay TEXT (not jsonb) so that what is read back is byte for byte what was sent; the
# views parse them for people who query the database by hand.
_INITIAL_POSTGRES = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    started_by TEXT NOT NULL,
    training BOOLEAN NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    end_reason TEXT,
    duration_s DOUBLE PRECISION,
    last_seq INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL
);
CREATE TABLE events (
    session TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    stored_at DOUBLE PRECISION NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (session, seq)
);
CREATE INDEX events_type ON events (type);
CREATE VIEW notes AS
    SELECT session, seq, at, body::jsonb ->> 'by' AS author, body::jsonb ->> 'text' AS text,
           stored_at
    FROM events WHERE type = 'note';
CREATE VIEW help_requests AS
    SELECT session, seq, at, body::jsonb ->> 'by' AS author, body::jsonb ->> 'reason' AS reason,
           stored_at
    FROM events WHERE type = 'help.request';
CREATE VIEW advice AS
    SELECT session, seq, at, body::jsonb ->> 'by' AS author, body::jsonb ->> 'text' AS text,
           stored_at
    FROM events WHERE type = 'advice';
"""

_NODES_SQLITE = """
ALTER TABLE sessions ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS sessions_open ON sessions(node) WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS node_leases (
    node TEXT PRIMARY KEY,
    address TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL,
    renewed_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS store_probe (node TEXT PRIMARY KEY, at REAL NOT NULL);
"""

_NODES_POSTGRES = """
ALTER TABLE sessions ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_open ON sessions (node) WHERE ended_at IS NULL;
CREATE TABLE node_leases (
    node TEXT PRIMARY KEY,
    address TEXT NOT NULL DEFAULT '',
    started_at DOUBLE PRECISION NOT NULL,
    renewed_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE store_probe (node TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
"""

_TOKENS_POSTGRES = """
CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('handler', 'supervisor', 'trainer')),
    sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
"""

# Who viewed or exported which call. Rows name a session, never its content, and outlive the
# session when retention deletes it (the purge itself is a row).
_ACCESS_LOG_SQLITE = """
CREATE TABLE IF NOT EXISTS access_log (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    session TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS access_log_session ON access_log(session, at);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log(at);
"""

_ACCESS_LOG_POSTGRES = """
CREATE TABLE access_log (
    id BIGSERIAL PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    session TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_log_session ON access_log (session, at);
CREATE INDEX access_log_at ON access_log (at);
"""

# Commands (help requests, advice, notes, acks, ends) sent to a node that does not carry the
# call: written here for the owning node, which stores the event itself and answers in the row
# (hub/forward.py). The owner stays the only writer of its calls' events.
_COMMANDS_POSTGRES = """
CREATE TABLE commands (
    id BIGSERIAL PRIMARY KEY,
    session TEXT NOT NULL,
    node TEXT NOT NULL,
    from_node TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'end')),
    body TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'taken', 'stored', 'refused', 'expired')),
    seq INTEGER,
    answered_at DOUBLE PRECISION
);
CREATE INDEX commands_pending ON commands (node) WHERE state = 'pending';
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions and events", _INITIAL_SQLITE, _INITIAL_POSTGRES),
    Migration(2, "nodes: sessions.node, node_leases, store_probe", _NODES_SQLITE, _NODES_POSTGRES),
    # With SQLite the tokens stay in the operator's 0600 tokens file.
    Migration(3, "tokens", "", _TOKENS_POSTGRES),
    Migration(4, "access log", _ACCESS_LOG_SQLITE, _ACCESS_LOG_POSTGRES),
    # One SQLite file serves one node: nothing is ever forwarded there.
    Migration(5, "commands forwarded to the owning node", "", _COMMANDS_POSTGRES),
)


def pending(applied: Iterable[int], where: str) -> list[Migration]:
    """The migrations a database with versions ``applied`` still needs, in order.

    A database that has a version this code does not know was migrated by a newer release:
    refuse it rather than write into a schema we do not understand.
    """
    have = set(applied)
    known = {m.version for m in MIGRATIONS}
    unknown = sorted(have - known)
    if unknown:
        raise StoreError(
            f"{where} has schema version {unknown[-1]}, newer than this consult-assist "
            f"(knows up to {max(known)}): upgrade consult-assist"
        )
    return [m for m in MIGRATIONS if m.version not in have]
