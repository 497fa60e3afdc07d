"""Finding a call again: filters over the stored sessions and full-text search of what was said.

The words of every call (the transcript's finals and the notes) are indexed by an SQLite FTS5
table with the trigram tokenizer: Japanese has no spaces between words, and trigrams match any
part of a sentence three characters or longer (shorter queries are answered by a scan of the
same table). A trigger fills the index as events are committed, so the store's write path is
unchanged; an older store is indexed once when first opened.

Python's ``sqlite3`` may be built without FTS5: then :func:`ensure_index` says so and
:func:`session_filter` searches the stored events directly (same answers, slower).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

__all__ = [
    "INDEXED_TYPES",
    "SessionFilter",
    "compact_index",
    "ensure_index",
    "forget_words",
    "fts5_available",
    "session_filter",
]

log = logging.getLogger(__name__)

INDEXED_TYPES = ("transcript.final", "note")
"""The events whose ``text`` is searchable."""

_TABLE = "call_text"
_TYPES = ", ".join(f"'{t}'" for t in INDEXED_TYPES)
_INDEX = (
    f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(session UNINDEXED, text, tokenize = 'trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS {_TABLE}_fill AFTER INSERT ON events
        WHEN new.type IN ({_TYPES})
        BEGIN
            INSERT INTO {_TABLE} (session, text)
            VALUES (new.session, json_extract(new.body, '$.text'));
        END""",
    f"""INSERT INTO {_TABLE} (session, text)
        SELECT session, json_extract(body, '$.text') FROM events WHERE type IN ({_TYPES})""",
)


_SQLITE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,)


def fts5_available(db: Any, errors: tuple[type[BaseException], ...] = _SQLITE_ERRORS) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite 3.34 or later).

    ``db`` is a DB-API connection of ``sqlite3`` or of SQLCipher's build (``errors``: that
    driver's error classes).
    """
    try:
        db.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x, tokenize = 'trigram')")
        db.execute("DROP TABLE temp.fts5_probe")
    except errors:
        return False
    return True


def forget_words(db: Any, session: str) -> None:
    """Remove a purged call's words from the index (inside the purge's transaction)."""
    db.execute(f"DELETE FROM {_TABLE} WHERE session = ?", (session,))


def compact_index(db: Any) -> None:
    """Merge the index's segments: FTS5 keeps deleted rows' terms until a merge; this drops
    them, so no piece of a purged call stays in the index (``secure_delete`` zeroes the pages
    freed)."""
    db.execute(f"INSERT INTO {_TABLE} ({_TABLE}) VALUES ('optimize')")


def ensure_index(db: Any, errors: tuple[type[BaseException], ...] = _SQLITE_ERRORS) -> bool:
    """Create (and fill, once) the full-text index; False when this SQLite has no FTS5."""
    if _has_index(db):
        return True
    if not fts5_available(db, errors):
        log.warning("this Python's SQLite has no FTS5: searching calls without an index")
        return False
    # IMMEDIATE: a server and a `records list` opening the same old store create it once.
    db.execute("BEGIN IMMEDIATE")
    try:
        if not _has_index(db):
            for statement in _INDEX:
                db.execute(statement)
    except errors:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return True


def _has_index(db: Any) -> bool:
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_TABLE,)
    ).fetchone()
    return found is not None


@dataclass(frozen=True, kw_only=True)
class SessionFilter:
    """A ``WHERE`` clause over the ``sessions`` table and its parameters."""

    where: str
    params: tuple[str, ...]


def session_filter(
    *,
    since: str = "",
    owner: str = "",
    text: str = "",
    live_only: bool = False,
    indexed: bool = True,
    postgres: bool = False,
) -> SessionFilter:
    """Sessions started at or after ``since`` (ISO 8601, any offset), of ``owner`` (the
    handler, or whoever started it), whose words contain ``text``; ``indexed``: FTS5 is there.

    ``postgres``: the same filters in PostgreSQL's dialect, the words found by a scan of the
    stored events (ILIKE finds any part of a sentence; there is no FTS5 there)."""
    mark = "%s" if postgres else "?"
    clauses: list[str] = []
    params: list[str] = []
    if live_only:
        clauses.append("ended_at IS NULL")
    if since:
        # Stored times carry their own offset: compared as instants, not as text.
        if postgres:
            clauses.append("NULLIF(started_at, '')::timestamptz >= %s::timestamptz")
        else:
            clauses.append("julianday(started_at) >= julianday(?)")
        params.append(since)
    if owner:
        clauses.append(f"(owner = {mark} OR started_by = {mark})")
        params += [owner, owner]
    if text:
        pattern = "%" + _escape(text) + "%"
        if postgres:
            clauses.append(
                f"id IN (SELECT session FROM events WHERE type IN ({_TYPES})"
                " AND (body::jsonb ->> 'text') ILIKE %s)"
            )
        elif indexed:
            clauses.append(f"id IN (SELECT session FROM {_TABLE} WHERE text LIKE ? ESCAPE '\\')")
        else:
            clauses.append(
                "id IN (SELECT session FROM events WHERE type IN "
                f"({_TYPES}) AND json_extract(body, '$.text') LIKE ? ESCAPE '\\')"
            )
        params.append(pattern)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return SessionFilter(where=where, params=tuple(params))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
