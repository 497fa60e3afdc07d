"""The hub: live sessions, their sequence numbers, the store, and fan-out to listeners.

Every event of every session passes through :meth:`Hub.publish`, on the event loop: it is
stamped with the session's next ``seq``, committed to the store, and only then handed to each
listener that wants it (the websocket connections). Delivery to a listener never waits: a
listener queues and sends on its own. Sources (websocket audio, SIP, microphone) open calls
through :meth:`Hub.open_call` (the :class:`~consult_assist.audio.calls.CallSink` port).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.service import AsrService
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.audio.pcm import FloatArray
from consult_assist.errors import ConsultAssistError, StoreError
from consult_assist.events import (
    Ack,
    Advice,
    Event,
    HelpRequest,
    Note,
    RecordClosed,
    Sequencer,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.access import Identity, SessionAccess, Subscriptions
from consult_assist.hub.store import SessionRow, Store, new_session_id
from consult_assist.knowledge.manual import Section
from consult_assist.pipeline import Knowledge, LiveCall
from consult_assist.wire import encode_event

__all__ = ["Hub", "Listener"]

log = logging.getLogger(__name__)

_FROM_PEOPLE = (HelpRequest, Advice, Note, Ack, RecordClosed)


class Listener(Protocol):
    """A receiver of events: a websocket connection, a test probe."""

    who: Identity
    subs: Subscriptions

    def deliver(self, session: str, seq: int, body: str) -> None:
        """Take one stored event (wire JSON); must not block."""
        ...


@dataclass
class _Live:
    access: SessionAccess
    seq: Sequencer
    source: str = ""
    call: LiveCall | None = None
    ending: asyncio.Task[None] | None = None


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
    ) -> None:
        self.store = store
        self.service = service
        self.knowledge = knowledge
        self._options_for = options_for
        self._detector_factory = detector_factory
        self._log_content = log_content
        self._live: dict[str, _Live] = {}
        self.listeners: set[Listener] = set()
        self.published = 0
        self.store_failures = 0

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
    ) -> _Handle:
        """Start a live session fed by a source; returns the handle the source pushes into."""
        if self.service is None:
            raise ConsultAssistError("this hub has no speech recognizer: it cannot take audio")
        session = new_session_id()
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
        live = _Live(access, Sequencer(), source)
        self._live[session] = live
        started = live.seq.stamp(SessionStarted(session=session, at=0.0, meta=full_meta))
        assert isinstance(started, SessionStarted)
        try:
            self.store.create_session(started)
        except StoreError:
            del self._live[session]
            raise
        self._fan_out(access, started.seq, encode_event(started))
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
        return _Handle(self, live)

    def end_call(self, session: str, reason: str = "end") -> None:
        """Finish a live call: transcribe what was received, then publish ``session.ended``."""
        live = self._live.get(session)
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
        self.publish(ended)
        self._live.pop(live.access.id, None)
        if self.knowledge is not None:
            self.knowledge.feed(ended)  # releases the call's knowledge state
        log.info("[%s] session ended: %s after %.1f s of audio", live.access.id, reason, at)

    async def wait_ended(self, session: str) -> None:
        """Wait until an ending session has published ``session.ended``."""
        live = self._live.get(session)
        if live is not None and live.ending is not None:
            await asyncio.shield(live.ending)

    async def close(self, reason: str = "shutdown") -> None:
        """End every live call (their received audio is still transcribed)."""
        for session in list(self._live):
            self.end_call(session, reason)
        tasks = [live.ending for live in self._live.values() if live.ending is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def access(self, session: str) -> SessionAccess | None:
        """Access facts of a live or stored session, or None if unknown."""
        live = self._live.get(session)
        if live is not None:
            return live.access
        row = self.store.session(session)
        if row is None:
            return None
        return SessionAccess(row.id, row.owner, row.started_by, row.training)

    def is_live(self, session: str) -> bool:
        live = self._live.get(session)
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
        return [live.access for live in self._live.values()]

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
        live = self._live.get(session)
        if live is not None:
            return live.seq.last
        row = self.store.session(session)
        return row.last_seq if row is not None else 0

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
        """Hand ``listener`` every event it wants from now on."""
        self.listeners.add(listener)

    def discard_listener(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def _publish_quietly(self, event: Event) -> None:
        self.publish(event)

    def append_after_end(self, event: Event) -> Event | None:
        """Stamp, store, then send an event of a session that has ended (a note written after
        the call, an edit, the record closed); a live session's goes through :meth:`publish`.

        The next seq comes from the store: the session's events stay one gapless sequence.
        Returns None for an unknown session or one whose event could not be stored.
        """
        if event.session in self._live:
            return self.publish(event)
        row = self.store.session(event.session)
        if row is None:
            return None
        at = event.at or row.duration_s or 0.0  # after the call: at its end
        stamped = dataclasses.replace(event, seq=row.last_seq + 1, at=at)
        try:
            body = self.store.append(stamped)
        except StoreError:
            self.store_failures += 1
            log.exception("[%s] could not store %s #%d", event.session, event.type, stamped.seq)
            return None
        self.published += 1
        access = SessionAccess(row.id, row.owner, row.started_by, row.training)
        self._fan_out(access, stamped.seq, body)
        return stamped

    def publish(self, event: Event) -> Event | None:
        """Stamp, store, then send an event of a live session; returns it stamped."""
        live = self._live.get(event.session)
        if live is None:
            log.warning("[%s] dropped a %s: session not live", event.session, event.type)
            return None
        if isinstance(event, _FROM_PEOPLE) and not event.at and live.call is not None:
            # What people send (help, advice, notes, acks) happens "now" in the call: at the
            # audio received so far, so the record places it among the transcript's lines.
            event = dataclasses.replace(event, at=live.call.received_s)
        stamped = live.seq.stamp(event)
        try:
            body = self.store.append(stamped)
        except StoreError:
            self.store_failures += 1
            log.exception("[%s] could not store %s #%d", event.session, event.type, stamped.seq)
            return None
        self.published += 1
        if self._log_content and isinstance(stamped, TranscriptFinal):
            log.info("[%s] final %d: %s", stamped.session, stamped.utterance, stamped.text)
        self._fan_out(live.access, stamped.seq, body)
        return stamped

    def _fan_out(self, access: SessionAccess, seq: int, body: str) -> None:
        for listener in tuple(self.listeners):
            if listener.subs.wants(listener.who, access):
                try:
                    listener.deliver(access.id, seq, body)
                except Exception:
                    log.exception("[%s] a listener failed on #%d", access.id, seq)
