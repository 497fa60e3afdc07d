"""Other nodes' calls, followed through the events table with NOTIFY as the doorbell.

Every commit of an event rings ``NOTIFY consult_assist_events '<session> <seq>'``. The
doorbell says only that something is there: this node reads the rows itself, in seq order,
from the last seq it handed out (its *cursor*) — so there is no payload limit, no gap and no
duplicate, and a node that was not listening catches up from the table.

:class:`RemoteSessions` is the sans-I/O core (which calls this node follows, their cursors,
what must be read next, which rows go out); :class:`RemoteFeed` is its asyncio adapter, one
batched query for all the sessions that rang since the last read, then
:meth:`~consult_assist.hub.hub.Hub.fan_out` for each new event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from consult_assist.errors import StoreUnavailable
from consult_assist.hub.access import SessionAccess
from consult_assist.hub.node_bus import PgLink

__all__ = ["Followed", "RemoteFeed", "RemoteSessions", "SessionFacts"]

log = logging.getLogger(__name__)

READ_LIMIT = 2000
"""Most event rows one read takes (a catch-up goes on in further reads)."""
BEHIND_RETRY_S = 0.25
"""When a read leaves a followed call behind what was rung, the next read comes this soon."""
MISSED_MARGIN_S = 60.0
"""After a lost LISTEN connection, calls started this long before the loss are looked up too
(the commit time is the owner's clock: this covers clocks that differ a little)."""

_FACTS = "SELECT id, owner, started_by, training, node, last_seq, ended_at IS NULL FROM sessions"
_LEARN = _FACTS + " WHERE id = ANY(%s)"
_CATCH_UP = (
    _FACTS + " WHERE node <> %(me)s AND (ended_at IS NULL OR id = ANY(%(known)s)"
    " OR id IN (SELECT session FROM events WHERE type = 'session.started'"
    " AND stored_at >= %(since)s))"
)
_READ = (
    "SELECT e.session, e.seq, e.type, e.body FROM events e"
    " JOIN unnest(%s::text[], %s::int[]) AS c(session, after)"
    " ON e.session = c.session AND e.seq > c.after"
    f" ORDER BY e.session, e.seq LIMIT {READ_LIMIT}"
)


@dataclass(frozen=True)
class SessionFacts:
    """What the ``sessions`` table says of one call."""

    access: SessionAccess
    node: str
    last_seq: int
    live: bool

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SessionFacts:
        sid, owner, started_by, training, node, last_seq, live = row
        return cls(SessionAccess(sid, owner, started_by, bool(training)), node, last_seq, live)


@dataclass
class Followed:
    """A call another node carries, as this node follows it."""

    access: SessionAccess
    node: str
    cursor: int
    """The last seq handed to this node's listeners."""
    wanted: int
    """The highest seq known to be stored."""
    live: bool


class RemoteSessions:
    """Which of other nodes' calls this node follows, and how far (sans-I/O).

    ``keep_ended``: ended calls are remembered (their last seq, late doorbells ignored) up to
    this many, oldest forgotten first.
    """

    def __init__(self, node: str, *, keep_ended: int = 1000) -> None:
        self.node = node
        self.followed: dict[str, Followed] = {}
        self.delivered = 0
        """Events of other nodes handed out here."""
        self._keep_ended = keep_ended
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._local: OrderedDict[str, None] = OrderedDict()
        self._unknown: dict[str, int] = {}
        self._dirty: set[str] = set()

    # --- what came in -------------------------------------------------------------------------

    def rang(self, session: str, seq: int, *, local: bool = False) -> None:
        """A doorbell: ``(session, seq)`` was committed (``local``: by this node)."""
        if local or session in self._local:
            return
        followed = self.followed.get(session)
        if followed is None:
            self._unknown[session] = min(seq, self._unknown.get(session, seq))
        elif seq > followed.cursor:
            followed.wanted = max(followed.wanted, seq)
            self._dirty.add(session)

    def learned(self, facts: Iterable[SessionFacts], asked: Iterable[str]) -> None:
        """The rows of the sessions :meth:`unknown` named: follow those of other nodes.

        A call first heard of by a doorbell is followed from just before that seq: a new call
        rings seq 1; a call forgotten long ago shows only what is new.
        """
        for fact in facts:
            rung = self._unknown.pop(fact.access.id, None)
            if fact.node == self.node:
                self._remember(self._local, fact.access.id, 10 * self._keep_ended)
                continue
            start = fact.last_seq if rung is None else rung - 1
            self._follow(fact, cursor=start)
        for session in asked:
            self._unknown.pop(session, None)  # no such row (yet): a later doorbell asks again

    def caught_up(self, facts: Iterable[SessionFacts], *, fresh: bool) -> None:
        """After (re)listening: other nodes' open calls (and those of them that started or
        were followed meanwhile). ``fresh``: this node has handed nothing out yet, so a call
        is followed from its last seq (its past is read from the store by whoever subscribes);
        else a call not followed before started while this node was not listening, and all
        of it goes out."""
        for fact in facts:
            if fact.node == self.node:
                continue
            followed = self.followed.get(fact.access.id)
            if followed is None:
                self._follow(fact, cursor=fact.last_seq if fresh else 0)
            elif fact.last_seq > followed.cursor:
                followed.wanted = max(followed.wanted, fact.last_seq)
                self._dirty.add(fact.access.id)

    def _follow(self, fact: SessionFacts, *, cursor: int) -> None:
        followed = Followed(fact.access, fact.node, cursor, max(cursor, fact.last_seq), fact.live)
        self.followed[fact.access.id] = followed
        if not fact.live and cursor >= fact.last_seq:
            self._ended_now(fact.access.id)
        if followed.wanted > followed.cursor:
            self._dirty.add(fact.access.id)

    # --- what to read, and what goes out ------------------------------------------------------

    def unknown(self) -> list[str]:
        """Sessions that rang but whose rows this node has not read."""
        return list(self._unknown)

    def due(self) -> list[tuple[str, int]]:
        """``(session, after)`` of every followed call with stored events not yet handed out."""
        due = [
            (s, f.cursor)
            for s in sorted(self._dirty)
            if (f := self.followed.get(s)) is not None and f.wanted > f.cursor
        ]
        self._dirty.clear()
        return due

    def retry(self, due: Iterable[tuple[str, int]]) -> None:
        """A read of ``due`` failed: ask for them again."""
        self._dirty.update(s for s, _ in due)

    def read(
        self, rows: Iterable[tuple[str, int, str, str]]
    ) -> list[tuple[SessionAccess, int, str]]:
        """Event rows ``(session, seq, type, body)`` in seq order → ``(access, seq, body)`` to
        hand out, each once and in order; calls left behind stay due."""
        out: list[tuple[SessionAccess, int, str]] = []
        for session, seq, kind, body in rows:
            followed = self.followed.get(session)
            if followed is None or seq != followed.cursor + 1:
                continue  # already handed out (or a gap, which a later read fills)
            followed.cursor = seq
            followed.wanted = max(followed.wanted, seq)
            if kind == "session.ended":
                followed.live = False
                self._ended_now(session)
            out.append((followed.access, seq, body))
        # Whatever is still behind stays due: a read cut at its limit stops inside one call
        # (rows come in session order) and never reaches the calls after it, and a call
        # that has ended rings no doorbell again. Reading them is the next read's work.
        self._dirty.update(self.behind())
        self.delivered += len(out)
        return out

    def behind(self) -> list[str]:
        """Followed calls with stored events not yet handed out."""
        return [s for s, f in self.followed.items() if f.wanted > f.cursor]

    # --- what the hub asks --------------------------------------------------------------------

    def live(self) -> list[SessionAccess]:
        return [f.access for f in self.followed.values() if f.live]

    def known(self) -> list[str]:
        """Followed calls still live (a catch-up asks the store how far they are)."""
        return [s for s, f in self.followed.items() if f.live]

    def _ended_now(self, session: str) -> None:
        self._ended[session] = None
        self._ended.move_to_end(session)
        while len(self._ended) > self._keep_ended:
            old, _ = self._ended.popitem(last=False)
            self.followed.pop(old, None)

    @staticmethod
    def _remember(seen: OrderedDict[str, None], session: str, keep: int) -> None:
        seen[session] = None
        seen.move_to_end(session)
        while len(seen) > keep:
            seen.popitem(last=False)


class RemoteFeed:
    """Reads what other nodes committed and hands it to this node's listeners (asyncio)."""

    def __init__(
        self,
        core: RemoteSessions,
        link: PgLink,
        fan_out: Callable[[SessionAccess, int, str], None],
        carried_here: Callable[[str], bool],
    ) -> None:
        self.core = core
        self._link = link
        self._fan_out = fan_out
        self._carried_here = carried_here
        self._wake = asyncio.Event()
        self._alive_at = 0.0
        """Wall-clock time this node last knew it was listening."""

    def rang(self, payload: str) -> None:
        """An ``consult_assist_events`` notification: ``"<session> <seq>"``."""
        session, _, seq = payload.rpartition(" ")
        if not session or not seq.isdigit():
            log.warning("ignoring a doorbell with payload %r", payload[:80])
            return
        self._alive_at = time.time()
        self.core.rang(session, int(seq), local=self._carried_here(session))
        self._wake.set()

    async def catch_up(self, again: bool) -> None:
        """After (re)listening: read what may have been missed (see the module docstring)."""
        since = self._alive_at - MISSED_MARGIN_S if again else float("inf")
        rows = await self._link.fetch(
            _CATCH_UP, {"me": self.core.node, "known": self.core.known(), "since": since}
        )
        self.core.caught_up(map(SessionFacts.from_row, rows), fresh=not again)
        self._alive_at = time.time()
        self._wake.set()

    async def run(self) -> None:
        """Read and hand out whatever rang, until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._read_once()
            except StoreUnavailable as exc:
                log.warning("cannot read other nodes' events now (%s); trying again", exc)
                await asyncio.sleep(0.5)
                self._wake.set()

    async def _read_once(self) -> None:
        unknown = self.core.unknown()
        if unknown:
            rows = await self._link.fetch(_LEARN, (unknown,))
            self.core.learned(map(SessionFacts.from_row, rows), unknown)
        due = self.core.due()
        if not due:
            return
        try:
            rows = await self._link.fetch(_READ, ([s for s, _ in due], [a for _, a in due]))
        except StoreUnavailable:
            self.core.retry(due)
            raise
        for access, seq, body in self.core.read(rows):
            self._fan_out(access, seq, body)
        if len(rows) >= READ_LIMIT:
            self._wake.set()
        elif self.core.behind():
            # Rows a doorbell named but this read did not see: look again shortly, whether
            # or not another doorbell rings (the call may have ended).
            asyncio.get_running_loop().call_later(BEHIND_RETRY_S, self._wake.set)
