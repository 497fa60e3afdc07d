"""The statements of the PostgreSQL store that carry its guarantees (fenced appends, ends).

Kept apart from :mod:`consult_assist.hub.postgres_store` so they can be read, and reviewed, as
one piece: every event goes in through :data:`APPEND` or :data:`APPEND_AFTER_END`.
"""

from __future__ import annotations

__all__ = ["APPEND", "APPEND_AFTER_END", "OPEN_OF_NODE", "OPEN_SESSION"]


def _fenced_append(sets: str, state: str) -> str:
    """One event in one statement: the session's row (``sets``, only while it is ``state``
    and the event is its next), then the event, then the doorbell."""
    return f"""
WITH upd AS (
    UPDATE sessions SET last_seq = %(seq)s{sets}
    WHERE id = %(session)s AND last_seq = %(seq)s - 1 AND ended_at IS {state}
    RETURNING id
), ins AS (
    INSERT INTO events (session, seq, type, at, stored_at, body)
    SELECT id, %(seq)s, %(type)s, %(at)s, %(stored_at)s, %(body)s FROM upd
    RETURNING session, seq
)
SELECT (SELECT count(*) FROM ins),
       (SELECT pg_notify(%(channel)s, %(payload)s) FROM ins)
"""


APPEND = _fenced_append(
    """,
        ended_at = COALESCE(%(ended_at)s, sessions.ended_at),
        end_reason = COALESCE(%(reason)s, sessions.end_reason),
        duration_s = COALESCE(%(duration)s::double precision, sessions.duration_s)""",
    "NULL",
)
"""One event in one statement (one round trip, its own transaction): the session's row first,
then the event, then the doorbell, which PostgreSQL rings at the commit.

Fenced: the row is only written when the event is the session's next (``last_seq = seq - 1``)
and the session is still open. The UPDATE takes the session's row lock, so two nodes writing
the same session at once (an owner cut off from the database whose calls another node has
meanwhile ended as ``node_lost``) are serialised, and the second finds the condition false:
nothing after ``session.ended``, never two events at one seq, whoever writes."""
APPEND_AFTER_END = _fenced_append("", "NOT NULL")
"""An event of an ended session (a note after the call, an edit, the record closed): fenced
like ``APPEND``, but only once the session has ended, so it never races the owner's events."""
OPEN_SESSION = (
    "SELECT s.last_seq, COALESCE((SELECT MAX(e.at) FROM events e WHERE e.session = s.id), 0)"
    " FROM sessions s WHERE s.id = %s AND s.ended_at IS NULL"
)
OPEN_OF_NODE = (
    "SELECT s.id, s.last_seq, COALESCE((SELECT MAX(e.at) FROM events e WHERE e.session = s.id),"
    " 0) FROM sessions s WHERE s.ended_at IS NULL AND s.node = %s ORDER BY s.id"
)
