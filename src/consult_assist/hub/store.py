"""The event store as a port: what the hub and the commands need, whatever keeps the events.

Two adapters implement :class:`Store`: ``sqlite_store.SqliteStore`` (one file in WAL mode, the
single-node default) and ``postgres_store.PostgresStore`` (a ``postgresql://`` URL, shared by
several nodes). ``store_open.open_store`` picks one from what ``--store``/``--db`` says.

The concepts are the same in both: ``sessions`` (one row per call, with the ``node`` that
carries it), ``events`` keyed by ``(session, seq)`` with the wire JSON as ``body`` (so what is
read back is byte for byte what was sent), ``node_leases`` and, in PostgreSQL, ``tokens``;
versioned migrations (``migrations.py``) bring any older database up to date when it is opened.

Writes are coroutines: a store on the network must never block the event loop, and an outage
must be waited out, not sat in. Reads are short point queries and pages that the sans-I/O
connection asks for synchronously; they raise :class:`~consult_assist.errors.StoreError` at
once while the store is known to be unavailable instead of waiting for it.

Errors: :class:`~consult_assist.errors.StoreUnavailable` means "try again later" (connection
lost, disk full, database locked); any other :class:`~consult_assist.errors.StoreError` means
this write will never succeed (a used seq with another body, text that cannot be encoded).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from consult_assist.errors import StoreError
from consult_assist.events import Event, SessionEnded
from consult_assist.paths import data_dir

__all__ = [
    "ACCESS_COLUMNS",
    "SESSION_COLUMNS",
    "AccessEntry",
    "EventRow",
    "SessionRow",
    "Store",
    "access_filter",
    "default_db_path",
    "events_digest",
    "is_postgres_url",
    "new_session_id",
    "now_iso",
    "pick_session",
    "redact_url",
    "session_row",
]


def default_db_path() -> Path:
    """<data dir>/consult-assist.db."""
    return data_dir() / "consult-assist.db"


def new_session_id(now: datetime | None = None, taken: Container[str] = ()) -> str:
    """A readable, sortable id: ``20261123-143012-7f3a09c2``, never one of ``taken``.

    32 random bits after the second: a centre's nodes starting a hundred calls in the same
    second collide with odds of about one in a million (16 bits gave 7 %, seen on a GPU node
    at 100 calls). ``taken`` is what this node already issued, so it never collides with
    itself.
    """
    when = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    while True:
        session = f"{when}-{secrets.token_hex(4)}"
        if session not in taken:
            return session


def now_iso() -> str:
    """The wall-clock time as ISO 8601 with the local offset (``ended_at``)."""
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def is_postgres_url(location: str | Path) -> bool:
    """Whether ``--store`` names a PostgreSQL database rather than a SQLite file."""
    return str(location).startswith(("postgresql://", "postgres://"))


def redact_url(location: str | Path) -> str:
    """``location`` fit for a log line or the console: a URL's password is replaced by ``***``."""
    text = str(location)
    if not is_postgres_url(text) or "@" not in text:
        return text
    scheme, _, rest = text.partition("://")
    userinfo, _, host = rest.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


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
    node: str = ""
    """The node that carries (or carried) the call; ``""`` on a single node."""

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


@dataclass(frozen=True)
class EventRow:
    """One stored event as a row: what ``store copy`` moves between stores unchanged."""

    seq: int
    type: str
    at: float
    stored_at: float
    """Wall-clock time of the commit (seconds since the epoch)."""
    body: str
    """The wire JSON, exactly as it was sent."""


@dataclass(frozen=True)
class AccessEntry:
    """One line of the access log: who viewed or took out which call, and when."""

    at: float
    """Wall-clock time (seconds since the epoch)."""
    who: str
    """A token's name; ``cli:<user>`` for the command line; ``server`` for retention."""
    role: str
    """handler, supervisor or trainer; ``operator`` (command line) or ``server``."""
    action: str
    """``view`` (followed live or read back), ``record`` (the record over the websocket),
    ``export`` (``records export``), ``purge`` (deleted by retention or ``records purge``)."""
    session: str
    detail: str = ""
    """What else was asked (the record's format, the retention rule…); never call content."""


ACCESS_COLUMNS = "at, who, role, action, session, detail"
"""The ``access_log`` columns in :class:`AccessEntry`'s order."""


def events_digest(rows: Sequence[tuple[int, str]]) -> str:
    """SHA-256 over ``seq`` and body of a session's events: equal iff the histories are equal."""
    digest = hashlib.sha256()
    for seq, body in rows:
        digest.update(f"{seq}\t{body}\n".encode())
    return digest.hexdigest()


class Store(Protocol):
    """The event store (SQLite or PostgreSQL): sessions, their events, read back in order."""

    location: str
    """Where it is, fit for a log line (a URL's password is hidden)."""
    node: str
    """This node's name: sessions it opens are marked with it, :meth:`recover` ends only its."""

    # --- writing (coroutines: may wait on the network) -----------------------------------

    async def append(self, event: Event) -> str:
        """Commit one stamped event; returns its wire JSON (what is then sent).

        ``session.started`` also creates the session row, ``session.ended`` closes it. Appending
        an event whose ``(session, seq)`` already holds the same body is a no-op (a retry after
        a commit whose answer was lost); another body there is refused (StoreError).
        """
        ...

    async def append_after_end(self, event: Event) -> str:
        """Commit an event of an ended session (a note after the call, an edit, the record
        closed) at the seq after its last; StoreError if that seq is taken or it is live."""
        ...

    async def probe(self) -> None:
        """Commit a tiny write (StoreUnavailable if the store cannot take one now)."""
        ...

    async def recover(self, reason: str = "interrupted") -> list[SessionEnded]:
        """End this node's sessions left open by a crash; returns the ``session.ended`` added."""
        ...

    async def import_session(self, row: SessionRow, events: Sequence[EventRow]) -> None:
        """Add events of a session from another store unchanged (``store copy``); idempotent."""
        ...

    async def log_access(self, entry: AccessEntry) -> None:
        """Add one line to the access log."""
        ...

    async def purge(self, sessions: Sequence[str]) -> int:
        """Delete these sessions and their events, skipping any not ended; returns how many.

        Lines of the access log stay (they name the session, not what was said).
        """
        ...

    async def aclose(self) -> None:
        """Close everything, from a running event loop."""
        ...

    def close(self) -> None:
        """Close everything (outside an event loop: the commands)."""
        ...

    # --- reading (synchronous, short) ---------------------------------------------------

    def session(self, session: str) -> SessionRow | None:
        """One session, or None."""
        ...

    def sessions(self, *, live_only: bool = False, limit: int | None = None) -> list[SessionRow]:
        """Sessions, newest first."""
        ...

    def search(
        self,
        *,
        since: str = "",
        owner: str = "",
        text: str = "",
        live_only: bool = False,
        limit: int | None = None,
    ) -> list[SessionRow]:
        """Sessions started since ``since`` (ISO 8601), of ``owner`` (the handler, or whoever
        started it), whose transcript or notes contain ``text``; newest first."""
        ...

    def bodies(self, session: str, after: int = 0, limit: int = -1) -> list[tuple[int, str]]:
        """``(seq, wire JSON)`` of the events of ``session`` with seq > ``after``, in order."""
        ...

    def events(self, session: str, after: int = 0) -> list[Event]:
        """The events of ``session`` with seq > ``after``, decoded."""
        ...

    def event_rows(self, session: str, after: int = 0, limit: int = -1) -> list[EventRow]:
        """Whole rows of the events of ``session`` with seq > ``after``, in order."""
        ...

    def stored_at(self, session: str) -> Iterator[tuple[int, float]]:
        """``(seq, commit time)`` of every event of a session (for delivery-latency benches)."""
        ...

    def find(self, prefix: str) -> SessionRow:
        """The one session whose id starts with ``prefix`` (StoreError if none or several)."""
        ...

    def schema_version(self) -> int:
        """The highest migration applied."""
        ...

    def accesses(
        self, *, session: str | None = None, since: float | None = None, limit: int = 10_000
    ) -> list[AccessEntry]:
        """Lines of the access log, oldest first (of one session; from ``since`` on)."""
        ...


SESSION_COLUMNS = (
    "id, owner, started_by, training, source, started_at, ended_at, end_reason, duration_s,"
    " last_seq, meta, node"
)
"""The ``sessions`` columns in the order :func:`session_row` reads them."""


def session_row(r: Sequence[Any]) -> SessionRow:
    """A :class:`SessionRow` from a row of :data:`SESSION_COLUMNS`."""
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
        node=r[11],
    )


def pick_session(rows: Sequence[Sequence[Any]], prefix: str, where: str) -> SessionRow:
    """The one session ``prefix`` names among up to three candidate rows (ordered by id)."""
    if not rows:
        raise StoreError(f"no session {prefix!r} in {where}")
    if len(rows) > 1 and not any(r[0] == prefix for r in rows):
        ids = ", ".join(r[0] for r in rows)
        raise StoreError(f"{prefix!r} matches several sessions ({ids}…): give more of the id")
    exact = [r for r in rows if r[0] == prefix]
    return session_row(exact[0] if exact else rows[0])


def access_filter(
    session: str | None, since: float | None, mark: str
) -> tuple[str, tuple[Any, ...]]:
    """The ``WHERE`` clause (and its parameters) of an access-log query; ``mark``: ? or %s."""
    clauses: list[str] = []
    params: list[Any] = []
    if session is not None:
        clauses.append(f"session = {mark}")
        params.append(session)
    if since is not None:
        clauses.append(f"at >= {mark}")
        params.append(since)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)
