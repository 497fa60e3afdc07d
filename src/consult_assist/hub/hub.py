"""The hub: live sessions, their sequence numbers, the store, and fan-out to listeners.

Every event of every session passes through :meth:`Hub.publish`, on the event loop, into the
session's outbox (``outbox.py``); the session's writer task stamps each with the next ``seq``,
commits it and only then hands it to every listener that wants it (the websocket connections).
Delivery to a listener never waits: a listener queues and sends on its own. Sources (websocket
audio, SIP, microphone) open calls through :meth:`Hub.open_call` (the
:class:`~consult_assist.audio.calls.CallSink` port).

A store outage is not data loss: the writer keeps the session's events in order and retries;
nothing is sent that is not committed, and ``seq`` stays gap-free because an event is stamped
only when it is written. A client's command whose event cannot be stored is told so (its
``on_stored`` gets None). Past the outbox's limit the call is ended (``store_unavailable``) and
the log says how many events are at risk. Listeners are told when the store goes away and
comes back (``store_state``).

With several nodes on one PostgreSQL store (``cluster.py``), the hub also serves calls that
other nodes carry: :attr:`Hub.peers` says which are live and how far this node has handed
their events out, takes the commands meant for them (forwarded to their owner, who stores
them), and the doorbell hands their stored events to :meth:`Hub.fan_out`. A draining node
(:attr:`Hub.draining`) takes no new call.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.service import AsrService
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.audio.pcm import FloatArray
from consult_assist.errors import (
    CapacityError,
    ConsultAssistError,
    ProtocolError,
    SessionClosed,
    StoreError,
    StoreUnavailable,
)
from consult_assist.events import (
    Ack,
    Advice,
    Event,
    HelpRequest,
    Note,
    RecordClosed,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.access import Identity, SessionAccess, Subscriptions
from consult_assist.hub.outbox import DEFAULT_LIMIT, Outbox, Pending, Stored, StoreHealth
from consult_assist.hub.peers import Peers
from consult_assist.hub.store import AccessEntry, SessionRow, Store, new_session_id
from consult_assist.knowledge.manual import Section
from consult_assist.pipeline import Knowledge, LiveCall

__all__ = ["Hub", "Listener", "StoreStateListener"]

log = logging.getLogger(__name__)

_FROM_PEOPLE = (HelpRequest, Advice, Note, Ack, RecordClosed)


class Listener(Protocol):
    """A receiver of events: a websocket connection, a test probe."""

    who: Identity
    subs: Subscriptions

    def deliver(self, session: str, seq: int, body: str) -> None:
        """Take one stored event (wire JSON); must not block."""
        ...


class StoreStateListener(Protocol):
    """A listener that is also told when the store goes away and comes back (optional)."""

    def store_state(self, available: bool, held: int) -> None:
        """The store became unavailable (``held`` events waiting) or available again."""
        ...


@dataclass
class _Live:
    access: SessionAccess
    outbox: Outbox
    source: str = ""
    call: LiveCall | None = None
    ending: asyncio.Task[None] | None = None
    writer: asyncio.Task[None] | None = None
    recorded: bool = field(default=False)
    """Its ``session.started`` is committed."""
    abandoned: bool = False
    """Its ``session.started`` was refused: nothing of it is stored, not even an end."""


class _Handle:
    """The :class:`~consult_assist.audio.calls.CallHandle` of one live call."""

    def __init__(self, hub: Hub, live: _Live) -> None:
        self._hub = hub
        self._live = live

    @property
    def session(self) -> str:
        return self._live.access.id

    def push(self, channel: int, samples: FloatArray) -> None:
        if self._live.call is not None and self._live.ending is None:
            self._live.call.push(channel, samples)

    def end(self, reason: str = "hangup") -> None:
        self._hub.end_call(self.session, reason)


class Hub:
    """Live sessions, sequencing, store-before-send, and fan-out."""

    def __init__(
        self,
        store: Store,
        service: AsrService | None,
        knowledge: Knowledge | None,
        *,
        options_for: Callable[[int], RecognizerOptions] = lambda rate: RecognizerOptions(),
        detector_factory: Callable[[], SpeechDetector] = SileroVad,
        log_content: bool = False,
        outbox_limit: int = DEFAULT_LIMIT,
        max_live: int = 0,
    ) -> None:
        self.store = store
        self.service = service
        self.knowledge = knowledge
        self._options_for = options_for
        self._detector_factory = detector_factory
        self._log_content = log_content
        self.max_live = max_live
        """Most live sessions at once (0: no limit); past it a new call is refused."""
        self._live: dict[str, _Live] = {}
        self._issued: deque[str] = deque(maxlen=4096)
        """Session ids this hub gave out lately, live or ended: none is given twice."""
        self.listeners: set[Listener] = set()
        self.published = 0
        self.store_failures = 0
        """Events the store refused for good (not the retried ones)."""
        self.health = StoreHealth(self._store_changed)
        self._outbox_limit = outbox_limit
        self._prober: asyncio.Task[None] | None = None
        self._logging: set[asyncio.Task[None]] = set()
        self._after_end: dict[str, asyncio.Lock] = {}
        """One writer at a time of each ended session's late events (notes, record closed)."""
        self.peers: Peers | None = None
        """Other nodes' calls (several nodes on one PostgreSQL store); None on a single node."""
        self.draining = False
        """Set on SIGTERM: no new call is taken (websocket ``draining``, SIP 503)."""
        self.on_commit: Callable[[Event, float], None] | None = None
        """Told of every committed event and the seconds its commit took (metrics)."""

    # --- sessions -----------------------------------------------------------------------------

    def open_call(
        self,
        *,
        source: str,
        speakers: Sequence[str],
        source_rate: int,
        meta: Mapping[str, Any],
        owner: str = "",
        started_by: str = "",
        training: bool = False,
        on_stored: Stored | None = None,
    ) -> _Handle:
        """Start a live session fed by a source; returns the handle the source pushes into.

        ``on_stored`` is told when ``session.started`` is committed (or cannot be). While the
        store is unavailable no call is opened (StoreUnavailable): it could not be recorded.
        """
        if self.service is None:
            raise ConsultAssistError("this hub has no speech recognizer: it cannot take audio")
        if not self.health.available:
            raise StoreUnavailable("記録できません: the store is unavailable; try again shortly")
        if self.draining:
            raise ProtocolError(
                "this node is shutting down and takes no new call: start it on another node",
                "draining",
            )
        if self.max_live and len(self._live) >= self.max_live:
            log.warning("refused a %s call: %d live sessions is the limit", source, self.max_live)
            raise CapacityError(
                f"the server already carries {self.max_live} live calls, its limit; "
                "try again later or use another node",
                "server_full",
            )
        session = new_session_id(taken={*self._live, *self._issued})
        self._issued.append(session)
        full_meta = {
            **dict(meta),
            "handler": owner,
            "started_by": started_by or owner,
            "training": training,
            "source": source,
            "speakers": list(speakers),
            "source_rate": source_rate,
            "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        access = SessionAccess(session, owner, started_by or owner, training)
        live = _Live(access, Outbox(limit=self._outbox_limit), source)
        self._live[session] = live
        started = SessionStarted(session=session, at=0.0, meta=full_meta)
        self._enqueue(live, Pending(started, on_stored), must_keep=True)
        live.call = LiveCall(
            session,
            self.service,
            self._publish_quietly,
            speakers=speakers,
            options=self._options_for(source_rate),
            knowledge=self.knowledge,
            detector_factory=self._detector_factory,
            knowledge_in_thread=True,
        )
        log.info(
            "[%s] session started: source=%s owner=%s training=%s channels=%d rate=%d",
            session,
            source,
            owner or "-",
            training,
            len(speakers),
            source_rate,
        )
        if self._log_content:  # personal data: only when the operator asked for it
            log.info("[%s] caller %s", session, meta.get("caller", "-"))
        return _Handle(self, live)

    def end_call(self, session: str, reason: str = "end") -> None:
        """Finish a live call: transcribe what was received, then publish ``session.ended``.

        A call another node carries is ended there (asked through :attr:`peers`).
        """
        live = self._live.get(session)
        if live is None and self.peers is not None:
            self.peers.end(session, reason)
            return
        if live is None or live.ending is not None:
            return
        live.ending = asyncio.get_running_loop().create_task(self._finish(live, reason))

    async def _finish(self, live: _Live, reason: str) -> None:
        at = 0.0
        if live.call is not None:
            try:
                await live.call.finish()
            finally:
                at = live.call.received_s
        ended = SessionEnded(session=live.access.id, at=at, reason=reason)
        if not live.abandoned:
            self._enqueue(live, Pending(ended), must_keep=True)
        try:
            while live.writer is not None and not live.writer.done():
                await asyncio.shield(live.writer)
        finally:
            self._live.pop(live.access.id, None)
            if self.knowledge is not None:
                self.knowledge.feed(ended)  # releases the call's knowledge state
        log.info("[%s] session ended: %s after %.1f s of audio", live.access.id, reason, at)

    async def wait_ended(self, session: str) -> None:
        """Wait until an ending session has published ``session.ended``."""
        live = self._live.get(session)
        if live is not None and live.ending is not None:
            await asyncio.shield(live.ending)

    async def close(
        self, reason: str = "shutdown", *, drain_s: float | None = None, store_s: float = 10.0
    ) -> None:
        """End every live call: their received audio is still transcribed, for ``drain_s`` at
        most (None: however long it takes), then their ends are stored.

        Past ``drain_s`` the speech service is closed: what it still holds is answered with an
        error (each such final becomes an ``error`` event) and every call ends at once, after
        at most the batch the model is computing. While the store is unavailable the ends are
        retried for ``store_s`` seconds more; what is still held then is lost, and the log
        says how much.
        """
        for session in list(self._live):
            self.end_call(session, reason)
        tasks = [live.ending for live in self._live.values() if live.ending is not None]
        if tasks:
            late = await self._drain(tasks, drain_s, store_s)
            for live in list(self._live.values()):
                if live.outbox.queue:
                    log.error(
                        "[%s] the store is unavailable: %d events of this call could not be"
                        " stored and are lost",
                        live.access.id,
                        len(live.outbox) + live.outbox.dropped,
                    )
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for live in list(self._live.values()):
            if live.writer is not None:
                live.writer.cancel()
        if self._prober is not None:
            self._prober.cancel()
            await asyncio.gather(self._prober, return_exceptions=True)
        await asyncio.gather(*self._logging, return_exceptions=True)

    async def _drain(
        self, tasks: list[asyncio.Task[None]], drain_s: float | None, store_s: float
    ) -> set[asyncio.Task[None]]:
        """Wait for the ending calls: transcription for ``drain_s`` at most, then the speech
        service is closed; the store for ``store_s`` of unavailability at most. Returns the
        calls still not ended."""
        loop = asyncio.get_running_loop()
        deadline = None if drain_s is None else loop.time() + drain_s
        pending = set(tasks)
        down_since: float | None = None
        service_open = self.service is not None
        while pending:
            now = loop.time()
            if service_open and deadline is not None and now >= deadline:
                log.warning(
                    "stopping: %d call(s) still being transcribed after %.0f s; "
                    "their remaining finals are dropped with an error",
                    len(pending),
                    drain_s or 0.0,
                )
                assert self.service is not None
                await self.service.close()
                service_open = False
            if self.health.available:
                down_since = None
            elif down_since is None:
                down_since = now
            elif now - down_since >= store_s:
                break
            _, pending = await asyncio.wait(pending, timeout=0.1)
        return pending

    def abandon(self, why: str) -> None:
        """Stop every call of this node without storing anything more of them.

        For a node that learns it was declared lost (its lease lapsed and another node has
        ended its calls as ``node_lost``): what it still holds can no longer be stored.
        """
        for live in list(self._live.values()):
            self._drop(live, why)

    def _drop(self, live: _Live, why: str) -> None:
        """Stop one call here without storing anything more of it (see :meth:`abandon`)."""
        if live.abandoned:
            return
        held = len(live.outbox)
        for pending in live.outbox.queue:
            if pending.on_stored is not None:
                pending.on_stored(None)
        live.outbox.queue.clear()
        live.outbox.cut = live.abandoned = True
        log.error("[%s] dropped (%s): %d events not stored", live.access.id, why, held)
        self.end_call(live.access.id, "node_lost")

    def carries(self, session: str) -> bool:
        """Whether this node carries ``session`` (live, or ending): retention never touches it."""
        return session in self._live

    @property
    def live_count(self) -> int:
        """Calls this node carries now."""
        return len(self._live)

    def access(self, session: str) -> SessionAccess | None:
        """Access facts of a live or stored session, or None if unknown."""
        live = self._live.get(session)
        if live is not None:
            return live.access
        followed = self.peers.access(session) if self.peers is not None else None
        if followed is not None:
            return followed
        row = self.store.session(session)
        if row is None:
            return None
        return SessionAccess(row.id, row.owner, row.started_by, row.training)

    def is_live(self, session: str) -> bool:
        live = self._live.get(session)
        if live is None and self.peers is not None:
            return bool(self.peers.is_live(session))
        return live is not None and live.ending is None

    def source_of(self, session: str) -> str:
        """Where a live or stored session's audio comes from (``sip``, ``mic``…; "" unknown)."""
        live = self._live.get(session)
        if live is not None:
            return live.source
        row = self.store.session(session)
        return row.source if row is not None else ""

    def record_closed(self, session: str) -> bool:
        """Whether the session's record is final (its last event is ``record.closed``)."""
        if session in self._live:
            return False
        last = self.last_seq(session)
        rows = self.store.bodies(session, last - 1, 1) if last else []
        return bool(rows) and json.loads(rows[0][1]).get("type") == RecordClosed.type

    def live_sessions(self) -> list[SessionAccess]:
        """Live calls: this node's, then those of other nodes it follows."""
        mine = [live.access for live in self._live.values()]
        return mine + (self.peers.live_sessions() if self.peers is not None else [])

    def stored_sessions(self, *, live_only: bool, limit: int) -> list[SessionRow]:
        """Sessions in the store, newest first."""
        return self.store.sessions(live_only=live_only, limit=limit)

    def search_sessions(
        self, *, since: str, owner: str, text: str, live_only: bool, limit: int
    ) -> list[SessionRow]:
        """Stored sessions since ``since``, of ``owner``, whose words contain ``text``."""
        return self.store.search(
            since=since, owner=owner, text=text, live_only=live_only, limit=limit
        )

    def last_seq(self, session: str) -> int:
        """The last seq of ``session`` that was committed (and so sent)."""
        live = self._live.get(session)
        if live is not None:
            return live.outbox.committed
        # Another node's call: what this node's listeners were handed, not the store's last
        # seq (that may be ahead of the doorbell; the rest comes as live events).
        followed = self.peers.last_seq(session) if self.peers is not None else None
        if followed is not None:
            return followed
        row = self.store.session(session)
        return row.last_seq if row is not None else 0

    # --- the access log -------------------------------------------------------------------------

    def note_access(self, who: Identity, action: str, session: str, detail: str = "") -> None:
        """Add a line to the store's access log (``view``, ``record``…), without waiting."""
        entry = AccessEntry(time.time(), who.name, who.role, action, session, detail)
        task = asyncio.get_running_loop().create_task(self._log_access(entry))
        self._logging.add(task)
        task.add_done_callback(self._logging.discard)

    async def _log_access(self, entry: AccessEntry) -> None:
        try:
            await self.store.log_access(entry)
        except StoreError as exc:
            # The line itself names no personal data: keep it in the server's log instead.
            log.error(
                "[%s] access log: %s (%s) %s at %.0f not stored: %s",
                entry.session,
                entry.who,
                entry.role,
                entry.action,
                entry.at,
                exc,
            )

    # --- reading back -------------------------------------------------------------------------

    def backlog(self, session: str, after: int, limit: int) -> list[tuple[int, str]]:
        """``(seq, wire JSON)`` of up to ``limit`` stored events of ``session`` after ``after``."""
        return self.store.bodies(session, after, limit)

    def events(self, session: str) -> list[Event]:
        """Every stored event of ``session``, decoded."""
        return self.store.events(session)

    def section(self, section_id: str) -> Section | None:
        """A whole manual section; None without manuals (ConsultAssistError for an unknown id)."""
        section_of: Callable[[str], Section] | None = getattr(self.knowledge, "section", None)
        return None if section_of is None else section_of(section_id)

    def section_titles(self) -> dict[str, str]:
        """Section id → title of the manual in use (empty without manuals)."""
        base = getattr(self.knowledge, "base", None)
        manual = getattr(base, "manual", None)
        by_id = getattr(manual, "by_id", {})
        return {sid: section.title for sid, section in by_id.items()}

    # --- events -------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Hand ``listener`` every event it wants from now on (and the store's state if down)."""
        self.listeners.add(listener)
        if not self.health.available:
            _tell_store_state(listener, False, self.held())

    def discard_listener(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def _publish_quietly(self, event: Event) -> None:
        self.publish(event)

    def publish_any(self, event: Event, on_stored: Stored) -> None:
        """:meth:`publish` for a live session (this node's, or another node's, which it is
        forwarded to), :meth:`append_after_end` for an ended one."""
        if event.session in self._live or (
            self.peers is not None and self.peers.is_live(event.session)
        ):
            self.publish(event, on_stored)
        else:
            self.append_after_end(event, on_stored)

    def append_after_end(self, event: Event, on_stored: Stored) -> None:
        """Stamp, store, then send an event of a session that has ended (a note written after
        the call, an edit, the record closed); ``on_stored`` hears the outcome.

        The next seq comes from the store (one writer at a time per session here), so the
        session's events stay one gapless sequence. An unknown session, or an event the store
        refuses, is told None.
        """
        lock = self._after_end.setdefault(event.session, asyncio.Lock())
        task = asyncio.get_running_loop().create_task(self._after_end_write(event, lock, on_stored))
        self._logging.add(task)
        task.add_done_callback(self._logging.discard)

    async def _after_end_write(self, event: Event, lock: asyncio.Lock, on_stored: Stored) -> None:
        async with lock:
            row = self.store.session(event.session)
            if row is None or row.live:
                on_stored(None)
                return
            at = event.at or row.duration_s or 0.0  # after the call: at its end
            stamped = dataclasses.replace(event, seq=row.last_seq + 1, at=at)
            try:
                body = await self.store.append_after_end(stamped)
            except StoreError as exc:
                self.store_failures += 1
                log.error(
                    "[%s] could not store %s #%d: %s", event.session, event.type, stamped.seq, exc
                )
                on_stored(None)
                return
        self.published += 1
        self.fan_out(
            SessionAccess(row.id, row.owner, row.started_by, row.training), stamped.seq, body
        )
        on_stored(stamped)

    def publish(self, event: Event, on_stored: Stored | None = None) -> None:
        """Queue an event of a live session to be stamped, stored, then sent.

        ``on_stored``: a client's command, told the outcome (the stamped event, or None when it
        was not stored). Such an event is refused at once while the store is unavailable;
        anything else is held until the store takes it (up to the outbox's limit).
        """
        live = self._live.get(event.session)
        if live is None and self.peers is not None and self.peers.forward(event, on_stored):
            return  # another node carries the call: it stores the event, then all nodes send
        if live is None:
            log.warning("[%s] dropped a %s: session not live", event.session, event.type)
            if on_stored is not None:
                on_stored(None)
            return
        if on_stored is not None and not self.health.available:
            on_stored(None)
            return
        if isinstance(event, _FROM_PEOPLE) and not event.at and live.call is not None:
            # What people send (help, advice, notes, acks) happens "now" in the call: at the
            # audio received so far, so the record places it among the transcript's lines.
            event = dataclasses.replace(event, at=live.call.received_s)
        self._enqueue(live, Pending(event, on_stored))

    def held(self) -> int:
        """Events waiting for the store, in every live session."""
        return sum(len(live.outbox) for live in self._live.values())

    def _enqueue(self, live: _Live, pending: Pending, *, must_keep: bool = False) -> None:
        box = live.outbox
        if not box.offer(pending, must_keep=must_keep):
            if not live.ending and box.dropped == 1:
                box.cut = True
                log.error(
                    "[%s] the store has been unavailable too long: %d events of this call are"
                    " held and at risk, %d dropped; ending the call",
                    live.access.id,
                    len(box),
                    box.dropped,
                )
                self.end_call(live.access.id, "store_unavailable")
            if pending.on_stored is not None:
                pending.on_stored(None)
            return
        if live.writer is None or live.writer.done():
            live.writer = asyncio.get_running_loop().create_task(self._write(live))

    async def _write(self, live: _Live) -> None:
        """Commit ``live``'s outbox in order; each event goes out only once it is stored."""
        box, attempt = live.outbox, 0
        while box.queue:
            pending = box.queue[0]
            stamped = dataclasses.replace(pending.event, seq=box.next_seq())
            began = time.perf_counter()
            try:
                body = await self.store.append(stamped)
            except SessionClosed as exc:
                # Ended in the store by another node that declared this one lost.
                self._drop(live, str(exc))
                return
            except StoreUnavailable as exc:
                self.health.failed(str(exc))
                self._probe_while_down()
                if pending.on_stored is not None:
                    box.queue.popleft()  # a command: its sender hears now, nothing is held
                    pending.on_stored(None)
                    continue
                attempt += 1
                await self.health.wait_retry(attempt)
                continue
            except StoreError as exc:
                if live.abandoned:
                    return
                box.queue.popleft()
                self._refused(live, pending, stamped, exc)
                continue
            if live.abandoned:
                return  # dropped while this write was on its way (and it was refused)
            attempt = 0
            if self.on_commit is not None:
                self.on_commit(stamped, time.perf_counter() - began)
            box.queue.popleft()
            box.committed = stamped.seq
            live.recorded = True
            self.published += 1
            self.health.worked()
            if self._log_content and isinstance(stamped, TranscriptFinal):
                log.info("[%s] final %d: %s", stamped.session, stamped.utterance, stamped.text)
            self.fan_out(live.access, stamped.seq, body)
            if pending.on_stored is not None:
                pending.on_stored(stamped)

    def _refused(self, live: _Live, pending: Pending, event: Event, exc: StoreError) -> None:
        """The store will never take ``event``: count it, tell its sender, log it."""
        self.store_failures += 1
        log.error("[%s] the store refused %s #%d: %s", live.access.id, event.type, event.seq, exc)
        dropped = [pending]
        if not live.recorded:
            # Not even session.started could be stored: there is no call to keep. Drop what
            # waits and end the call without a session.ended, so no session lives on (and no
            # orphan row is written) that the store does not know.
            dropped += live.outbox.queue
            live.outbox.queue.clear()
            live.outbox.cut = live.abandoned = True
            self.end_call(live.access.id, "store_refused")
        for item in dropped:
            if item.on_stored is not None:
                item.on_stored(None)

    def _probe_while_down(self) -> None:
        if self._prober is None or self._prober.done():
            self._prober = asyncio.get_running_loop().create_task(self._probe())

    async def _probe(self) -> None:
        """While the store is down, try a tiny write now and then (no outbox may be retrying)."""
        attempt, last_report = 0, asyncio.get_running_loop().time()
        while not self.health.available:
            attempt += 1
            await self.health.wait_retry(attempt)
            if self.health.available:
                return
            try:
                await self.store.probe()
            except StoreError as exc:
                now = asyncio.get_running_loop().time()
                if now - last_report >= 10.0:
                    last_report = now
                    log.error(
                        "the store is still unavailable (%s): %d events held in %d calls",
                        exc,
                        self.held(),
                        sum(1 for live in self._live.values() if live.outbox.queue),
                    )
                continue
            self.health.worked()

    async def settle(self) -> None:
        """Wait until every event published so far is stored and handed out."""
        while writers := [
            live.writer for live in self._live.values() if live.writer and not live.writer.done()
        ]:
            await asyncio.gather(*(asyncio.shield(w) for w in writers), return_exceptions=True)

    def _store_changed(self, available: bool) -> None:
        held = self.held()
        if not available:
            log.error("the store is unavailable: %d events of live calls are held", held)
        for listener in tuple(self.listeners):
            _tell_store_state(listener, available, held)

    def fan_out(self, access: SessionAccess, seq: int, body: str) -> None:
        """Hand one stored event to every listener that wants it (this node's or another's)."""
        for listener in tuple(self.listeners):
            if listener.subs.wants(listener.who, access):
                try:
                    listener.deliver(access.id, seq, body)
                except Exception:
                    log.exception("[%s] a listener failed on #%d", access.id, seq)


def _tell_store_state(listener: Listener, available: bool, held: int) -> None:
    tell: Callable[[bool, int], None] | None = getattr(listener, "store_state", None)
    if tell is None:
        return
    try:
        tell(available, held)
    except Exception:
        log.exception("a listener failed on the store's state")
